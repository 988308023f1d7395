/*
 * One client connection on one worker's loop: read, assemble requests, run the handler,
 * write responses in order, and close politely. Everything here runs on the worker's thread.
 * It must never let a client make the server buffer without bound: input is read only while
 * the queued output is small, and every phase has a timer.
 */
#include "http/limits.h"
#include "http/worker.h"

#include <stdlib.h>
#include <string.h>

typedef struct write_req {
  uv_write_t req;
  scale__httpd_out_t out;
  size_t total;
} write_req_t;

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void feed(scale__httpd_conn_t *c, const char *data, size_t len);
static void close_conn(scale__httpd_conn_t *c);
static void begin_close(scale__httpd_conn_t *c);

static uint64_t now_ms(void) {
  return uv_hrtime() / 1000000u;
}

/* Picks the timer for the connection's phase: writing (progress), reading a request (from its
 * first byte: headers, then the whole request), or idle between requests. */
static void arm_timer(scale__httpd_conn_t *c);

static void send_error(scale__httpd_conn_t *c, int status);
static void settle(scale__httpd_conn_t *c);

static void on_timer(uv_timer_t *t) {
  scale__httpd_conn_t *c = t->data;
  if (c->state == CONN_OPEN && c->writes == 0 && scale__httpd_assembler_busy(&c->assembler)) {
    /* A request that is too slow to arrive (slowloris, a stalled upload) gets 408. */
    send_error(c, 408);
    settle(c);
    return;
  }
  close_conn(c); /* idle too long, or the client does not read its answers */
}

static void arm_timer(scale__httpd_conn_t *c) {
  if (c->state != CONN_OPEN && c->state != CONN_LAST)
    return; /* shutdown and linger set their own */
  const scale_httpd_config_t *cfg = &c->worker->server->cfg;
  uint64_t delay;
  if (c->writes > 0) {
    delay = cfg->request_timeout_ms;
  } else if (c->req_start && scale__httpd_assembler_busy(&c->assembler)) {
    uint64_t limit = c->assembler.headers_done ? cfg->request_timeout_ms : cfg->header_timeout_ms;
    uint64_t spent = now_ms() - c->req_start / 1000000u;
    delay = spent >= limit ? 0 : limit - spent;
  } else {
    delay = cfg->keepalive_timeout_ms;
  }
  uv_timer_start(&c->timer, on_timer, delay, 0);
}

static void on_close(uv_handle_t *h) {
  scale__httpd_conn_t *c = h->data;
  if (--c->handles > 0) return;
  scale__httpd_worker_t *w = c->worker;
  scale__httpd_assembler_release(&c->assembler);
  scale__httpd_response_release(&c->response);
  free(c->pending);
  free(c);
  w->conn_count--;
  scale__httpd_worker_maybe_finish(w);
}

static void close_conn(scale__httpd_conn_t *c) {
  if (c->state == CONN_CLOSED) return;
  c->state = CONN_CLOSED;
  scale__httpd_worker_t *w = c->worker;
  if (c->prev)
    c->prev->next = c->next;
  else
    w->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  /* Pending writes and the shutdown request are cancelled first; on_close frees last. */
  uv_close((uv_handle_t *)&c->tcp, on_close);
  uv_close((uv_handle_t *)&c->timer, on_close);
}

static void on_linger_timeout(uv_timer_t *t) {
  close_conn(t->data);
}

static void start_reading(scale__httpd_conn_t *c);

static void on_shutdown(uv_shutdown_t *req, int status) {
  scale__httpd_conn_t *c = req->data;
  if (c->state == CONN_CLOSED) return;
  if (status < 0 || c->peer_eof) {
    close_conn(c);
    return;
  }
  /* Half-closed: drain what the client still sends until it closes, or the linger time, so
   * unread input does not turn the close into a reset that could destroy the last answer. */
  c->state = CONN_LINGER;
  start_reading(c);
  if (c->state == CONN_LINGER)
    uv_timer_start(&c->timer, on_linger_timeout, SCALE_HTTPD_LINGER_MS, 0);
}

