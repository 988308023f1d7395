/**
 * @file scale_http.h
 * @brief C guest SDK: functions on the built-in HTTP signature.
 *
 * Write one function:
 * @code
 *   #include "scale_http.h"
 *   scale_http_context_t *scale(scale_http_context_t *ctx) {
 *     scale_http_set_str(&ctx->response.body, "hello");
 *     ctx->response.status_code = 200;
 *     const char *err = scale_next(ctx);          // optional: run the rest of the chain
 *     if (err) return scale_error(ctx, err);      // propagate its error
 *     return ctx;
 *   }
 * @endcode
 * and build it with sdk/c/src/guest.c and sdk/c/src/http_guest.c (see
 * sdk/c/README.md). The context type and its helpers (scale_http_set,
 * scale_http_header_add, ...) are those of scale/http_signature.h, the same
 * code the host uses.
 */
#ifndef SCALE_HTTP_H
#define SCALE_HTTP_H

#include "scale/http_signature.h"
#include "scale_sdk.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The user's function. @p ctx is the decoded request and response, owned
 * by the SDK; change it in place and return it, or return
 * scale_error(ctx, msg) to fail the call with a guest error. Returning
 * NULL fails the call with "function returned no context".
 *
 * Memory: the bytes of @p ctx, and whatever the scale_http_* helpers
 * allocate during the call, belong to the call: the SDK releases them all
 * when scale() has returned and the result is encoded (strings come from a
 * per-call arena, the bodies point into the input the host wrote, so
 * decoding copies nothing large). So:
 *  - change, replace and drop context bytes only with the scale_http_*
 *    helpers (or in place, as the body's bytes); never free() or realloc()
 *    them yourself;
 *  - a buffer of your own from malloc() may be put into a field: the SDK
 *    frees it with free() after the call;
 *  - copy what must outlive the call (into your own malloc'd memory); the
 *    helpers called from scale_initialize() allocate for good.
 * The request and response bodies may be modified in place (data[0..len)),
 * and stay NUL-terminated as every field is.
 */
scale_http_context_t *scale(scale_http_context_t *ctx);

/**
 * Run the rest of the chain on @p ctx: encode it, call the host's next,
 * and replace @p ctx with what comes back (the bytes @p ctx had stay valid
 * until the call ends, as all of the call's do).
 * @return NULL on success; otherwise the error message (the next
 *         function's or the host's error, or a decoding failure), valid
 *         until the next SDK call, with @p ctx unchanged.
 */
const char *scale_next(scale_http_context_t *ctx);

/**
 * Mark the call as failed with @p msg (copied) and return @p ctx, for
 * `return scale_error(ctx, "bad input");`. The guest then returns a
 * Polyglot Error value, which the host reports as a guest error.
 */
scale_http_context_t *scale_error(scale_http_context_t *ctx, const char *msg);

#ifdef __cplusplus
}
#endif
#endif
