/*
 * Polyglot decoding: strict, atomic reads from a cursor over caller-owned
 * bytes. Each getter works on a local position and commits it only on
 * success, so a failed read never moves the cursor (generated decoders try
 * Nil, then Error, then the value at the same spot). Varints are held to
 * their type's width and range; lengths and counts are compared with the
 * bytes that remain before anything uses them. Never reads past r->len,
 * never allocates.
 */
#include "scale/polyglot.h"

#include "util/utf8.h"

/* Longest LEB128 per type: ceil(bits / 7). */
#define PG_U16_BYTES 3
#define PG_U32_BYTES 5
#define PG_U64_BYTES 10

const char *scale_pg_status_text(scale_pg_status_t status) {
  switch (status) {
  case SCALE_PG_OK:
    return "ok";
  case SCALE_PG_END:
    return "unexpected end of data";
  case SCALE_PG_WRONG_KIND:
    return "wrong kind";
  case SCALE_PG_BAD_VARINT:
    return "malformed varint";
  case SCALE_PG_TOO_LONG:
    return "length over limit";
  case SCALE_PG_BAD_UTF8:
    return "invalid utf-8 in string";
  case SCALE_PG_BAD_HEADER:
    return "wrong element kind";
  case SCALE_PG_NO_MEMORY:
    return "out of memory";
  }
  return "unknown status";
}

const char *scale_pg_kind_name(uint8_t kind) {
  static const char *const names[] = {"nil",   "slice", "map", "any", "bytes", "string",
                                      "error", "bool",  "u8",  "u16", "u32",   "u64",
                                      "i32",   "i64",   "f32", "f64"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

void scale_pg_reader_init(scale_pg_reader_t *r, const void *data, size_t len) {
  r->data = data;
  r->len = data ? len : 0;
  r->pos = 0;
}

size_t scale_pg_remaining(const scale_pg_reader_t *r) {
  return r->len - r->pos;
}

int scale_pg_peek(const scale_pg_reader_t *r) {
  return r->pos < r->len ? r->data[r->pos] : -1;
}

bool scale_pg_get_nil(scale_pg_reader_t *r) {
  if (r->pos >= r->len || r->data[r->pos] != SCALE_PG_NIL) return false;
  r->pos++;
  return true;
}

/*
 * LEB128 at *pos of at most `nbytes` bytes whose value fits in `max` (all
 * ones). Each byte's payload is checked against what is left of `max` at
 * its shift, which rejects both over-range values and stray high bits in
 * the last byte. Non-minimal forms within the width are accepted, as every
 * upstream decoder accepts them.
 */
static scale_pg_status_t varint(const scale_pg_reader_t *r, size_t *pos, unsigned nbytes,
                                uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  size_t p = *pos;
  for (unsigned i = 0; i < nbytes; i++) {
    if (p >= r->len) return SCALE_PG_END;
    uint8_t b = r->data[p++];
    unsigned shift = 7 * i;
    if ((uint64_t)(b & 0x7f) > (max >> shift)) return SCALE_PG_BAD_VARINT;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      *pos = p;
      return SCALE_PG_OK;
    }
  }
  return SCALE_PG_BAD_VARINT;
}

/* The kind byte `kind` at *pos, then a varint. */
static scale_pg_status_t tagged(const scale_pg_reader_t *r, size_t *pos, uint8_t kind,
                                unsigned nbytes, uint64_t max, uint64_t *out) {
  if (*pos >= r->len) return SCALE_PG_END;
  if (r->data[*pos] != kind) return SCALE_PG_WRONG_KIND;
  size_t p = *pos + 1;
  scale_pg_status_t st = varint(r, &p, nbytes, max, out);
  if (st == SCALE_PG_OK) *pos = p;
  return st;
}

static scale_pg_status_t get_uvar(scale_pg_reader_t *r, uint8_t kind, unsigned nbytes, uint64_t max,
                                  uint64_t *out) {
  return tagged(r, &r->pos, kind, nbytes, max, out);
}

/* Kind byte then exactly n raw bytes, returned big-endian. */
static scale_pg_status_t get_fixed(scale_pg_reader_t *r, uint8_t kind, unsigned n, uint64_t *out) {
  if (r->pos >= r->len) return SCALE_PG_END;
  if (r->data[r->pos] != kind) return SCALE_PG_WRONG_KIND;
  if (r->len - r->pos - 1 < n) return SCALE_PG_END;
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++)
    v = (v << 8) | r->data[r->pos + 1 + i];
  r->pos += 1 + n;
  *out = v;
  return SCALE_PG_OK;
}

