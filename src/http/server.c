/*
 * The server object (server.h): configuration, the listen address, one event loop and one
 * SO_REUSEPORT listening socket per worker, the worker threads, and the graceful shutdown.
 * Connections themselves are conn.c's. The only state shared between threads is the stop flag
 * and each worker's uv_async handle; everything else belongs to one worker.
 */
#include "http/limits.h"
#include "http/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int set_err(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t err_len, const char *fmt, ...) {
  if (err && err_len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
  }
  return -1;
}

void scale_httpd_config_init(scale_httpd_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->listen = SCALE_HTTPD_DEFAULT_LISTEN;
  cfg->max_header_bytes = SCALE_HTTPD_DEFAULT_MAX_HEADER;
  cfg->max_body_bytes = SCALE_HTTPD_DEFAULT_MAX_BODY;
  cfg->max_connections = SCALE_HTTPD_DEFAULT_MAX_CONNECTIONS;
  cfg->keepalive_timeout_ms = SCALE_HTTPD_DEFAULT_KEEPALIVE_MS;
  cfg->header_timeout_ms = SCALE_HTTPD_DEFAULT_HEADER_MS;
  cfg->request_timeout_ms = SCALE_HTTPD_DEFAULT_REQUEST_MS;
}

int scale_httpd_parse_address(const char *text, struct sockaddr_storage *addr, char *err,
                              size_t err_len) {
  memset(addr, 0, sizeof *addr);
  if (!text) return set_err(err, err_len, "no listen address");
  size_t len = strlen(text);
  const char *colon = strrchr(text, ':');
  if (len == 0 || len > 63 || !colon)
    return set_err(err, err_len, "listen address '%s' is not ADDR:PORT", text);
  /* PORT: 1 to 5 decimal digits, nothing else, at most 65535. */
  const char *port_text = colon + 1;
  size_t port_len = strlen(port_text);
  unsigned long port = 0;
  if (port_len == 0 || port_len > 5)
    return set_err(err, err_len, "listen address '%s': bad port", text);
  for (size_t i = 0; i < port_len; i++) {
    if (port_text[i] < '0' || port_text[i] > '9')
      return set_err(err, err_len, "listen address '%s': bad port", text);
    port = port * 10 + (unsigned long)(port_text[i] - '0');
  }
  if (port > 65535) return set_err(err, err_len, "listen address '%s': port out of range", text);
  char host[64];
  size_t host_len = (size_t)(colon - text);
  memcpy(host, text, host_len);
  host[host_len] = '\0';
  if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
    host[host_len - 1] = '\0';
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
      return set_err(err, err_len, "listen address '%s': bad IPv6 address", text);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    return 0;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  /* inet_pton takes only the dotted quad: no "1", no "0x7f.1", no spaces. */
  if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
    return set_err(err, err_len, "listen address '%s': bad address (IPv4, [IPv6] or localhost)",
                   text);
  a4->sin_family = AF_INET;
  a4->sin_port = htons((uint16_t)port);
  return 0;
}

void scale__httpd_log_error(scale_httpd_server_t *s, const char *what, int uv_err) {
  if (s->cfg.quiet) return;
  fprintf(s->cfg.error_log, "scale http: %s: %s\n", what, uv_strerror(uv_err));
}

void scale__httpd_worker_maybe_finish(scale__httpd_worker_t *w) {
  if (!w->stopping || w->conn_count > 0) return;
  /* The last handle: uv_run returns once it is closed. */
  if (w->wakeup_open) {
    w->wakeup_open = 0;
    uv_close((uv_handle_t *)&w->wakeup, NULL);
  }
}

static void on_connection(uv_stream_t *listener, int status) {
  scale__httpd_worker_t *w = listener->data;
  if (status < 0) {
    scale__httpd_log_error(w->server, "accept failed", status);
    return;
  }
  if (w->stopping) return;
  scale__httpd_conn_accept(w);
}

static void stop_worker(scale__httpd_worker_t *w) {
  if (w->stopping) return;
  w->stopping = 1;
  if (w->listener_open) {
    w->listener_open = 0;
    uv_close((uv_handle_t *)&w->listener, NULL);
  }
  scale__httpd_conn_stop_all(w);
  scale__httpd_worker_maybe_finish(w);
}

static void on_wakeup(uv_async_t *a) {
  scale__httpd_worker_t *w = a->data;
  if (atomic_load(&w->server->stop_requested)) stop_worker(w);
}

