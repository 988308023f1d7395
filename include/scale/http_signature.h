/**
 * @file scale/http_signature.h
 * @brief The built-in HTTP signature (upstream Gen-1 layout), for hosts and guests.
 *
 * Context = Request ‖ Response, encoded as the concatenation of:
 *   Request:  String URI, String Method, I64 ContentLength, String Protocol,
 *             String IP, Bytes Body, Map<String,Any> Headers
 *   Response: I32 StatusCode, Bytes Body, Map<String,Any> Headers
 * where each header value is a StringList model: one Slice<String>
 * (docs/reference/scale.md sections 2.1 and 3.2). Byte-compatible with
 * upstream's scale-signature-http.
 *
 * The same code runs in the host (libscale) and in C guests (the SDK
 * compiles it for wasm32): it depends only on scale/polyglot.h and its
 * allocator (SCALE_PG_REALLOC / SCALE_PG_FREE).
 *
 * Ownership: a context owns every byte it points to; the setters copy.
 * In a C guest (this file built for wasm32) the bytes come from the SDK's
 * per-call allocator and last until the call ends: see scale() in
 * sdk/c/include/scale_http.h.
 * Thread-safety: a context is a plain value used by one thread at a time.
 */
#ifndef SCALE_HTTP_SIGNATURE_H
#define SCALE_HTTP_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "polyglot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Owned bytes, always followed by a NUL (not counted in len) so strings print as C strings. */
typedef struct scale_http_bytes {
  char *data; /**< NULL when empty */
  uint32_t len;
} scale_http_bytes_t;

/** One header: a name and its values (upstream's StringList). */
typedef struct scale_http_header {
  scale_http_bytes_t name;
  scale_http_bytes_t *values;
  uint32_t value_count;
} scale_http_header_t;

/** Headers in insertion order (encoded in this order, so output is deterministic). */
typedef struct scale_http_headers {
  scale_http_header_t *items;
  uint32_t count;
  uint32_t cap;
} scale_http_headers_t;

typedef struct scale_http_request {
  scale_http_bytes_t uri;
  scale_http_bytes_t method;
  int64_t content_length;
  scale_http_bytes_t protocol;
  scale_http_bytes_t ip;
  scale_http_bytes_t body;
  scale_http_headers_t headers;
} scale_http_request_t;

typedef struct scale_http_response {
  int32_t status_code;
  scale_http_bytes_t body;
  scale_http_headers_t headers;
} scale_http_response_t;

typedef struct scale_http_context {
  scale_http_request_t request;
  scale_http_response_t response;
} scale_http_context_t;

/** Bounds applied while decoding. Zero fields take the defaults below. */
typedef struct scale_http_limits {
  uint32_t max_string;  /**< URI, method, protocol, IP, header names and values (default 64 KiB) */
  uint32_t max_body;    /**< request or response body (default 64 MiB) */
  uint32_t max_headers; /**< headers per message (default 256) */
  uint32_t max_values;  /**< values per header (default 64) */
} scale_http_limits_t;

#define SCALE_HTTP_DEFAULT_MAX_STRING (64u * 1024u)
#define SCALE_HTTP_DEFAULT_MAX_BODY (64u * 1024u * 1024u)
#define SCALE_HTTP_DEFAULT_MAX_HEADERS 256u
#define SCALE_HTTP_DEFAULT_MAX_VALUES 64u

/** Make @p ctx empty: every string empty, status 0, no headers. */
void scale_http_context_init(scale_http_context_t *ctx);
/** Free everything @p ctx owns and make it empty again. NULL is a no-op. */
void scale_http_context_free(scale_http_context_t *ctx);

/** Replace @p field with a copy of @p len bytes at @p data. False on out-of-memory (field
 * unchanged). */
bool scale_http_set(scale_http_bytes_t *field, const void *data, size_t len);
/** scale_http_set() with a NUL-terminated string. */
bool scale_http_set_str(scale_http_bytes_t *field, const char *s);

/** The header named @p name (exact bytes, @p len long), or NULL. */
scale_http_header_t *scale_http_header_find(const scale_http_headers_t *h, const char *name,
                                            size_t len);
/**
 * Append @p value to the header @p name, creating it at the end if it is
 * not there. False on out-of-memory (headers unchanged).
 */
bool scale_http_header_add(scale_http_headers_t *h, const char *name, size_t name_len,
                           const char *value, size_t value_len);
/** Remove the header @p name and its values, if present. */
void scale_http_header_remove(scale_http_headers_t *h, const char *name, size_t len);

/**
 * Append the encoding of @p ctx to @p buf.
 * @return true; false when the buffer failed (out of memory or a value over
 *         the format's size limit).
 */
bool scale_http_encode(const scale_http_context_t *ctx, scale_pg_buf_t *buf);

/**
 * Decode a context from @p len bytes at @p data into @p ctx (which is
 * freed first). Strict: every kind must be the expected one, strings must
 * be UTF-8, sizes within @p limits (NULL for the defaults). Trailing bytes
 * are ignored, as upstream decoders do. A nil Request or Response decodes
 * as an empty one.
 * @return NULL on success; otherwise a static message naming the field and
 *         the problem ("http request uri: wrong kind"), with @p ctx left
 *         empty. For an encoded Error value, "error value" (decode it with
 *         scale_pg_get_error()).
 */
const char *scale_http_decode(scale_http_context_t *ctx, const uint8_t *data, size_t len,
                              const scale_http_limits_t *limits);

#ifdef __cplusplus
}
#endif
#endif