scale_pg_status_t scale_pg_get_bool(scale_pg_reader_t *r, bool *out) {
  uint64_t v;
  scale_pg_status_t st = get_fixed(r, SCALE_PG_BOOL, 1, &v);
  if (st == SCALE_PG_OK) *out = v == 1;
  return st;
}

scale_pg_status_t scale_pg_get_u8(scale_pg_reader_t *r, uint8_t *out) {
  uint64_t v;
  scale_pg_status_t st = get_fixed(r, SCALE_PG_U8, 1, &v);
  if (st == SCALE_PG_OK) *out = (uint8_t)v;
  return st;
}

scale_pg_status_t scale_pg_get_u16(scale_pg_reader_t *r, uint16_t *out) {
  uint64_t v;
  scale_pg_status_t st = get_uvar(r, SCALE_PG_U16, PG_U16_BYTES, UINT16_MAX, &v);
  if (st == SCALE_PG_OK) *out = (uint16_t)v;
  return st;
}

scale_pg_status_t scale_pg_get_u32(scale_pg_reader_t *r, uint32_t *out) {
  uint64_t v;
  scale_pg_status_t st = get_uvar(r, SCALE_PG_U32, PG_U32_BYTES, UINT32_MAX, &v);
  if (st == SCALE_PG_OK) *out = (uint32_t)v;
  return st;
}

scale_pg_status_t scale_pg_get_u64(scale_pg_reader_t *r, uint64_t *out) {
  return get_uvar(r, SCALE_PG_U64, PG_U64_BYTES, UINT64_MAX, out);
}

/* Zig-zag: even codes are v >= 0, odd codes are -(code >> 1) - 1. Written
 * with unsigned arithmetic only, so INT_MIN needs no special case. */
scale_pg_status_t scale_pg_get_i32(scale_pg_reader_t *r, int32_t *out) {
  uint64_t v;
  scale_pg_status_t st = get_uvar(r, SCALE_PG_I32, PG_U32_BYTES, UINT32_MAX, &v);
  if (st == SCALE_PG_OK) {
    uint32_t u = (uint32_t)v;
    uint32_t x = (u >> 1) ^ (0u - (u & 1));
    *out = (int32_t)x;
  }
  return st;
}

scale_pg_status_t scale_pg_get_i64(scale_pg_reader_t *r, int64_t *out) {
  uint64_t u;
  scale_pg_status_t st = get_uvar(r, SCALE_PG_I64, PG_U64_BYTES, UINT64_MAX, &u);
  if (st == SCALE_PG_OK) *out = (int64_t)((u >> 1) ^ (0u - (u & 1)));
  return st;
}

scale_pg_status_t scale_pg_get_f32(scale_pg_reader_t *r, float *out) {
  uint64_t v;
  scale_pg_status_t st = get_fixed(r, SCALE_PG_F32, 4, &v);
  if (st == SCALE_PG_OK) {
    union {
      uint32_t u;
      float f;
    } b = {.u = (uint32_t)v};
    *out = b.f;
  }
  return st;
}

scale_pg_status_t scale_pg_get_f64(scale_pg_reader_t *r, double *out) {
  uint64_t v;
  scale_pg_status_t st = get_fixed(r, SCALE_PG_F64, 8, &v);
  if (st == SCALE_PG_OK) {
    union {
      uint64_t u;
      double f;
    } b = {.u = v};
    *out = b.f;
  }
  return st;
}

/*
 * kind, [05 when nested], then a tagged U32 length and the payload. The
 * length is checked against the bytes left first (a short stream is "end
 * of data" whatever the caller's limit), then against the limit.
 */