/* A socket bound to addr with SO_REUSEPORT, so every worker can bind the same port. */
static int open_listener(scale__httpd_worker_t *w, const struct sockaddr_storage *addr, char *err,
                         size_t err_len) {
  int family = addr->ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return set_err(err, err_len, "cannot create a socket: %s", strerror(errno));
  int one = 1;
  socklen_t alen = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return set_err(err, err_len, "cannot set SO_REUSEPORT: %s", strerror(e));
  }
  if (bind(fd, (const struct sockaddr *)addr, alen) != 0) {
    int e = errno;
    close(fd);
    return set_err(err, err_len, "cannot listen on '%s': %s", w->server->listen_text, strerror(e));
  }
  uv_tcp_init(&w->loop, &w->listener);
  w->listener.data = w;
  w->listener_open = 1;
  int rc = uv_tcp_open(&w->listener, fd);
  if (rc != 0) {
    close(fd);
    return set_err(err, err_len, "cannot use the listening socket: %s", uv_strerror(rc));
  }
  rc = uv_listen((uv_stream_t *)&w->listener, SCALE_HTTPD_BACKLOG, on_connection);
  if (rc != 0)
    return set_err(err, err_len, "cannot listen on '%s': %s", w->server->listen_text,
                   uv_strerror(rc));
  return 0;
}

static int check_config(const scale_httpd_config_t *cfg, char *err, size_t err_len) {
  if (!cfg->handle) return set_err(err, err_len, "no request handler");
  if (cfg->workers > SCALE_HTTPD_MAX_WORKERS)
    return set_err(err, err_len, "%u workers: at most %u", cfg->workers, SCALE_HTTPD_MAX_WORKERS);
  if (cfg->max_header_bytes < 256 || cfg->max_header_bytes > SCALE_HTTPD_MAX_HEADER_CAP)
    return set_err(err, err_len, "max header bytes %zu: must be 256 to %u", cfg->max_header_bytes,
                   SCALE_HTTPD_MAX_HEADER_CAP);
  if (cfg->max_body_bytes > SCALE_HTTPD_MAX_BODY_CAP)
    return set_err(err, err_len, "max body bytes %zu: at most %u", cfg->max_body_bytes,
                   SCALE_HTTPD_MAX_BODY_CAP);
  if (cfg->max_connections == 0 || cfg->max_connections > SCALE_HTTPD_MAX_CONNECTIONS_CAP)
    return set_err(err, err_len, "max connections %u: must be 1 to %u", cfg->max_connections,
                   SCALE_HTTPD_MAX_CONNECTIONS_CAP);
  if (!cfg->keepalive_timeout_ms || !cfg->header_timeout_ms || !cfg->request_timeout_ms)
    return set_err(err, err_len, "timeouts must be positive");
  return 0;
}

static void close_walk(uv_handle_t *h, void *arg) {
  if (!uv_is_closing(h)) uv_close(h, NULL);
}

