/*
 * A growable output buffer with the Wasm binary encoders the AOT prepare
 * pass needs (LEB128, names, sections).
 *
 * Errors are sticky: after the first failure (out of memory, or the output
 * growing past SCALE_AOT_MAX_OUTPUT) every write is a no-op and `error`
 * says why, so callers check once at the end. Never aborts.
 */
#ifndef SCALE_AOT_ENCODE_H
#define SCALE_AOT_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest buffer the prepare pass produces (1 GiB). */
#define SCALE_AOT_MAX_OUTPUT ((size_t)1 << 30)

typedef struct scale__aot_buf {
  uint8_t *data; /* owned; NULL until the first write */
  size_t len;
  size_t cap;
  const char *error; /* static message after the first failure, else NULL */
} scale__aot_buf_t;

void scale__aot_buf_init(scale__aot_buf_t *b);
void scale__aot_buf_release(scale__aot_buf_t *b);
/* Make room for `n` more bytes; false (and `error` set) if it cannot. */
bool scale__aot_buf_reserve(scale__aot_buf_t *b, size_t n);
void scale__aot_buf_bytes(scale__aot_buf_t *b, const void *p, size_t n);
void scale__aot_buf_byte(scale__aot_buf_t *b, uint8_t v);
void scale__aot_buf_u32(scale__aot_buf_t *b, uint32_t v); /* unsigned LEB128 */
void scale__aot_buf_s64(scale__aot_buf_t *b, int64_t v);  /* signed LEB128 */
/* A Wasm name: length, then the bytes. */
void scale__aot_buf_name(scale__aot_buf_t *b, const char *s, size_t n);
/* Append section `id` whose content is `content` (size LEB then the bytes). */
void scale__aot_buf_section(scale__aot_buf_t *b, uint8_t id, const scale__aot_buf_t *content);
/* Mark the buffer failed with `msg` (first failure wins). */
void scale__aot_buf_fail(scale__aot_buf_t *b, const char *msg);

/* Encoded sizes, for sizing before writing. */
size_t scale__aot_leb_u32_size(uint32_t v);
size_t scale__aot_leb_s64_size(int64_t v);

#endif
