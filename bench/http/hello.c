/*
 * bench/http (a): hello world on the HTTP signature, the `scale new` template without the
 * Next() call. Built twice from this one source: for wasm32-wasi by `scale build` and as a
 * native shared object (native.c) for the native handler of the same server.
 */
#include "scale_http.h"

scale_http_context_t *scale(scale_http_context_t *ctx) {
  if (!scale_http_set_str(&ctx->response.body, "Hello, World!"))
    return scale_error(ctx, "out of memory");
  ctx->response.status_code = 200;
  return ctx;
}
