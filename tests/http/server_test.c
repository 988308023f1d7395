/*
 * The HTTP server (src/http/server.h) in-process on an ephemeral port, checked over real
 * sockets with a small client (client.h), and with curl when it is installed:
 *   http_server_test            every behaviour test plus a short soak (200 connections)
 *   http_server_test soak SECS  only the soak, for SECS seconds (the `long` ctest entry)
 */
#include "../common/check.h"
#include "client.h"
#include "http/server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

/* --- the test handler --------------------------------------------------- */

static atomic_int slow_started;

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0)
    ;
}

static void handle(void *env, const scale_httpd_request_t *req, scale_httpd_response_t *res) {
  char num[32];
  scale_httpd_response_add_header(res, "X-Method", req->method);
  scale_httpd_response_add_header(res, "X-Path", req->path);
  scale_httpd_response_add_header(res, "X-Query", req->query);
  scale_httpd_response_add_header(res, "X-Uri", req->uri);
  scale_httpd_response_add_header(res, "X-Protocol", req->protocol);
  scale_httpd_response_add_header(res, "X-Peer", req->peer);
  snprintf(num, sizeof num, "%zu", req->header_count);
  scale_httpd_response_add_header(res, "X-Header-Count", num);
  const char *t = scale_httpd_request_header(req, "x-test");
  if (t) scale_httpd_response_add_header(res, "X-Got-Test", t);
  if (strncmp(req->path, "/status/", 8) == 0) {
    scale_httpd_response_set_status(res, atoi(req->path + 8));
    scale_httpd_response_set_body(res, req->path, req->path_len);
  } else if (strcmp(req->path, "/slow") == 0) {
    atomic_fetch_add(&slow_started, 1);
    sleep_ms(req->query_len ? atol(req->query) : 1000);
    scale_httpd_response_set_body(res, "slow done", 9);
  } else if (strcmp(req->path, "/headers") == 0) {
    for (size_t i = 0; i < req->header_count; i++) {
      scale_httpd_response_append_body(res, req->headers[i].name, req->headers[i].name_len);
      scale_httpd_response_append_body(res, "=", 1);
      scale_httpd_response_append_body(res, req->headers[i].value, req->headers[i].value_len);
      scale_httpd_response_append_body(res, "\n", 1);
    }
  } else if (strcmp(req->path, "/close") == 0) {
    scale_httpd_response_close(res);
    scale_httpd_response_set_body(res, "bye", 3);
  } else if (strcmp(req->path, "/big") == 0) {
    static char big[100 * 1024];
    for (size_t i = 0; i < sizeof big; i++)
      big[i] = (char)('a' + i % 26);
    scale_httpd_response_set_body(res, big, sizeof big);
  } else if (strcmp(req->path, "/chain") == 0) {
    scale_httpd_response_set_chain(res, "auth>api");
    scale_httpd_response_set_body(res, "chained", 7);
  } else if (strcmp(req->path, "/refused") == 0) {
    int a = scale_httpd_response_add_header(res, "Content-Length", "5");
    int b = scale_httpd_response_add_header(res, "X-Bad", "a\r\nb: c");
    int d = scale_httpd_response_add_header(res, "Bad Name", "x");
    snprintf(num, sizeof num, "%d%d%d", a, b, d);
    scale_httpd_response_set_body(res, num, strlen(num));
  } else {
    scale_httpd_response_set_body(res, req->body, req->body_len);
  }
}

/* --- a server on its own thread ------------------------------------------ */

typedef struct running {
  scale_httpd_server_t *server;
  pthread_t thread;
  uint16_t port;
  int rc;
} running_t;

static void *run_thread(void *arg) {
  running_t *r = arg;
  char err[256];
  r->rc = scale_httpd_run(r->server, err, sizeof err);
  if (r->rc != 0) fprintf(stderr, "run: %s\n", err);
  return NULL;
}