static void begin_close(scale__httpd_conn_t *c) {
  if (c->state == CONN_CLOSED || c->state == CONN_SHUTDOWN || c->state == CONN_LINGER) return;
  c->state = CONN_SHUTDOWN;
  c->shutdown.data = c;
  /* uv_shutdown waits for queued writes, then sends FIN. */
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    close_conn(c);
    return;
  }
  uv_timer_start(&c->timer, on_linger_timeout, c->worker->server->cfg.request_timeout_ms, 0);
}

/* After input or a timer: close if the last answer is out, else re-arm the timer. */
static void settle(scale__httpd_conn_t *c) {
  if (c->state == CONN_LAST && c->writes == 0)
    begin_close(c);
  else
    arm_timer(c);
}

/* Writing is done for now: close if that was the last response, else read on. */
static void after_writes(scale__httpd_conn_t *c) {
  if (c->state == CONN_LAST) {
    begin_close(c);
    return;
  }
  if (c->state != CONN_OPEN) return;
  if (c->pending_len > 0 && c->out_bytes <= SCALE_HTTPD_MAX_PENDING_OUTPUT) {
    /* Parse what waited while the output backed up. feed() may keep part of it again. */
    char *data = c->pending;
    size_t len = c->pending_len;
    c->pending = NULL;
    c->pending_len = 0;
    c->pending_cap = 0;
    feed(c, data, len);
    free(data);
    if (c->state == CONN_CLOSED) return;
  }
  if (c->state == CONN_OPEN && c->pending_len == 0 && !c->peer_eof) start_reading(c);
  if (c->state == CONN_OPEN && c->peer_eof && c->writes == 0)
    close_conn(c); /* the client is done sending and has every answer */
  else
    settle(c);
}

static void on_write(uv_write_t *req, int status) {
  write_req_t *wr = (write_req_t *)req;
  scale__httpd_conn_t *c = req->data;
  c->writes--;
  c->out_bytes -= wr->total;
  free(wr->out.head);
  free(wr->out.body);
  free(wr);
  if (c->state == CONN_CLOSED) return;
  if (status < 0) {
    close_conn(c); /* the client went away */
    return;
  }
  if (c->writes == 0)
    after_writes(c);
  else
    arm_timer(c);
}

/* Sends out (taking it): straight away when nothing is queued and the socket takes it all,
 * else through a uv_write request that keeps the buffers until done. */
static void send_out(scale__httpd_conn_t *c, scale__httpd_out_t *out) {
  uv_buf_t bufs[2];
  unsigned n = 0;
  bufs[n++] = uv_buf_init(out->head, (unsigned)out->head_len);
  if (out->body_len) bufs[n++] = uv_buf_init((char *)out->body, (unsigned)out->body_len);
  size_t total = out->head_len + out->body_len;
  if (c->writes == 0) {
    int done = uv_try_write((uv_stream_t *)&c->tcp, bufs, n);
    if (done > 0 && (size_t)done == total) {
      free(out->head);
      free(out->body);
      return;
    }
    if (done > 0) {
      size_t skip = (size_t)done;
      unsigned first = 0;
      while (skip >= bufs[first].len) {
        skip -= bufs[first].len;
        first++;
      }
      bufs[first].base += skip;
      bufs[first].len -= skip;
      if (first == 1) bufs[0] = bufs[1];
      n -= first;
      total -= (size_t)done;
    } else if (done < 0 && done != UV_EAGAIN) {
      free(out->head);
      free(out->body);
      close_conn(c);
      return;
    }
  }
  write_req_t *wr = malloc(sizeof *wr);
  if (!wr) {
    free(out->head);
    free(out->body);
    close_conn(c);
    return;
  }
  wr->out = *out;
  wr->total = total;
  wr->req.data = c;
  if (uv_write(&wr->req, (uv_stream_t *)&c->tcp, bufs, n, on_write) != 0) {
    free(out->head);
    free(out->body);
    free(wr);
    close_conn(c);
    return;
  }
  c->writes++;
  c->out_bytes += total;
}

