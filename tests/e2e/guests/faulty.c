/*
 * faulty: an HTTP function that fails on demand, for tests/e2e/run_test.py.
 *   /trap   traps (unreachable)          /loop   never returns (deadline, fuel)
 *   /error  returns a guest error        /grow   allocates until memory runs out, then traps
 *   /slow   answers "slow done" after 600 ms of work (graceful shutdown, hot reload)
 * Anything else answers 200 "ok METHOD URI len=N" with the request's x-test header values
 * joined by "|" in the X-Seen header, and calls the rest of the chain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scale_http.h"

static int is(const scale_http_context_t *ctx, const char *path) {
  return ctx->request.uri.data && strcmp(ctx->request.uri.data, path) == 0;
}

scale_http_context_t *scale(scale_http_context_t *ctx) {
  if (is(ctx, "/trap")) __builtin_trap();
  if (is(ctx, "/loop")) {
    volatile unsigned n = 0;
    for (;;)
      n++;
  }
  if (is(ctx, "/slow")) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
      clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < 600);
    scale_http_set_str(&ctx->response.body, "slow done");
    return ctx;
  }
  if (is(ctx, "/error")) return scale_error(ctx, "bad input: /error asked for it");
  if (is(ctx, "/grow")) {
    for (;;) {
      volatile char *p = malloc(1 << 20);
      if (!p) __builtin_trap();
      p[0] = 1;
    }
  }
  char text[512];
  snprintf(text, sizeof text, "ok %s %s len=%u cl=%lld proto=%s", ctx->request.method.data,
           ctx->request.uri.data, (unsigned)ctx->request.body.len,
           (long long)ctx->request.content_length, ctx->request.protocol.data);
  scale_http_set_str(&ctx->response.body, text);
  ctx->response.status_code = 200;
  scale_http_header_t *h = scale_http_header_find(&ctx->request.headers, "x-test", 6);
  if (h) {
    char seen[256] = "";
    for (uint32_t i = 0; i < h->value_count; i++) {
      if (i) strncat(seen, "|", sizeof seen - strlen(seen) - 1);
      strncat(seen, h->values[i].data ? h->values[i].data : "", sizeof seen - strlen(seen) - 1);
    }
    scale_http_header_add(&ctx->response.headers, "X-Seen", 6, seen, strlen(seen));
  }
  const char *err = scale_next(ctx);
  if (err) return scale_error(ctx, err);
  return ctx;
}
