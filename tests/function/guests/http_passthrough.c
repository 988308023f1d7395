/* HTTP: returns the context unchanged. */
#include "scale_http.h"
scale_http_context_t *scale(scale_http_context_t *ctx) {
  return ctx;
}
