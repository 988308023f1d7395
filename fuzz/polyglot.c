/*
 * libFuzzer target for the Polyglot decoder. At every offset of the input
 * it runs every getter (and the container headers with the header's own
 * and a wrong element kind): a failed read must leave the cursor alone; a
 * successful one is re-encoded, and that encoding must decode to the same
 * value, be no longer than what was read (non-minimal varints are
 * accepted, never produced), and be byte-identical to the input when the
 * input was minimal. scale_pg_skip must agree with the getters on scalars.
 * Any mismatch aborts.
 */
#include "scale/polyglot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct value {
  int getter;
  uint64_t u; /* integers, float bits, bool, count */
  uint8_t k1, k2;
  const uint8_t *p;
  size_t n;
} value_t;

enum {
  G_NIL,
  G_BOOL,
  G_U8,
  G_U16,
  G_U32,
  G_U64,
  G_I32,
  G_I64,
  G_F32,
  G_F64,
  G_STRING,
  G_BYTES,
  G_ERROR,
  G_SLICE,
  G_MAP,
  G_COUNT
};

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    fprintf(stderr, __VA_ARGS__);                                                                  \
    abort();                                                                                       \
  } while (0)

static scale_pg_status_t get(scale_pg_reader_t *r, int g, value_t *v) {
  scale_pg_status_t st = SCALE_PG_OK;
  v->getter = g;
  switch (g) {
  case G_NIL:
    return scale_pg_get_nil(r) ? SCALE_PG_OK : SCALE_PG_WRONG_KIND;
  case G_BOOL: {
    bool x = false;
    st = scale_pg_get_bool(r, &x);
    v->u = x;
    return st;
  }
  case G_U8: {
    uint8_t x = 0;
    st = scale_pg_get_u8(r, &x);
    v->u = x;
    return st;
  }
  case G_U16: {
    uint16_t x = 0;
    st = scale_pg_get_u16(r, &x);
    v->u = x;
    return st;
  }
  case G_U32: {
    uint32_t x = 0;
    st = scale_pg_get_u32(r, &x);
    v->u = x;
    return st;
  }
  case G_U64:
    return scale_pg_get_u64(r, &v->u);
  case G_I32: {
    int32_t x = 0;
    st = scale_pg_get_i32(r, &x);
    v->u = (uint64_t)(int64_t)x;
    return st;
  }
  case G_I64: {
    int64_t x = 0;
    st = scale_pg_get_i64(r, &x);
    v->u = (uint64_t)x;
    return st;
  }
  case G_F32: {
    union {
      float f;
      uint32_t u;
    } x = {0};
    st = scale_pg_get_f32(r, &x.f);
    v->u = x.u;
    return st;
  }
  case G_F64: {
    union {
      double f;
      uint64_t u;
    } x = {0};
    st = scale_pg_get_f64(r, &x.f);
    v->u = x.u;
    return st;
  }
  case G_STRING: {
    const char *s = NULL;
    st = scale_pg_get_string(r, SCALE_PG_MAX_LEN, &s, &v->n);
    v->p = (const uint8_t *)s;
    return st;
  }
  case G_BYTES:
    return scale_pg_get_bytes(r, SCALE_PG_MAX_LEN, &v->p, &v->n);
  case G_ERROR: {
    const char *s = NULL;
    st = scale_pg_get_error(r, SCALE_PG_MAX_LEN, &s, &v->n);
    v->p = (const uint8_t *)s;
    return st;
  }
  case G_SLICE: {
    uint32_t c = 0;
    st = scale_pg_get_slice(r, (scale_pg_kind_t)v->k1, UINT32_MAX, &c);
    v->u = c;
    return st;
  }
  case G_MAP: {
    uint32_t c = 0;
    st = scale_pg_get_map(r, (scale_pg_kind_t)v->k1, (scale_pg_kind_t)v->k2, UINT32_MAX, &c);
    v->u = c;
    return st;
  }
  }
  return SCALE_PG_WRONG_KIND;
}

static void put(scale_pg_buf_t *b, const value_t *v) {
  union {
    uint32_t u;
    float f;
  } f32 = {.u = (uint32_t)v->u};
  union {
    uint64_t u;
    double f;
  } f64 = {.u = v->u};
  switch (v->getter) {
  case G_NIL:
    scale_pg_put_nil(b);
    break;
  case G_BOOL:
    scale_pg_put_bool(b, v->u != 0);
    break;
  case G_U8:
    scale_pg_put_u8(b, (uint8_t)v->u);
    break;
  case G_U16:
    scale_pg_put_u16(b, (uint16_t)v->u);
    break;
  case G_U32:
    scale_pg_put_u32(b, (uint32_t)v->u);
    break;
  case G_U64:
    scale_pg_put_u64(b, v->u);
    break;
  case G_I32:
    scale_pg_put_i32(b, (int32_t)(int64_t)v->u);
    break;
  case G_I64:
    scale_pg_put_i64(b, (int64_t)v->u);
    break;
  case G_F32:
    scale_pg_put_f32(b, f32.f);
    break;
  case G_F64:
    scale_pg_put_f64(b, f64.f);
    break;
  case G_STRING:
    scale_pg_put_string(b, (const char *)v->p, v->n);
    break;
  case G_BYTES:
    scale_pg_put_bytes(b, v->p, v->n);
    break;
  case G_ERROR:
    scale_pg_put_error(b, (const char *)v->p, v->n);
    break;
  case G_SLICE:
    scale_pg_put_slice(b, (scale_pg_kind_t)v->k1, (uint32_t)v->u);
    break;
  case G_MAP:
    scale_pg_put_map(b, (scale_pg_kind_t)v->k1, (scale_pg_kind_t)v->k2, (uint32_t)v->u);
    break;
  }
}