static scale_pg_status_t get_blob(scale_pg_reader_t *r, uint8_t kind, bool nested, size_t max_len,
                                  const uint8_t **out, size_t *len) {
  size_t p = r->pos;
  if (p >= r->len) return SCALE_PG_END;
  if (r->data[p] != kind) return SCALE_PG_WRONG_KIND;
  p++;
  if (nested) {
    if (p >= r->len) return SCALE_PG_END;
    if (r->data[p] != SCALE_PG_STRING) return SCALE_PG_WRONG_KIND;
    p++;
  }
  uint64_t n;
  scale_pg_status_t st = tagged(r, &p, SCALE_PG_U32, PG_U32_BYTES, UINT32_MAX, &n);
  if (st != SCALE_PG_OK) return st;
  if (n > r->len - p) return SCALE_PG_END;
  if (n > max_len) return SCALE_PG_TOO_LONG;
  *out = r->data + p;
  *len = (size_t)n;
  r->pos = p + (size_t)n;
  return SCALE_PG_OK;
}

scale_pg_status_t scale_pg_get_string(scale_pg_reader_t *r, size_t max_len, const char **out,
                                      size_t *len) {
  size_t pos = r->pos;
  const uint8_t *p;
  size_t n;
  scale_pg_status_t st = get_blob(r, SCALE_PG_STRING, false, max_len, &p, &n);
  if (st != SCALE_PG_OK) return st;
  if (!scale__utf8_valid(p, n)) {
    r->pos = pos;
    return SCALE_PG_BAD_UTF8;
  }
  *out = (const char *)p;
  *len = n;
  return SCALE_PG_OK;
}

scale_pg_status_t scale_pg_get_bytes(scale_pg_reader_t *r, size_t max_len, const uint8_t **out,
                                     size_t *len) {
  return get_blob(r, SCALE_PG_BYTES, false, max_len, out, len);
}

scale_pg_status_t scale_pg_get_error(scale_pg_reader_t *r, size_t max_len, const char **msg,
                                     size_t *len) {
  const uint8_t *p;
  scale_pg_status_t st = get_blob(r, SCALE_PG_ERROR, true, max_len, &p, len);
  if (st == SCALE_PG_OK) *msg = (const char *)p;
  return st;
}

/*
 * The tagged U32 count after a slice/map header at *pos, checked against
 * the bytes left: every entry takes at least `min_entry` bytes (0 when all
 * its parts are untagged Any models, which may be empty).
 */
static scale_pg_status_t get_count(const scale_pg_reader_t *r, size_t *pos, size_t min_entry,
                                   uint32_t max_count, uint32_t *count) {
  uint64_t n;
  size_t p = *pos;
  scale_pg_status_t st = tagged(r, &p, SCALE_PG_U32, PG_U32_BYTES, UINT32_MAX, &n);
  if (st != SCALE_PG_OK) return st;
  if (min_entry && n > (r->len - p) / min_entry) return SCALE_PG_END;
  if (n > max_count) return SCALE_PG_TOO_LONG;
  *count = (uint32_t)n;
  *pos = p;
  return SCALE_PG_OK;
}

scale_pg_status_t scale_pg_get_slice(scale_pg_reader_t *r, scale_pg_kind_t elem, uint32_t max_count,
                                     uint32_t *count) {
  size_t p = r->pos;
  if (p >= r->len) return SCALE_PG_END;
  if (r->data[p] != SCALE_PG_SLICE) return SCALE_PG_WRONG_KIND;
  if (r->len - p < 2) return SCALE_PG_END;
  if (r->data[p + 1] != (uint8_t)elem) return SCALE_PG_BAD_HEADER;
  p += 2;
  scale_pg_status_t st = get_count(r, &p, elem == SCALE_PG_ANY ? 0 : 1, max_count, count);
  if (st == SCALE_PG_OK) r->pos = p;
  return st;
}

scale_pg_status_t scale_pg_get_map(scale_pg_reader_t *r, scale_pg_kind_t key, scale_pg_kind_t value,
                                   uint32_t max_count, uint32_t *count) {
  size_t p = r->pos;
  if (p >= r->len) return SCALE_PG_END;
  if (r->data[p] != SCALE_PG_MAP) return SCALE_PG_WRONG_KIND;
  if (r->len - p < 3) return SCALE_PG_END;
  if (r->data[p + 1] != (uint8_t)key || r->data[p + 2] != (uint8_t)value)
    return SCALE_PG_BAD_HEADER;
  p += 3;
  size_t min_entry = (key != SCALE_PG_ANY) + (value != SCALE_PG_ANY);
  scale_pg_status_t st = get_count(r, &p, min_entry, max_count, count);
  if (st == SCALE_PG_OK) r->pos = p;
  return st;
}