/* The server's own error answer; the connection closes after it. */
static void send_error(scale__httpd_conn_t *c, int status) {
  scale__httpd_worker_t *w = c->worker;
  scale__httpd_date_update(&w->date);
  scale__httpd_out_t out;
  c->state = CONN_LAST;
  if (scale__httpd_response_error(status, w->date.text, &out) != 0) {
    close_conn(c);
    return;
  }
  const scale_httpd_config_t *cfg = &w->server->cfg;
  if (!cfg->quiet && cfg->access_log)
    scale__httpd_log_request(cfg->access_log, c->peer, "-", "-", 1, status, out.body_bytes,
                             c->req_start ? (uv_hrtime() - c->req_start) / 1000u : 0, "");
  send_out(c, &out);
}

static void dispatch(scale__httpd_conn_t *c) {
  scale__httpd_worker_t *w = c->worker;
  const scale_httpd_config_t *cfg = &w->server->cfg;
  scale_httpd_request_t *req = scale__httpd_assembler_request(&c->assembler);
  if (!req) {
    send_error(c, 503);
    return;
  }
  req->peer = c->peer;
  req->peer_port = c->peer_port;
  scale__httpd_response_reset(&c->response);
  cfg->handle(cfg->env, req, &c->response);
  /* The handler may have run for long: timers must see the real time. */
  uv_update_time(&w->loop);
  /* The stop flag too, not only w->stopping: a shutdown asked while the handler ran has not
   * reached this loop yet, and this answer should already say close. */
  int keep = c->assembler.keep_alive && !c->response.close && !w->stopping && !c->peer_eof &&
             !atomic_load_explicit(&w->server->stop_requested, memory_order_relaxed);
  int head_only = strcmp(req->method, "HEAD") == 0;
  int http10 = req->protocol[7] == '0';
  scale__httpd_date_update(&w->date);
  scale__httpd_out_t out;
  if (scale__httpd_response_finish(&c->response, w->date.text, keep, http10, head_only, &out) !=
      0) {
    send_error(c, 503);
    return;
  }
  if (!cfg->quiet && cfg->access_log) {
    int status = c->response.status;
    if (status < 200 || status > 599) status = 500;
    scale__httpd_log_request(cfg->access_log, c->peer, req->method, req->path, req->path_len,
                             status, out.body_bytes, (uv_hrtime() - c->req_start) / 1000u,
                             c->response.chain);
  }
  if (!keep) c->state = CONN_LAST;
  send_out(c, &out);
}

/* Keeps data for later (the output is backed up); reading stops meanwhile. */
static void keep_pending(scale__httpd_conn_t *c, const char *data, size_t len) {
  if (len > c->pending_cap - c->pending_len) {
    size_t cap = c->pending_len + len;
    char *p = realloc(c->pending, cap);
    if (!p) {
      close_conn(c);
      return;
    }
    c->pending = p;
    c->pending_cap = cap;
  }
  memcpy(c->pending + c->pending_len, data, len);
  c->pending_len += len;
  if (c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
  }
}