static bool same(const value_t *a, const value_t *b) {
  if (a->getter != b->getter || a->k1 != b->k1 || a->k2 != b->k2) return false;
  if (a->getter == G_BOOL) return (a->u == 1) == (b->u == 1); /* any byte but 01 is false */
  if (a->getter >= G_STRING && a->getter <= G_ERROR)
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
  return a->u == b->u;
}

/* Returns how many bytes a successful getter consumed (0 if none). */
static size_t try_all(const uint8_t *data, size_t size, size_t pos, scale_pg_buf_t *b) {
  size_t used = 0;
  for (int g = 0; g < G_COUNT; g++) {
    /* containers: once with the header's own kinds, once with wrong ones */
    for (int variant = 0; variant < (g >= G_SLICE ? 2 : 1); variant++) {
      value_t v = {0};
      if (g >= G_SLICE) {
        uint8_t k1 = pos + 1 < size ? data[pos + 1] : 0, k2 = pos + 2 < size ? data[pos + 2] : 0;
        v.k1 = variant ? (uint8_t)(k1 + 1) : k1;
        v.k2 = g == G_MAP ? k2 : 0;
      }
      scale_pg_reader_t r = {data, size, pos};
      scale_pg_status_t st = get(&r, g, &v);
      if (st != SCALE_PG_OK) {
        if (r.pos != pos)
          FAIL("getter %d failed (%s) but moved the cursor\n", g, scale_pg_status_text(st));
        continue;
      }
      if (variant) FAIL("container header accepted a wrong element kind\n");
      size_t n = r.pos - pos;
      if (n == 0 || r.pos > size) FAIL("getter %d consumed %zu bytes\n", g, n);
      used = n;
      scale_pg_buf_reset(b);
      put(b, &v);
      if (scale_pg_buf_failed(b)) FAIL("re-encoding failed\n");
      if (b->len > n) FAIL("getter %d: re-encoding is longer (%zu > %zu)\n", g, b->len, n);
      /* bool bytes other than 00/01 read as false and are written as 00 */
      bool odd_bool = g == G_BOOL && data[pos + 1] > 1;
      if (b->len == n && !odd_bool && memcmp(b->data, data + pos, n) != 0)
        FAIL("getter %d: same-length re-encoding differs\n", g);
      /* a container header is only valid with its elements' bytes after
       * it (its count is checked against them), so keep the input's tail */
      size_t tail = g >= G_SLICE ? size - r.pos : 0;
      if (tail) {
        if (!scale_pg_buf_reserve(b, tail)) FAIL("out of memory\n");
        memcpy(b->data + b->len, data + r.pos, tail);
        b->len += tail;
      }
      value_t w = {0};
      w.k1 = v.k1;
      w.k2 = v.k2;
      scale_pg_reader_t rr;
      scale_pg_reader_init(&rr, b->data, b->len);
      if (get(&rr, g, &w) != SCALE_PG_OK || scale_pg_remaining(&rr) != tail || !same(&v, &w))
        FAIL("getter %d: round trip changed the value\n", g);
      /* skip agrees with the getter on everything but containers */
      if (g < G_SLICE) {
        scale_pg_reader_t rs = {data, size, pos};
        if (scale_pg_skip(&rs, 8) != SCALE_PG_OK || rs.pos != r.pos)
          FAIL("skip disagrees with getter %d\n", g);
      }
    }
  }
  return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  /* every offset: bounded work (16 getters each) */
  for (size_t pos = 0; pos < size; pos++)
    try_all(data, size, pos, &b);
  /* and a walk with skip, which must stop cleanly */
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, data, size);
  while (scale_pg_remaining(&r)) {
    size_t before = r.pos;
    scale_pg_status_t st = scale_pg_skip(&r, 16);
    if (st != SCALE_PG_OK) {
      if (r.pos != before) FAIL("failed skip moved the cursor\n");
      r.pos++;
    } else if (r.pos <= before) {
      FAIL("skip succeeded without advancing\n");
    }
  }
  scale_pg_buf_free(&b);
  return 0;
}
