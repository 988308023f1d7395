/*
 * LEB128 readers with the exact error rules of the Wasm binary format.
 *
 * Every reader is bounded by `end` and never reads past it. An encoding of
 * an N-bit integer may use at most ceil(N/7) bytes, and the unused bits of
 * the last byte must be zero (unsigned) or copies of the sign bit (signed).
 * These readers never allocate and never abort.
 */
#ifndef SCALE_UTIL_LEB128_H
#define SCALE_UTIL_LEB128_H

#include <stdint.h>

typedef enum scale_leb_status {
  SCALE_LEB_OK = 0,
  SCALE_LEB_END,      /* input ended inside the number ("unexpected end") */
  SCALE_LEB_TOO_LONG, /* more bytes than the width allows ("integer representation too long") */
  SCALE_LEB_TOO_LARGE /* unused bits of the last byte set ("integer too large") */
} scale_leb_status_t;

/*
 * Read an unsigned integer of `bits` bits (1..64) at *p. On success stores
 * the value in *out and advances *p past the encoding. On failure *p points
 * at the offending byte (or at `end`) and *out is untouched.
 */
scale_leb_status_t scale__leb128_read_unsigned(const uint8_t **p, const uint8_t *end, unsigned bits,
                                               uint64_t *out);

/* Signed counterpart: the result is sign-extended to 64 bits. */
scale_leb_status_t scale__leb128_read_signed(const uint8_t **p, const uint8_t *end, unsigned bits,
                                             int64_t *out);

/* Convenience wrappers for the widths Wasm uses. */
scale_leb_status_t scale__leb128_read_u32(const uint8_t **p, const uint8_t *end, uint32_t *out);
scale_leb_status_t scale__leb128_read_u64(const uint8_t **p, const uint8_t *end, uint64_t *out);
scale_leb_status_t scale__leb128_read_s32(const uint8_t **p, const uint8_t *end, int32_t *out);
scale_leb_status_t scale__leb128_read_s33(const uint8_t **p, const uint8_t *end, int64_t *out);
scale_leb_status_t scale__leb128_read_s64(const uint8_t **p, const uint8_t *end, int64_t *out);

/* The spec test suite's wording for a status (NULL for SCALE_LEB_OK). */
const char *scale__leb128_message(scale_leb_status_t status);

#endif
