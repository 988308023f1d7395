/*
 * world: the second function of a chain in tests/e2e/run_test.py. Appends " + world" to the
 * body the previous function set, adds the X-Chain header and sets status 201.
 */
#include <stdio.h>
#include <string.h>

#include "scale_http.h"

scale_http_context_t *scale(scale_http_context_t *ctx) {
  char text[1024];
  snprintf(text, sizeof text, "%s + world", ctx->response.body.data ? ctx->response.body.data : "");
  scale_http_set_str(&ctx->response.body, text);
  scale_http_header_add(&ctx->response.headers, "X-Chain", 7, "world", 5);
  ctx->response.status_code = 201;
  return ctx;
}