static void start(running_t *r, scale_httpd_config_t *cfg) {
  char err[256];
  cfg->listen = "127.0.0.1:0";
  cfg->handle = handle;
  if (!cfg->access_log) cfg->quiet = 1;
  if (!cfg->workers) cfg->workers = 2;
  if (scale_httpd_new(cfg, &r->server, err, sizeof err) != 0) {
    fprintf(stderr, "cannot start the server: %s\n", err);
    exit(2);
  }
  r->port = scale_httpd_port(r->server);
  pthread_create(&r->thread, NULL, run_thread, r);
}

static void stop(running_t *r) {
  scale_httpd_shutdown(r->server);
  pthread_join(r->thread, NULL);
  CHECK(r->rc == 0);
  scale_httpd_delete(r->server);
}

/* One request on a fresh connection; the response in *resp. */
static int roundtrip(uint16_t port, const char *raw, response_t *resp) {
  client_t c;
  if (client_open(&c, port, 5000) != 0) return -1;
  int rc = client_send_str(&c, raw) == 0 ? client_read_response(&c, resp, 0) : -1;
  client_close(&c);
  return rc;
}

static int has_header(const response_t *r, const char *name, const char *want) {
  char v[512];
  return header_of(r->head, name, v, sizeof v) && strcmp(v, want) == 0;
}

/* --- behaviour ------------------------------------------------------------ */

static void test_address(void) {
  struct sockaddr_storage a;
  char err[128];
  CHECK(scale_httpd_parse_address("127.0.0.1:8080", &a, err, sizeof err) == 0);
  CHECK(a.ss_family == AF_INET);
  CHECK(scale_httpd_parse_address("[::1]:0", &a, err, sizeof err) == 0);
  CHECK(a.ss_family == AF_INET6);
  CHECK(scale_httpd_parse_address("localhost:65535", &a, err, sizeof err) == 0);
  CHECK(scale_httpd_parse_address("0.0.0.0:1", &a, err, sizeof err) == 0);
  const char *bad[] = {"",
                       "8080",
                       "127.0.0.1",
                       "127.0.0.1:",
                       ":80",
                       "127.0.0.1:-1",
                       "127.0.0.1:+80",
                       "127.0.0.1:65536",
                       "1:80",
                       "::1:80",
                       "[::1:80",
                       "example.com:80",
                       " 1.2.3.4:80",
                       "1.2.3.4:80 ",
                       "1.2.3.4:123456",
                       "[zz]:80"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    err[0] = '\0';
    int rc = scale_httpd_parse_address(bad[i], &a, err, sizeof err);
    CHECK(rc == -1 && err[0] != '\0');
    if (rc == 0) fprintf(stderr, "accepted bad address '%s'\n", bad[i]);
  }
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  scale_httpd_server_t *s = NULL;
  CHECK(scale_httpd_new(&cfg, &s, err, sizeof err) == -1 && s == NULL); /* no handler */
  CHECK(strstr(err, "handler") != NULL);
}