/* Closes whatever handles remain (a server that never ran) and the loop itself. */
static void release_worker(scale__httpd_worker_t *w) {
  if (w->loop_ready) {
    uv_walk(&w->loop, close_walk, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    w->loop_ready = 0;
  }
  free(w->read_buf);
  w->read_buf = NULL;
}

int scale_httpd_new(const scale_httpd_config_t *cfg, scale_httpd_server_t **out, char *err,
                    size_t err_len) {
  *out = NULL;
  if (check_config(cfg, err, err_len) != 0) return -1;
  scale_httpd_server_t *s = calloc(1, sizeof *s);
  if (!s) return set_err(err, err_len, "out of memory");
  s->cfg = *cfg;
  if (scale_httpd_parse_address(cfg->listen, &s->addr, err, err_len) != 0) {
    free(s);
    return -1;
  }
  snprintf(s->listen_text, sizeof s->listen_text, "%s", cfg->listen);
  s->cfg.listen = s->listen_text;
  if (!s->cfg.access_log) s->cfg.access_log = stdout;
  if (!s->cfg.error_log) s->cfg.error_log = stderr;
  atomic_init(&s->stop_requested, 0);
  unsigned n = cfg->workers ? cfg->workers : uv_available_parallelism();
  if (n == 0) n = 1;
  if (n > SCALE_HTTPD_MAX_WORKERS) n = SCALE_HTTPD_MAX_WORKERS;
  s->worker_count = n;
  s->workers = calloc(n, sizeof *s->workers);
  if (!s->workers) {
    free(s);
    return set_err(err, err_len, "out of memory");
  }
  /* http-parser's own header cap (80 KiB by default) is process-wide; raise it when the
   * configured cap is larger, so that ours is the one that answers. */
  if (s->cfg.max_header_bytes + 1024 > 80 * 1024)
    http_parser_set_max_header_size((uint32_t)s->cfg.max_header_bytes + 1024);
  /* A client that closes early must not kill the process with SIGPIPE. */
  struct sigaction sa;
  if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);

  struct sockaddr_storage addr = s->addr;
  for (unsigned i = 0; i < n; i++) {
    scale__httpd_worker_t *w = &s->workers[i];
    w->server = s;
    w->index = i;
    w->max_conns = (cfg->max_connections + n - 1) / n;
    w->read_buf = malloc(SCALE_HTTPD_READ_CHUNK);
    int rc = w->read_buf ? uv_loop_init(&w->loop) : UV_ENOMEM;
    if (rc != 0) {
      set_err(err, err_len, "cannot create an event loop: %s", uv_strerror(rc));
      goto fail;
    }
    w->loop_ready = 1;
    w->loop.data = w;
    rc = uv_async_init(&w->loop, &w->wakeup, on_wakeup);
    if (rc != 0) {
      set_err(err, err_len, "cannot create an event loop: %s", uv_strerror(rc));
      goto fail;
    }
    w->wakeup.data = w;
    w->wakeup_open = 1;
    if (open_listener(w, &addr, err, err_len) != 0) goto fail;
    if (i == 0) {
      /* Port 0: the kernel picked one; the other workers bind the same. */
      struct sockaddr_storage bound;
      int blen = sizeof bound;
      rc = uv_tcp_getsockname(&w->listener, (struct sockaddr *)&bound, &blen);
      if (rc != 0) {
        set_err(err, err_len, "cannot read the bound port: %s", uv_strerror(rc));
        goto fail;
      }
      uint16_t port = bound.ss_family == AF_INET6
                          ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
      s->port = port;
      if (addr.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&addr)->sin6_port = htons(port);
      else
        ((struct sockaddr_in *)&addr)->sin_port = htons(port);
    }
  }
  *out = s;
  return 0;
fail:
  for (unsigned i = 0; i < n; i++)
    release_worker(&s->workers[i]);
  free(s->workers);
  free(s);
  return -1;
}

uint16_t scale_httpd_port(const scale_httpd_server_t *server) {
  return server->port;
}

unsigned scale_httpd_workers(const scale_httpd_server_t *server) {
  return server->worker_count;
}

static void worker_main(void *arg) {
  scale__httpd_worker_t *w = arg;
  uv_run(&w->loop, UV_RUN_DEFAULT);
  if (!w->server->cfg.quiet) fflush(w->server->cfg.access_log);
}

int scale_httpd_run(scale_httpd_server_t *s, char *err, size_t err_len) {
  if (s->ran) return set_err(err, err_len, "the server has already run");
  s->ran = 1;
  int rc = 0;
  for (unsigned i = 1; i < s->worker_count; i++) {
    scale__httpd_worker_t *w = &s->workers[i];
    int e = uv_thread_create(&w->thread, worker_main, w);
    if (e != 0) {
      set_err(err, err_len, "cannot start worker thread %u: %s", i, uv_strerror(e));
      rc = -1;
      /* Stop the ones that run (and, through the flag, worker 0 below at once). */
      scale_httpd_shutdown(s);
      break;
    }
    w->thread_started = 1;
  }
  worker_main(&s->workers[0]);
  for (unsigned i = 1; i < s->worker_count; i++)
    if (s->workers[i].thread_started) uv_thread_join(&s->workers[i].thread);
  return rc;
}

void scale_httpd_shutdown(scale_httpd_server_t *s) {
  /* Only the first call wakes the workers: a worker closes its async handle as it ends, and
   * a second uv_async_send on it could race that. Atomics and uv_async_send are both
   * async-signal-safe. */
  if (atomic_exchange(&s->stop_requested, 1)) return;
  for (unsigned i = 0; i < s->worker_count; i++)
    uv_async_send(&s->workers[i].wakeup);
}

void scale_httpd_delete(scale_httpd_server_t *s) {
  if (!s) return;
  for (unsigned i = 0; i < s->worker_count; i++)
    release_worker(&s->workers[i]);
  free(s->workers);
  free(s);
}