static void feed(scale__httpd_conn_t *c, const char *data, size_t len) {
  while (len > 0 && c->state == CONN_OPEN) {
    if (c->out_bytes > SCALE_HTTPD_MAX_PENDING_OUTPUT) {
      keep_pending(c, data, len);
      return;
    }
    if (!c->req_start) c->req_start = uv_hrtime();
    size_t used;
    scale__httpd_event_t ev = scale__httpd_assembler_feed(&c->assembler, data, len, &used);
    data += used;
    len -= used;
    switch (ev) {
    case SCALE_HTTPD_NEED_MORE:
      break;
    case SCALE_HTTPD_CONTINUE: {
      scale__httpd_out_t out = {0};
      out.head = malloc(sizeof continue_line - 1);
      if (!out.head) {
        close_conn(c);
        return;
      }
      memcpy(out.head, continue_line, sizeof continue_line - 1);
      out.head_len = sizeof continue_line - 1;
      send_out(c, &out);
      break;
    }
    case SCALE_HTTPD_REQUEST:
      dispatch(c);
      c->req_start = 0;
      break;
    case SCALE_HTTPD_ERROR:
      send_error(c, c->assembler.error_status);
      return;
    }
  }
  if (!scale__httpd_assembler_busy(&c->assembler)) c->req_start = 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  scale__httpd_conn_t *c = h->data;
  /* One buffer per loop: each read is parsed before the next one is made. */
  *buf = uv_buf_init(c->worker->read_buf, SCALE_HTTPD_READ_CHUNK);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  scale__httpd_conn_t *c = s->data;
  if (nread == 0 || c->state == CONN_CLOSED) return;
  if (nread < 0) {
    c->peer_eof = 1;
    uv_read_stop(s);
    c->reading = 0;
    /* A client may half-close after its last request and still wait for the answers; a
     * request cut short gets no answer. */
    if (nread != UV_EOF || c->state == CONN_LINGER || c->writes == 0)
      close_conn(c);
    else if (c->state == CONN_OPEN)
      c->state = CONN_LAST;
    return;
  }
  if (c->state != CONN_OPEN) return; /* after the last response: drained and dropped */
  feed(c, buf->base, (size_t)nread);
  settle(c);
}

static void start_reading(scale__httpd_conn_t *c) {
  if (c->reading) return;
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    close_conn(c);
    return;
  }
  c->reading = 1;
}

void scale__httpd_conn_accept(scale__httpd_worker_t *w) {
  scale_httpd_server_t *s = w->server;
  scale__httpd_conn_t *c = calloc(1, sizeof *c);
  if (!c) {
    scale__httpd_log_error(s, "cannot accept a connection", UV_ENOMEM);
    return; /* it stays in the backlog; the next accept may have memory */
  }
  c->worker = w;
  c->state = CONN_OPEN;
  uv_tcp_init(&w->loop, &c->tcp);
  uv_timer_init(&w->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->handles = 2;
  scale__httpd_assembler_init(&c->assembler, s->cfg.max_header_bytes, s->cfg.max_body_bytes);
  scale__httpd_response_init(&c->response);
  w->conn_count++;
  c->next = w->conns;
  if (c->next) c->next->prev = c;
  w->conns = c;
  int rc = uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)&c->tcp);
  if (rc != 0) {
    scale__httpd_log_error(s, "cannot accept a connection", rc);
    close_conn(c);
    return;
  }
  if (w->conn_count > w->max_conns) {
    close_conn(c); /* over the limit: the client sees a close, the server stays up */
    return;
  }
  struct sockaddr_storage peer;
  int plen = sizeof peer;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&peer, &plen) == 0) {
    if (peer.ss_family == AF_INET6) {
      const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&peer;
      uv_ip6_name(a6, c->peer, sizeof c->peer);
      c->peer_port = ntohs(a6->sin6_port);
    } else {
      const struct sockaddr_in *a4 = (const struct sockaddr_in *)&peer;
      uv_ip4_name(a4, c->peer, sizeof c->peer);
      c->peer_port = ntohs(a4->sin_port);
    }
  } else {
    strcpy(c->peer, "-");
  }
  uv_tcp_nodelay(&c->tcp, 1);
  start_reading(c);
  settle(c);
}

void scale__httpd_conn_stop_all(scale__httpd_worker_t *w) {
  scale__httpd_conn_t *c = w->conns;
  while (c) {
    scale__httpd_conn_t *next = c->next;
    if (c->state == CONN_OPEN) {
      if (c->writes > 0 || c->pending_len > 0)
        c->state = CONN_LAST; /* its answers are on their way; close after them */
      else if (!scale__httpd_assembler_busy(&c->assembler))
        close_conn(c); /* idle keep-alive */
      /* else: a request is arriving; dispatch() answers it with Connection: close */
    }
    c = next;
  }
}