static void test_get_post(uint16_t port) {
  response_t r;
  CHECK(roundtrip(port, "GET /echo?x=1&y=2 HTTP/1.1\r\nHost: a\r\nX-Test:  spaced  \r\n\r\n", &r) ==
        0);
  CHECK(r.status == 200);
  CHECK(has_header(&r, "X-Method", "GET"));
  CHECK(has_header(&r, "X-Path", "/echo"));
  CHECK(has_header(&r, "X-Query", "x=1&y=2"));
  CHECK(has_header(&r, "X-Uri", "/echo?x=1&y=2"));
  CHECK(has_header(&r, "X-Protocol", "HTTP/1.1"));
  CHECK(has_header(&r, "X-Peer", "127.0.0.1"));
  CHECK(has_header(&r, "X-Got-Test", "spaced"));
  CHECK(has_header(&r, "Content-Length", "0"));
  char v[64];
  CHECK(header_of(r.head, "Date", v, sizeof v) && strstr(v, "GMT") != NULL);
  response_free(&r);

  CHECK(roundtrip(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world",
                  &r) == 0);
  CHECK(r.status == 200 && r.body_len == 11 && memcmp(r.body, "hello world", 11) == 0);
  CHECK(has_header(&r, "X-Method", "POST"));
  response_free(&r);

  /* Names lower-cased, in order, empty values kept; absolute-form targets give the path. */
  CHECK(roundtrip(port,
                  "GET http://example.com/headers?q HTTP/1.1\r\nHost: a\r\nX-B: 2\r\n"
                  "X-Empty:\r\nx-a: 1\r\n\r\n",
                  &r) == 0);
  CHECK(r.status == 200);
  CHECK(strcmp(r.body, "host=a\nx-b=2\nx-empty=\nx-a=1\n") == 0);
  CHECK(has_header(&r, "X-Path", "/headers") && has_header(&r, "X-Query", "q"));
  response_free(&r);

  CHECK(roundtrip(port, "GET /status/404 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
  CHECK(r.status == 404 && strncmp(r.head, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
  response_free(&r);
  CHECK(roundtrip(port, "GET /status/99 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
  CHECK(r.status == 500);
  response_free(&r);
  CHECK(roundtrip(port, "GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
  CHECK(r.status == 204 && strstr(r.head, "Content-Length") == NULL);
  response_free(&r);
  CHECK(roundtrip(port, "GET /refused HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
  CHECK(r.status == 200 && strcmp(r.body, "-1-1-1") == 0);
  response_free(&r);
  CHECK(roundtrip(port, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
  CHECK(r.status == 200 && r.body_len == 100 * 1024 && r.body[26] == 'a');
  response_free(&r);

  /* HEAD: the length of the body, not the body. */
  client_t c;
  CHECK(client_open(&c, port, 5000) == 0);
  client_send_str(&c, "HEAD /big HTTP/1.1\r\nHost: a\r\n\r\nGET /status/201 HTTP/1.1\r\n\r\n");
  CHECK(client_read_response(&c, &r, 1) == 0);
  CHECK(r.status == 200 && has_header(&r, "Content-Length", "102400"));
  response_free(&r);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 201);
  response_free(&r);
  client_close(&c);
}

static void test_keepalive_and_pipelining(uint16_t port) {
  client_t c;
  response_t r;
  CHECK(client_open(&c, port, 5000) == 0);
  for (int i = 0; i < 5; i++) {
    char req[128];
    snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n%02d", i);
    CHECK(client_send_str(&c, req) == 0);
    CHECK(client_read_response(&c, &r, 0) == 0);
    CHECK(r.status == 200 && r.body_len == 2 && atoi(r.body) == i);
    CHECK(strstr(r.head, "Connection:") == NULL);
    response_free(&r);
  }
  /* Three requests in one send, answered in order. */
  CHECK(client_send_str(&c, "GET /status/201 HTTP/1.1\r\nHost: a\r\n\r\n"
                            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                            "GET /status/202 HTTP/1.1\r\nHost: a\r\n\r\n") == 0);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 201);
  response_free(&r);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200 && strcmp(r.body, "abc") == 0);
  response_free(&r);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 202);
  response_free(&r);
  /* Connection: close is honoured: answered, said, closed. */
  CHECK(client_send_str(&c, "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") == 0);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200);
  CHECK(has_header(&r, "Connection", "close"));
  response_free(&r);
  CHECK(client_wait_closed(&c));
  client_close(&c);

  /* The handler may close too. */
  CHECK(client_open(&c, port, 5000) == 0);
  client_send_str(&c, "GET /close HTTP/1.1\r\nHost: a\r\n\r\nGET /echo HTTP/1.1\r\n\r\n");
  CHECK(client_read_response(&c, &r, 0) == 0 && strcmp(r.body, "bye") == 0);
  CHECK(has_header(&r, "Connection", "close"));
  response_free(&r);
  CHECK(client_wait_closed(&c));
  client_close(&c);

  /* Many pipelined large answers while the client does not read: output backs up, input
   * waits, and every answer still arrives in order. */
  CHECK(client_open(&c, port, 10000) == 0);
  enum { N = 200 };
  char *many = malloc(N * 64);
  size_t at = 0;
  for (int i = 0; i < N; i++)
    at += (size_t)sprintf(many + at, "GET %s HTTP/1.1\r\n\r\n", i % 2 ? "/big" : "/status/203");
  CHECK(client_send(&c, many, at) == 0);
  free(many);
  sleep_ms(200);
  int in_order = 1;
  for (int i = 0; i < N; i++) {
    if (client_read_response(&c, &r, 0) != 0) {
      in_order = 0;
      break;
    }
    if (i % 2 ? (r.status != 200 || r.body_len != 100 * 1024) : r.status != 203) in_order = 0;
    response_free(&r);
  }
  CHECK(in_order);
  client_close(&c);
}

static void test_chunked_and_continue(uint16_t port) {
  client_t c;
  response_t r;
  CHECK(client_open(&c, port, 5000) == 0);
  CHECK(client_send_str(&c, "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n") == 0);
  sleep_ms(50);
  CHECK(client_send_str(&c, "1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n") == 0);
  CHECK(client_read_response(&c, &r, 0) == 0);
  CHECK(r.status == 200 && strcmp(r.body, "hello world!") == 0);
  CHECK(has_header(&r, "X-Header-Count", "2")); /* the trailer is not a header */
  response_free(&r);

  /* 100-continue: the interim answer first, then the body is read. */
  CHECK(client_send_str(&c, "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
                            "Content-Length: 5\r\n\r\n") == 0);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 100);
  CHECK(strcmp(r.head, "HTTP/1.1 100 Continue\r\n\r\n") == 0);
  response_free(&r);
  CHECK(client_send_str(&c, "12345") == 0);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200 && strcmp(r.body, "12345") == 0);
  response_free(&r);
  client_close(&c);

  /* An unknown expectation: 417. */
  CHECK(roundtrip(port, "POST /echo HTTP/1.1\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx", &r) ==
        0);
  CHECK(r.status == 417);
  response_free(&r);
}

static void test_limits_and_errors(uint16_t port) {
  response_t r;
  client_t c;
  /* Headers over 64 KiB: 431 and closed. */
  size_t big = 70 * 1024;
  char *req = malloc(big + 256);
  int n = sprintf(req, "GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: ");
  memset(req + n, 'x', big);
  strcpy(req + n + big, "\r\n\r\n");
  CHECK(client_open(&c, port, 5000) == 0);
  client_send_str(&c, req);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 431);
  CHECK(has_header(&r, "Connection", "close"));
  response_free(&r);
  CHECK(client_wait_closed(&c));
  client_close(&c);
  free(req);

  /* Many small headers count too. */
  char *many = malloc(600 * 16 + 64);
  size_t at = (size_t)sprintf(many, "GET / HTTP/1.1\r\n");
  for (int i = 0; i < 600; i++)
    at += (size_t)sprintf(many + at, "h%d: v\r\n", i);
  strcpy(many + at, "\r\n");
  CHECK(roundtrip(port, many, &r) == 0 && r.status == 431);
  response_free(&r);
  free(many);

  /* A declared body over 16 MiB: 413 before any of it is read. */
  CHECK(roundtrip(port, "POST /echo HTTP/1.1\r\nContent-Length: 16777217\r\n\r\nabc", &r) == 0);
  CHECK(r.status == 413);
  response_free(&r);
  /* ... also with Expect: no 100 then. */
  CHECK(roundtrip(port,
                  "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n",
                  &r) == 0);
  CHECK(r.status == 413);
  response_free(&r);
  /* A chunked body that grows past the limit: 413 while reading. */
  CHECK(client_open(&c, port, 10000) == 0);
  client_send_str(&c, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  char *chunk = malloc(1024 * 1024 + 32);
  int hl = sprintf(chunk, "100000\r\n");
  memset(chunk + hl, 'z', 1024 * 1024);
  memcpy(chunk + hl + 1024 * 1024, "\r\n", 2);
  int sent_all = 1;
  for (int i = 0; i < 17 && sent_all; i++)
    sent_all = client_send(&c, chunk, (size_t)hl + 1024 * 1024 + 2) == 0;
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 413);
  response_free(&r);
  client_close(&c);
  free(chunk);

  /* Malformed: 400 and closed. */
  const char *bad[] = {
      "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET /a b HTTP/1.1\r\n\r\n",
      "\x01\x02\x03\r\n\r\n",
      "GET / FTP/1.1\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(client_open(&c, port, 5000) == 0);
    client_send_str(&c, bad[i]);
    int ok = client_read_response(&c, &r, 0) == 0 && r.status == 400;
    if (!ok) fprintf(stderr, "malformed request %zu: status %d\n", i, r.status);
    CHECK(ok);
    CHECK(has_header(&r, "Connection", "close"));
    response_free(&r);
    CHECK(client_wait_closed(&c));
    client_close(&c);
  }
  CHECK(roundtrip(port, "GET / HTTP/2.0\r\n\r\n", &r) == 0 && r.status == 505);
  response_free(&r);
}

static void test_http10(uint16_t port) {
  client_t c;
  response_t r;
  CHECK(client_open(&c, port, 5000) == 0);
  client_send_str(&c, "GET /echo HTTP/1.0\r\n\r\n");
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200);
  CHECK(strncmp(r.head, "HTTP/1.1 200", 12) == 0);
  CHECK(has_header(&r, "X-Protocol", "HTTP/1.0"));
  CHECK(has_header(&r, "Connection", "close"));
  response_free(&r);
  CHECK(client_wait_closed(&c));
  client_close(&c);
  /* HTTP/1.0 with keep-alive asked: kept, and said. */
  CHECK(client_open(&c, port, 5000) == 0);
  for (int i = 0; i < 2; i++) {
    client_send_str(&c, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200);
    CHECK(has_header(&r, "Connection", "keep-alive"));
    response_free(&r);
  }
  client_close(&c);
  /* A client that half-closes after its request still gets the answer. */
  CHECK(client_open(&c, port, 5000) == 0);
  client_send_str(&c, "GET /status/202 HTTP/1.1\r\n\r\n");
  shutdown(c.fd, SHUT_WR);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 202);
  response_free(&r);
  CHECK(client_wait_closed(&c));
  client_close(&c);
}

static void test_timeouts(void) {
  running_t s;
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  cfg.header_timeout_ms = 300;
  cfg.keepalive_timeout_ms = 300;
  start(&s, &cfg);
  client_t c;
  response_t r;
  /* Slowloris: a header a byte at a time never gets past the header timeout. */
  CHECK(client_open(&c, s.port, 5000) == 0);
  client_send_str(&c, "GET / HTTP/1.1\r\nX-Slow: ");
  int got = 0;
  for (int i = 0; i < 20 && !got; i++) {
    sleep_ms(50);
    if (client_send_str(&c, "x") != 0) break;
    struct timeval tv = {0, 1000};
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    got = client_fill(&c) > 0;
  }
  struct timeval tv = {5, 0};
  setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 408);
  response_free(&r);
  client_close(&c);
  /* An idle keep-alive connection is closed after its timeout. */
  CHECK(client_open(&c, s.port, 5000) == 0);
  client_send_str(&c, "GET /echo HTTP/1.1\r\n\r\n");
  CHECK(client_read_response(&c, &r, 0) == 0 && r.status == 200);
  response_free(&r);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK(client_wait_closed(&c));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK(waited > 0.15 && waited < 3.0);
  client_close(&c);
  stop(&s);
}

static void test_access_log(void) {
  running_t s;
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  FILE *log = tmpfile();
  cfg.access_log = log;
  start(&s, &cfg);
  response_t r;
  CHECK(roundtrip(s.port, "GET /chain?x HTTP/1.1\r\n\r\n", &r) == 0 && r.status == 200);
  response_free(&r);
  CHECK(roundtrip(s.port, "GET /a%20b\"c HTTP/1.1\r\n\r\n", &r) == 0);
  response_free(&r);
  stop(&s);
  char line[512] = "", line2[512] = "";
  rewind(log);
  CHECK(fgets(line, sizeof line, log) != NULL);
  CHECK(fgets(line2, sizeof line2, log) != NULL);
  fclose(log);
  /* 2024-01-02T03:04:05.678Z 127.0.0.1 GET /chain 200 7 123us auth>api */
  char when[64], peer[64], method[16], path[64], chain[64];
  int status = 0;
  size_t bytes = 0;
  unsigned long long us = 0;
  int fields = sscanf(line, "%63s %63s %15s %63s %d %zu %lluus %63s", when, peer, method, path,
                      &status, &bytes, &us, chain);
  CHECK(fields == 8);
  CHECK(strlen(when) == 24 && when[23] == 'Z');
  CHECK(strcmp(peer, "127.0.0.1") == 0 && strcmp(method, "GET") == 0);
  CHECK(strcmp(path, "/chain") == 0 && status == 200 && bytes == 7);
  CHECK(strcmp(chain, "auth>api") == 0);
  CHECK(strstr(line2, " /a%2520b%22c 200 ") != NULL);
}

typedef struct slow_client {
  uint16_t port;
  int status;
  char body[64];
} slow_client_t;

static void *slow_request(void *arg) {
  slow_client_t *sc = arg;
  client_t c;
  response_t r;
  sc->status = -1;
  if (client_open(&c, sc->port, 10000) != 0) return NULL;
  client_send_str(&c, "GET /slow?800 HTTP/1.1\r\nHost: a\r\n\r\n");
  if (client_read_response(&c, &r, 0) == 0) {
    sc->status = has_header(&r, "Connection", "close") ? r.status : -2;
    snprintf(sc->body, sizeof sc->body, "%s", r.body);
    response_free(&r);
    if (!client_wait_closed(&c)) sc->status = -3;
  }
  client_close(&c);
  return NULL;
}

static void test_graceful_shutdown(void) {
  running_t s;
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  start(&s, &cfg);
  /* An idle keep-alive connection, and a request in flight. */
  client_t idle;
  response_t r;
  CHECK(client_open(&idle, s.port, 5000) == 0);
  client_send_str(&idle, "GET /echo HTTP/1.1\r\n\r\n");
  CHECK(client_read_response(&idle, &r, 0) == 0);
  response_free(&r);
  atomic_store(&slow_started, 0);
  slow_client_t sc = {.port = s.port};
  pthread_t t;
  pthread_create(&t, NULL, slow_request, &sc);
  for (int i = 0; i < 200 && atomic_load(&slow_started) == 0; i++)
    sleep_ms(10);
  CHECK(atomic_load(&slow_started) == 1);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  scale_httpd_shutdown(s.server);
  scale_httpd_shutdown(s.server); /* again: harmless */
  CHECK(client_wait_closed(&idle));
  client_close(&idle);
  pthread_join(s.thread, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_join(t, NULL);
  CHECK(sc.status == 200 && strcmp(sc.body, "slow done") == 0);
  if (sc.status != 200) fprintf(stderr, "slow request during shutdown: %d\n", sc.status);
  double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  CHECK(took < 5.0);
  /* Nothing listens any more. */
  client_t c;
  CHECK(client_open(&c, s.port, 1000) != 0);
  CHECK(s.rc == 0);
  scale_httpd_delete(s.server);

  /* A server shut down before it runs returns from run at once; one never run frees. */
  scale_httpd_config_init(&cfg);
  start(&s, &cfg);
  stop(&s);
  scale_httpd_config_init(&cfg);
  cfg.listen = "127.0.0.1:0";
  cfg.handle = handle;
  cfg.quiet = 1;
  scale_httpd_server_t *never = NULL;
  char err[128];
  CHECK(scale_httpd_new(&cfg, &never, err, sizeof err) == 0);
  scale_httpd_delete(never);
}

static void test_curl(uint16_t port) {
  if (system("command -v curl >/dev/null 2>&1") != 0) {
    fprintf(stderr, "curl not installed: curl checks skipped\n");
    return;
  }
  char cmd[512], out[512] = "";
  snprintf(
      cmd, sizeof cmd,
      "curl -sS --max-time 5 http://127.0.0.1:%u/echo -d one "
      "&& curl -sS --max-time 5 -H 'Transfer-Encoding: chunked' --data-binary two "
      "http://127.0.0.1:%u/echo "
      "&& curl -sS --max-time 5 -H 'Expect: 100-continue' --data-binary three "
      "http://127.0.0.1:%u/echo "
      "&& curl -sS --max-time 5 -o /dev/null -o /dev/null -w ' %%{http_code} %%{num_connects}' "
      "http://127.0.0.1:%u/status/201 http://127.0.0.1:%u/status/202",
      port, port, port, port, port);
  FILE *p = popen(cmd, "r");
  CHECK(p != NULL);
  if (!p) return;
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  CHECK(pclose(p) == 0);
  /* Two URLs on one curl: the second reuses the connection (num_connects 0). */
  CHECK(strcmp(out, "onetwothree 201 1 202 0") == 0);
  if (strcmp(out, "onetwothree 201 1 202 0") != 0) fprintf(stderr, "curl said '%s'\n", out);
}

/* --- the soak: 200 keep-alive connections ---------------------------------- */

enum { SOAK_CONNS = 200, SOAK_THREADS = 4 };

typedef struct soak {
  uint16_t port;
  double seconds;
  atomic_long requests;
  atomic_int errors;
  atomic_int connected;
} soak_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *soak_thread(void *arg) {
  soak_t *s = arg;
  enum { MINE = SOAK_CONNS / SOAK_THREADS };
  client_t *c = calloc(MINE, sizeof *c);
  int open_ok = 1;
  for (int i = 0; i < MINE; i++)
    if (client_open(&c[i], s->port, 5000) != 0) {
      atomic_fetch_add(&s->errors, 1);
      open_ok = 0;
    } else {
      atomic_fetch_add(&s->connected, 1);
    }
  double end = now_s() + s->seconds;
  long n = 0;
  while (open_ok && now_s() < end) {
    /* Each connection in turn, each kept open: every one is reused many times. */
    for (int i = 0; i < MINE; i++) {
      char req[128], want[32];
      snprintf(want, sizeof want, "%d-%ld", i, n);
      snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %zu\r\n\r\n%s",
               strlen(want), want);
      response_t r;
      if (client_send_str(&c[i], req) != 0 || client_read_response(&c[i], &r, 0) != 0 ||
          r.status != 200 || strcmp(r.body, want) != 0) {
        atomic_fetch_add(&s->errors, 1);
        open_ok = 0;
        response_free(&r);
        break;
      }
      response_free(&r);
      n++;
    }
  }
  atomic_fetch_add(&s->requests, n);
  for (int i = 0; i < MINE; i++)
    client_close(&c[i]);
  free(c);
  return NULL;
}

static void soak(double seconds) {
  running_t srv;
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  cfg.keepalive_timeout_ms = 30000;
  start(&srv, &cfg);
  soak_t s = {.port = srv.port, .seconds = seconds};
  pthread_t t[SOAK_THREADS];
  for (int i = 0; i < SOAK_THREADS; i++)
    pthread_create(&t[i], NULL, soak_thread, &s);
  for (int i = 0; i < SOAK_THREADS; i++)
    pthread_join(t[i], NULL);
  stop(&srv);
  long reqs = atomic_load(&s.requests);
  printf("soak: %d connections, %.0f s, %ld requests (%.0f/s), %d errors\n",
         atomic_load(&s.connected), seconds, reqs, (double)reqs / seconds, atomic_load(&s.errors));
  CHECK(atomic_load(&s.connected) == SOAK_CONNS);
  CHECK(atomic_load(&s.errors) == 0);
  CHECK(reqs >= SOAK_CONNS * 2);
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "soak") == 0) {
    soak(argc >= 3 ? atof(argv[2]) : 10.0);
  } else {
    test_address();
    running_t s;
    scale_httpd_config_t cfg;
    scale_httpd_config_init(&cfg);
    start(&s, &cfg);
    test_get_post(s.port);
    test_keepalive_and_pipelining(s.port);
    test_chunked_and_continue(s.port);
    test_limits_and_errors(s.port);
    test_http10(s.port);
    test_curl(s.port);
    stop(&s);
    test_timeouts();
    test_access_log();
    test_graceful_shutdown();
    soak(2.0);
  }
  printf("%d passed, %d failed\n", atomic_load(&passed), atomic_load(&failed));
  return atomic_load(&failed) ? 1 : 0;
}
