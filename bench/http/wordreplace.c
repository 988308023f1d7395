/*
 * bench/http (b): the classic Scale demo workload. The request body is text; every word of
 * exactly four letters is replaced by "wasm" and the result is the response body. A word is
 * a maximal run of ASCII letters (upstream's demo used the regular expression \b\w{4}\b;
 * plain C has no regex engine in wasi-libc worth measuring, so this is the loop a C
 * programmer writes). Built for wasm32-wasi by `scale build` and natively (native.c) from
 * this one source.
 */
#include <string.h>

#include "scale_http.h"

static int letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

scale_http_context_t *scale(scale_http_context_t *ctx) {
  scale_http_bytes_t *body = &ctx->request.body;
  char *p = body->data;
  uint32_t n = body->len, i = 0;
  while (i < n) {
    if (!letter(p[i])) {
      i++;
      continue;
    }
    uint32_t start = i;
    while (i < n && letter(p[i]))
      i++;
    if (i - start == 4) memcpy(p + start, "wasm", 4);
  }
  /* The request body, changed in place, becomes the response body: no copy. */
  scale_http_bytes_t done = ctx->response.body;
  ctx->response.body = *body;
  *body = done;
  ctx->response.status_code = 200;
  return ctx;
}
