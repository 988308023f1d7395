/*
 * A tiny server for trying the HTTP server by hand and for load tools (wrk): every request is
 * answered 200 with "hello\n", or with BYTES bytes of text when given. SIGINT or SIGTERM stops
 * it gracefully (the signal handler calls scale_httpd_shutdown).
 *   hello_server [ADDR:PORT] [BYTES] [WORKERS] [--log]
 * It prints "listening on ADDR:PORT" (the real port when 0 was asked) once it serves.
 */
#include "http/server.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static scale_httpd_server_t *server;

static void on_signal(int sig) {
  scale_httpd_shutdown(server);
}

typedef struct body {
  char *data;
  size_t len;
} body_t;

static void handle(void *env, const scale_httpd_request_t *req, scale_httpd_response_t *res) {
  const body_t *b = env;
  scale_httpd_response_add_header(res, "Content-Type", "text/plain");
  scale_httpd_response_set_body(res, b->data, b->len);
}

int main(int argc, char **argv) {
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  cfg.quiet = 1;
  int pos = 0;
  long bytes = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--log") == 0) {
      cfg.quiet = 0;
    } else if (pos == 0) {
      cfg.listen = argv[i];
      pos++;
    } else if (pos == 1) {
      bytes = atol(argv[i]);
      pos++;
    } else {
      cfg.workers = (unsigned)atoi(argv[i]);
    }
  }
  body_t body = {"hello\n", 6};
  if (bytes >= 0) {
    body.data = malloc((size_t)bytes + 1);
    for (long i = 0; i < bytes; i++)
      body.data[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    body.len = (size_t)bytes;
  }
  cfg.handle = handle;
  cfg.env = &body;
  char err[256];
  if (scale_httpd_new(&cfg, &server, err, sizeof err) != 0) {
    fprintf(stderr, "hello_server: %s\n", err);
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  const char *colon = strrchr(cfg.listen, ':');
  printf("listening on %.*s:%u (%u workers)\n", (int)(colon - cfg.listen), cfg.listen,
         scale_httpd_port(server), scale_httpd_workers(server));
  fflush(stdout);
  int rc = scale_httpd_run(server, err, sizeof err);
  if (rc != 0) fprintf(stderr, "hello_server: %s\n", err);
  scale_httpd_delete(server);
  if (bytes >= 0) free(body.data);
  return rc ? 1 : 0;
}
