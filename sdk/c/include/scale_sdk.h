/**
 * @file scale_sdk.h
 * @brief C guest SDK for Scale functions: the ABI, raw-bytes level.
 *
 * Compile sdk/c/src/guest.c with your function (and sdk/c/src/freestanding.c
 * when building for plain wasm32 without wasi-libc); see sdk/c/README.md.
 * The SDK exports what the host calls — `resize`, `run`, `initialize`,
 * `hash` — and imports `env.next`. Memory is the guest's own: the host
 * writes the input into the buffer `resize` returns and copies the output
 * `run` points to.
 *
 * Raw mode (custom signatures, generated code): define scale_raw_run().
 * HTTP mode: link sdk/c/src/http_guest.c and define scale() (scale_http.h),
 * which implements scale_raw_run() for you.
 *
 * Guests are single-threaded; nothing here is thread-safe or needs to be.
 */
#ifndef SCALE_SDK_H
#define SCALE_SDK_H

#include <stddef.h>
#include <stdint.h>

#include "scale/polyglot.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The function, raw: decode the encoded context @p in (@p len bytes), do
 * the work, and append the encoded result — or an Error value (see
 * scale_error_raw()) — to @p out, which is empty on entry.
 * @p in points into the SDK's read buffer: it becomes invalid when
 * scale_next_raw() runs. Return 0; non-zero makes `run` report a hard
 * failure (the host's "failed to run function").
 * Provided by the user in raw mode, by http_guest.c in HTTP mode.
 */
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out);

/**
 * Call the next function of the chain (or the host's next) with the
 * encoded context @p in. On return *out / *out_len hold what came back (in
 * the SDK's read buffer, valid until the next call of scale_next_raw() or
 * the end of the run); it may be an encoded Error value.
 * @return 0, or -1 when the host wrote nothing usable back.
 */
int scale_next_raw(const uint8_t *in, size_t len, const uint8_t **out, size_t *out_len);

/**
 * An empty buffer to encode the next function's input into before
 * scale_next_raw(): the SDK's own, reserved when the instance is
 * initialised, so a small context costs no allocation and sits in the page
 * the call dirties anyway. Emptied by each call of this function; its
 * contents stay valid until then or the end of the run. Never NULL.
 */
scale_pg_buf_t *scale_next_buffer(void);

/** Replace @p out's contents with an Error value carrying @p msg. */
void scale_error_raw(scale_pg_buf_t *out, const char *msg);

/**
 * Optional user hook run once when the instance is initialised (the Gen-2
 * `initialize` export), before any call. Return NULL for success or an
 * error message, which makes the host refuse the function. The SDK's
 * default does nothing; define your own to override it.
 */
const char *scale_initialize(void);

/**
 * Optional: the signature hash the `hash` export reports (lower-case hex
 * SHA-256). The SDK's default returns "" (unknown); generated code
 * overrides it.
 */
const char *scale_signature_hash(void);

#ifdef __cplusplus
}
#endif
#endif
