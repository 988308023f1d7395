/*
 * LEB128 decoding for the Wasm binary format. Follows the reference
 * interpreter's rules byte for byte so that error texts match the spec
 * suite: the "too large" check on the last allowed byte comes before the
 * "too long" check on its continuation bit. Never reads past `end`.
 */
#include "util/leb128.h"

#include <stddef.h>

scale_leb_status_t scale__leb128_read_unsigned(const uint8_t **p, const uint8_t *end, unsigned bits,
                                               uint64_t *out) {
  const uint8_t *q = *p;
  uint64_t value = 0;
  unsigned shift = 0;
  int left = (int)bits; /* bits still to be filled, as in the spec's vuN */
  for (;;) {
    if (left <= 0) {
      *p = q;
      return SCALE_LEB_TOO_LONG;
    }
    if (q >= end) {
      *p = q;
      return SCALE_LEB_END;
    }
    uint8_t b = *q;
    if (left < 7 && (b & 0x7f) >= (1u << left)) {
      *p = q;
      return SCALE_LEB_TOO_LARGE;
    }
    q++;
    value |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
    left -= 7;
  }
  *p = q;
  *out = value;
  return SCALE_LEB_OK;
}

scale_leb_status_t scale__leb128_read_signed(const uint8_t **p, const uint8_t *end, unsigned bits,
                                             int64_t *out) {
  const uint8_t *q = *p;
  uint64_t value = 0;
  unsigned shift = 0;
  int left = (int)bits;
  uint8_t b;
  for (;;) {
    if (left <= 0) {
      *p = q;
      return SCALE_LEB_TOO_LONG;
    }
    if (q >= end) {
      *p = q;
      return SCALE_LEB_END;
    }
    b = *q;
    if (left < 7) {
      /* The bits above the value's width must all equal its sign bit. */
      uint8_t mask = (uint8_t)((0xffu << (left - 1)) & 0x7f);
      if ((b & mask) != 0 && (b & mask) != mask) {
        *p = q;
        return SCALE_LEB_TOO_LARGE;
      }
    }
    q++;
    value |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
    left -= 7;
  }
  if (shift < 64 && (b & 0x40)) value |= ~(uint64_t)0 << shift;
  *p = q;
  *out = (int64_t)value;
  return SCALE_LEB_OK;
}

scale_leb_status_t scale__leb128_read_u32(const uint8_t **p, const uint8_t *end, uint32_t *out) {
  uint64_t v;
  scale_leb_status_t st = scale__leb128_read_unsigned(p, end, 32, &v);
  if (st == SCALE_LEB_OK) *out = (uint32_t)v;
  return st;
}

scale_leb_status_t scale__leb128_read_u64(const uint8_t **p, const uint8_t *end, uint64_t *out) {
  return scale__leb128_read_unsigned(p, end, 64, out);
}

scale_leb_status_t scale__leb128_read_s32(const uint8_t **p, const uint8_t *end, int32_t *out) {
  int64_t v;
  scale_leb_status_t st = scale__leb128_read_signed(p, end, 32, &v);
  if (st == SCALE_LEB_OK) *out = (int32_t)v;
  return st;
}

scale_leb_status_t scale__leb128_read_s33(const uint8_t **p, const uint8_t *end, int64_t *out) {
  return scale__leb128_read_signed(p, end, 33, out);
}

scale_leb_status_t scale__leb128_read_s64(const uint8_t **p, const uint8_t *end, int64_t *out) {
  return scale__leb128_read_signed(p, end, 64, out);
}

const char *scale__leb128_message(scale_leb_status_t status) {
  switch (status) {
  case SCALE_LEB_OK:
    return NULL;
  case SCALE_LEB_END:
    return "unexpected end";
  case SCALE_LEB_TOO_LONG:
    return "integer representation too long";
  case SCALE_LEB_TOO_LARGE:
    return "integer too large";
  }
  return "integer too large";
}
