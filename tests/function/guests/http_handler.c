/* HTTP: answers 200 with a body echoing method and URI and a header; "/next" runs Next() first. */
#include "scale_http.h"
#include <stdio.h>

scale_http_context_t *scale(scale_http_context_t *ctx) {
  if (ctx->request.uri.len == 5 && __builtin_memcmp(ctx->request.uri.data, "/next", 5) == 0) {
    const char *err = scale_next(ctx);
    if (err) return scale_error(ctx, err);
    scale_http_header_add(&ctx->response.headers, "x-after-next", 12, "yes", 3);
    return ctx;
  }
  if (ctx->request.uri.len == 5 && __builtin_memcmp(ctx->request.uri.data, "/fail", 5) == 0)
    return scale_error(ctx, "handler refused");
  char body[256];
  int n = snprintf(
      body, sizeof body, "%s %s %lld", ctx->request.method.data ? ctx->request.method.data : "",
      ctx->request.uri.data ? ctx->request.uri.data : "", (long long)ctx->request.content_length);
  scale_http_set(&ctx->response.body, body, (size_t)n);
  ctx->response.status_code = 201;
  scale_http_header_t *h = scale_http_header_find(&ctx->request.headers, "accept", 6);
  scale_http_header_add(&ctx->response.headers, "x-accept-count", 14,
                        h && h->value_count == 2 ? "2" : "?", 1);
  return ctx;
}
