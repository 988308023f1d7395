/*
 * The native handler's half of the C guest SDK: compiled with hello.c or wordreplace.c into a
 * shared object that `scale run --native LIB.so` (the bench-only option) calls in place of a
 * Wasm chain, on the same server, adapter and context type. scale_next() is the identity (a
 * chain of one, as the Wasm runs in the benchmark), scale_error() records the message for
 * scale_native_error().
 */
#include <stdlib.h>
#include <string.h>

#include "scale_http.h"

static __thread char *pending;

const char *scale_next(scale_http_context_t *ctx) {
  (void)ctx;
  return NULL;
}

scale_http_context_t *scale_error(scale_http_context_t *ctx, const char *msg) {
  if (!msg) msg = "error";
  free(pending);
  pending = malloc(strlen(msg) + 1);
  if (pending) memcpy(pending, msg, strlen(msg) + 1);
  return ctx;
}

/* The error the last scale() call set, or NULL; the caller owns nothing (valid until the
 * next call on this thread). */
const char *scale_native_error(void);
const char *scale_native_error(void) {
  static __thread char *last;
  free(last);
  last = pending;
  pending = NULL;
  return last;
}