/* ------------------------------------------------------------------ skip */

static scale_pg_status_t skip_one(scale_pg_reader_t *r, unsigned depth);

/* One element of a container whose header named `kind`. */
static scale_pg_status_t skip_elem(scale_pg_reader_t *r, uint8_t kind, unsigned depth) {
  int k = scale_pg_peek(r);
  if (k < 0) return SCALE_PG_END;
  if (k != kind) return SCALE_PG_BAD_HEADER;
  return skip_one(r, depth);
}

/* Element kinds a skippable container may name: any real kind but Any. */
static bool skippable_elem(uint8_t kind) {
  return kind <= SCALE_PG_F64 && kind != SCALE_PG_ANY;
}

/* Advances r even on failure; scale_pg_skip works on a copy. */
static scale_pg_status_t skip_one(scale_pg_reader_t *r, unsigned depth) {
  int k = scale_pg_peek(r);
  if (k < 0) return SCALE_PG_END;
  union {
    bool b;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    const char *s;
    const uint8_t *p;
  } v;
  size_t n;
  uint32_t count;
  switch (k) {
  case SCALE_PG_NIL:
    r->pos++;
    return SCALE_PG_OK;
  case SCALE_PG_BOOL:
    return scale_pg_get_bool(r, &v.b);
  case SCALE_PG_U8:
    return scale_pg_get_u8(r, &v.u8);
  case SCALE_PG_U16:
    return scale_pg_get_u16(r, &v.u16);
  case SCALE_PG_U32:
    return scale_pg_get_u32(r, &v.u32);
  case SCALE_PG_U64:
    return scale_pg_get_u64(r, &v.u64);
  case SCALE_PG_I32:
    return scale_pg_get_i32(r, &v.i32);
  case SCALE_PG_I64:
    return scale_pg_get_i64(r, &v.i64);
  case SCALE_PG_F32:
    return scale_pg_get_f32(r, &v.f32);
  case SCALE_PG_F64:
    return scale_pg_get_f64(r, &v.f64);
  case SCALE_PG_STRING:
    return scale_pg_get_string(r, SCALE_PG_MAX_LEN, &v.s, &n);
  case SCALE_PG_BYTES:
    return scale_pg_get_bytes(r, SCALE_PG_MAX_LEN, &v.p, &n);
  case SCALE_PG_ERROR:
    return scale_pg_get_error(r, SCALE_PG_MAX_LEN, &v.s, &n);
  case SCALE_PG_SLICE: {
    if (r->len - r->pos < 2) return SCALE_PG_END;
    uint8_t elem = r->data[r->pos + 1];
    if (elem == SCALE_PG_ANY) return SCALE_PG_WRONG_KIND; /* untagged models */
    if (!skippable_elem(elem)) return SCALE_PG_BAD_HEADER;
    if (depth == 0) return SCALE_PG_TOO_LONG;
    scale_pg_status_t st = scale_pg_get_slice(r, (scale_pg_kind_t)elem, UINT32_MAX, &count);
    for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++)
      st = skip_elem(r, elem, depth - 1);
    return st;
  }
  case SCALE_PG_MAP: {
    if (r->len - r->pos < 3) return SCALE_PG_END;
    uint8_t key = r->data[r->pos + 1], value = r->data[r->pos + 2];
    if (key == SCALE_PG_ANY || value == SCALE_PG_ANY) return SCALE_PG_WRONG_KIND;
    if (!skippable_elem(key) || !skippable_elem(value)) return SCALE_PG_BAD_HEADER;
    if (depth == 0) return SCALE_PG_TOO_LONG;
    scale_pg_status_t st =
        scale_pg_get_map(r, (scale_pg_kind_t)key, (scale_pg_kind_t)value, UINT32_MAX, &count);
    for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++) {
      st = skip_elem(r, key, depth - 1);
      if (st == SCALE_PG_OK) st = skip_elem(r, value, depth - 1);
    }
    return st;
  }
  default:
    return SCALE_PG_WRONG_KIND; /* Any on its own, or not a kind */
  }
}

scale_pg_status_t scale_pg_skip(scale_pg_reader_t *r, unsigned depth) {
  scale_pg_reader_t t = *r;
  scale_pg_status_t st = skip_one(&t, depth);
  if (st == SCALE_PG_OK) r->pos = t.pos;
  return st;
}
