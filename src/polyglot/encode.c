/*
 * Polyglot encoding: values appended to a growable buffer, byte-identical
 * to the upstream Go, Rust and TypeScript encoders (varints are minimal
 * LEB128, floats big-endian). A failed allocation or an over-long value
 * makes the buffer fail for good, so callers check once at the end; this
 * file must never write past cap nor leave a half-written value behind.
 */
#include "scale/polyglot.h"

#include "polyglot/alloc.h"

/* A put is at most kind + 10 varint bytes before any payload. */
#define PG_MAX_HEAD 16

void scale_pg_buf_init(scale_pg_buf_t *buf) {
  buf->data = NULL;
  buf->len = 0;
  buf->cap = 0;
  buf->failed = false;
}

void scale_pg_buf_free(scale_pg_buf_t *buf) {
  if (buf->data) SCALE_PG_FREE(buf->data);
  scale_pg_buf_init(buf);
}

void scale_pg_buf_reset(scale_pg_buf_t *buf) {
  buf->len = 0;
  buf->failed = false;
}

bool scale_pg_buf_failed(const scale_pg_buf_t *buf) {
  return buf->failed;
}

bool scale_pg_buf_reserve(scale_pg_buf_t *buf, size_t extra) {
  if (buf->failed) return false;
  if (buf->cap - buf->len >= extra) return true;
  if (extra > (size_t)-1 - buf->len) {
    buf->failed = true;
    return false;
  }
  size_t need = buf->len + extra;
  size_t cap = buf->cap ? buf->cap : 64;
  while (cap < need) {
    if (cap > (size_t)-1 / 2) {
      cap = need;
      break;
    }
    cap *= 2;
  }
  uint8_t *p = SCALE_PG_REALLOC(buf->data, cap);
  if (!p) {
    buf->failed = true;
    return false;
  }
  buf->data = p;
  buf->cap = cap;
  return true;
}

/* True when a length cannot be written as a u32. Written so that it does
 * not warn as a tautology where size_t is 32 bits (wasm32). */
static bool over_u32(size_t n) {
  return sizeof(size_t) > 4 && (n >> 16 >> 16) != 0;
}

/* Append LEB128 of v; room for 10 bytes must be reserved. */
static void leb(scale_pg_buf_t *buf, uint64_t v) {
  uint8_t *p = buf->data + buf->len;
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  buf->len = (size_t)(p - buf->data);
}

static void put_varint(scale_pg_buf_t *buf, uint8_t kind, uint64_t v) {
  if (!scale_pg_buf_reserve(buf, PG_MAX_HEAD)) return;
  buf->data[buf->len++] = kind;
  leb(buf, v);
}

static void put_fixed(scale_pg_buf_t *buf, uint8_t kind, uint64_t bits, unsigned n) {
  if (!scale_pg_buf_reserve(buf, 1 + n)) return;
  uint8_t *p = buf->data + buf->len;
  *p++ = kind;
  for (unsigned i = 0; i < n; i++) /* big-endian, as upstream */
    p[i] = (uint8_t)(bits >> (8 * (n - 1 - i)));
  buf->len += 1 + n;
}

void scale_pg_put_nil(scale_pg_buf_t *buf) {
  if (scale_pg_buf_reserve(buf, 1)) buf->data[buf->len++] = SCALE_PG_NIL;
}

void scale_pg_put_bool(scale_pg_buf_t *buf, bool v) {
  put_fixed(buf, SCALE_PG_BOOL, v ? 1 : 0, 1);
}
void scale_pg_put_u8(scale_pg_buf_t *buf, uint8_t v) {
  put_fixed(buf, SCALE_PG_U8, v, 1);
}
void scale_pg_put_u16(scale_pg_buf_t *buf, uint16_t v) {
  put_varint(buf, SCALE_PG_U16, v);
}
void scale_pg_put_u32(scale_pg_buf_t *buf, uint32_t v) {
  put_varint(buf, SCALE_PG_U32, v);
}
void scale_pg_put_u64(scale_pg_buf_t *buf, uint64_t v) {
  put_varint(buf, SCALE_PG_U64, v);
}

void scale_pg_put_i32(scale_pg_buf_t *buf, int32_t v) {
  uint32_t u = ((uint32_t)v << 1) ^ (v < 0 ? UINT32_MAX : 0);
  put_varint(buf, SCALE_PG_I32, u);
}

void scale_pg_put_i64(scale_pg_buf_t *buf, int64_t v) {
  uint64_t u = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
  put_varint(buf, SCALE_PG_I64, u);
}

void scale_pg_put_f32(scale_pg_buf_t *buf, float v) {
  union {
    float f;
    uint32_t u;
  } b = {.f = v};
  put_fixed(buf, SCALE_PG_F32, b.u, 4);
}

void scale_pg_put_f64(scale_pg_buf_t *buf, double v) {
  union {
    double f;
    uint64_t u;
  } b = {.f = v};
  put_fixed(buf, SCALE_PG_F64, b.u, 8);
}

/* kind [05] 0a varint(len) payload, all or nothing. */
static void put_blob(scale_pg_buf_t *buf, uint8_t kind, bool nested, const void *p, size_t len) {
  if (buf->failed) return;
  if (over_u32(len) || len > (size_t)-1 - PG_MAX_HEAD) {
    buf->failed = true;
    return;
  }
  if (!scale_pg_buf_reserve(buf, PG_MAX_HEAD + len)) return;
  buf->data[buf->len++] = kind;
  if (nested) buf->data[buf->len++] = SCALE_PG_STRING;
  buf->data[buf->len++] = SCALE_PG_U32;
  leb(buf, len);
  if (len) PG_MEMCPY(buf->data + buf->len, p, len);
  buf->len += len;
}

void scale_pg_put_string(scale_pg_buf_t *buf, const char *s, size_t len) {
  put_blob(buf, SCALE_PG_STRING, false, s, len);
}

void scale_pg_put_bytes(scale_pg_buf_t *buf, const void *p, size_t len) {
  put_blob(buf, SCALE_PG_BYTES, false, p, len);
}

void scale_pg_put_error(scale_pg_buf_t *buf, const char *msg, size_t len) {
  put_blob(buf, SCALE_PG_ERROR, true, msg, len);
}

void scale_pg_put_slice(scale_pg_buf_t *buf, scale_pg_kind_t elem, uint32_t count) {
  if (!scale_pg_buf_reserve(buf, PG_MAX_HEAD)) return;
  buf->data[buf->len++] = SCALE_PG_SLICE;
  buf->data[buf->len++] = (uint8_t)elem;
  buf->data[buf->len++] = SCALE_PG_U32;
  leb(buf, count);
}

void scale_pg_put_map(scale_pg_buf_t *buf, scale_pg_kind_t key, scale_pg_kind_t value,
                      uint32_t count) {
  if (!scale_pg_buf_reserve(buf, PG_MAX_HEAD)) return;
  buf->data[buf->len++] = SCALE_PG_MAP;
  buf->data[buf->len++] = (uint8_t)key;
  buf->data[buf->len++] = (uint8_t)value;
  buf->data[buf->len++] = SCALE_PG_U32;
  leb(buf, count);
}
