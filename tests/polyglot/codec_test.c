/*
 * Polyglot codec tests: every upstream vector (scalars.json) decoded and
 * re-encoded byte for byte, then the strictness rules: truncations, over-
 * long and over-range varints, wrong kinds, header kinds, limits, UTF-8,
 * skip, and the sticky failed buffer. Inputs sit right before an
 * unreadable page, so an over-read crashes instead of passing.
 * Usage: polyglot_codec_test <dir holding scalars.json>
 */
#include "scale/polyglot.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>

#include "../common/check.h"
#include "vectors.h"

typedef struct vec {
  char name[64];
  int kind;
  uint8_t *bytes;
  size_t len;
} vec_t;

static vec_t vecs[64];
static size_t nvecs;

/* ---------------------------------------------------------- json helpers */

/* The raw text of "decodedValue" in the object whose name is `name`: the
 * integers above 2^53 must not pass through a double. */
static const char *raw_value(const char *json, const char *name) {
  char key[128];
  snprintf(key, sizeof key, "\"name\":\"%s\"", name);
  const char *p = strstr(json, key);
  if (!p) return NULL;
  p = strstr(p, "\"decodedValue\":");
  return p ? p + strlen("\"decodedValue\":") : NULL;
}

static void put_vector_value(scale_pg_buf_t *b, const vec_t *v, const cJSON *val, const char *raw) {
  switch (v->kind) {
  case SCALE_PG_NIL:
    scale_pg_put_nil(b);
    break;
  case SCALE_PG_BOOL:
    scale_pg_put_bool(b, cJSON_IsTrue(val));
    break;
  case SCALE_PG_U8:
    scale_pg_put_u8(b, (uint8_t)strtoull(raw, NULL, 10));
    break;
  case SCALE_PG_U16:
    scale_pg_put_u16(b, (uint16_t)strtoull(raw, NULL, 10));
    break;
  case SCALE_PG_U32:
    scale_pg_put_u32(b, (uint32_t)strtoull(raw, NULL, 10));
    break;
  case SCALE_PG_U64:
    scale_pg_put_u64(b, strtoull(raw, NULL, 10));
    break;
  case SCALE_PG_I32:
    scale_pg_put_i32(b, (int32_t)strtoll(raw, NULL, 10));
    break;
  case SCALE_PG_I64:
    scale_pg_put_i64(b, strtoll(raw, NULL, 10));
    break;
  case SCALE_PG_F32:
    scale_pg_put_f32(b, strtof(raw, NULL));
    break;
  case SCALE_PG_F64:
    scale_pg_put_f64(b, strtod(raw, NULL));
    break;
  case SCALE_PG_STRING:
    scale_pg_put_string(b, val->valuestring, strlen(val->valuestring));
    break;
  case SCALE_PG_ERROR:
    scale_pg_put_error(b, val->valuestring, strlen(val->valuestring));
    break;
  case SCALE_PG_BYTES: {
    size_t n;
    uint8_t *p = b64_decode(val->valuestring, &n);
    CHECK(p != NULL);
    if (p) scale_pg_put_bytes(b, p, n);
    free(p);
    break;
  }
  case SCALE_PG_SLICE: {
    scale_pg_put_slice(b, SCALE_PG_STRING, (uint32_t)cJSON_GetArraySize(val));
    const cJSON *e;
    cJSON_ArrayForEach(e, val) scale_pg_put_string(b, e->valuestring, strlen(e->valuestring));
    break;
  }
  case SCALE_PG_MAP: {
    scale_pg_put_map(b, SCALE_PG_STRING, SCALE_PG_U32, (uint32_t)cJSON_GetArraySize(val));
    const cJSON *e;
    cJSON_ArrayForEach(e, val) {
      scale_pg_put_string(b, e->string, strlen(e->string));
      scale_pg_put_u32(b, (uint32_t)e->valueint);
    }
    break;
  }
  default:
    CHECK(!"unexpected kind in scalars.json");
  }
}

/* Decode one vector's bytes and compare with the JSON value. */
static void check_vector_decode(const vec_t *v, const cJSON *val, const char *raw) {
  guarded_t g = guarded_copy(v->bytes, v->len);
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, g.data, v->len);
  CHECK(scale_pg_peek(&r) == v->kind);
  scale_pg_status_t st = SCALE_PG_OK;
  const char *s;
  const uint8_t *p;
  size_t n;
  switch (v->kind) {
  case SCALE_PG_NIL:
    CHECK(scale_pg_get_nil(&r));
    break;
  case SCALE_PG_BOOL: {
    bool x;
    st = scale_pg_get_bool(&r, &x);
    CHECK(x == cJSON_IsTrue(val));
    break;
  }
  case SCALE_PG_U8: {
    uint8_t x = 0;
    st = scale_pg_get_u8(&r, &x);
    CHECK(x == strtoull(raw, NULL, 10));
    break;
  }
  case SCALE_PG_U16: {
    uint16_t x = 0;
    st = scale_pg_get_u16(&r, &x);
    CHECK(x == strtoull(raw, NULL, 10));
    break;
  }
  case SCALE_PG_U32: {
    uint32_t x = 0;
    st = scale_pg_get_u32(&r, &x);
    CHECK(x == strtoull(raw, NULL, 10) && x == 4294967290u);
    break;
  }
  case SCALE_PG_U64: {
    uint64_t x = 0;
    st = scale_pg_get_u64(&r, &x);
    CHECK(x == strtoull(raw, NULL, 10) && x == UINT64_MAX - 5);
    break;
  }
  case SCALE_PG_I32: {
    int32_t x = 0;
    st = scale_pg_get_i32(&r, &x);
    CHECK(x == strtoll(raw, NULL, 10) && x == INT32_MIN);
    break;
  }
  case SCALE_PG_I64: {
    int64_t x = 0;
    st = scale_pg_get_i64(&r, &x);
    CHECK(x == strtoll(raw, NULL, 10) && x == INT64_MIN);
    break;
  }
  case SCALE_PG_F32: {
    float x = 0, want = strtof(raw, NULL);
    st = scale_pg_get_f32(&r, &x);
    CHECK(memcmp(&x, &want, sizeof x) == 0);
    break;
  }
  case SCALE_PG_F64: {
    double x = 0, want = strtod(raw, NULL);
    st = scale_pg_get_f64(&r, &x);
    CHECK(memcmp(&x, &want, sizeof x) == 0);
    break;
  }
  case SCALE_PG_STRING:
    st = scale_pg_get_string(&r, 1000, &s, &n);
    CHECK(st == SCALE_PG_OK && n == strlen(val->valuestring) && !memcmp(s, val->valuestring, n));
    break;
  case SCALE_PG_ERROR:
    st = scale_pg_get_error(&r, 1000, &s, &n);
    CHECK(st == SCALE_PG_OK && n == strlen(val->valuestring) && !memcmp(s, val->valuestring, n));
    break;
  case SCALE_PG_BYTES: {
    size_t wn;
    uint8_t *want = b64_decode(val->valuestring, &wn);
    st = scale_pg_get_bytes(&r, 1000, &p, &n);
    CHECK(st == SCALE_PG_OK && want && n == wn && !memcmp(p, want, n));
    free(want);
    break;
  }
  case SCALE_PG_SLICE: {
    uint32_t count = 0;
    st = scale_pg_get_slice(&r, SCALE_PG_STRING, 100, &count);
    CHECK(count == (uint32_t)cJSON_GetArraySize(val));
    for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++) {
      st = scale_pg_get_string(&r, 100, &s, &n);
      const char *want = cJSON_GetArrayItem(val, (int)i)->valuestring;
      CHECK(st == SCALE_PG_OK && n == strlen(want) && !memcmp(s, want, n));
    }
    break;
  }
  case SCALE_PG_MAP: {
    uint32_t count = 0;
    st = scale_pg_get_map(&r, SCALE_PG_STRING, SCALE_PG_U32, 100, &count);
    CHECK(count == (uint32_t)cJSON_GetArraySize(val));
    for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++) {
      uint32_t x = 0;
      char key[64];
      st = scale_pg_get_string(&r, sizeof key - 1, &s, &n);
      if (st != SCALE_PG_OK) break;
      memcpy(key, s, n);
      key[n] = 0;
      st = scale_pg_get_u32(&r, &x);
      const cJSON *want = cJSON_GetObjectItemCaseSensitive(val, key); /* order-free */
      CHECK(want && (uint32_t)want->valueint == x);
    }
    break;
  }
  }
  CHECK(st == SCALE_PG_OK);
  CHECK(scale_pg_remaining(&r) == 0);
  if (st != SCALE_PG_OK || scale_pg_remaining(&r))
    fprintf(stderr, "  vector '%s': %s, %zu bytes left\n", v->name, scale_pg_status_text(st),
            scale_pg_remaining(&r));
  guarded_free(&g);
}

static void test_vectors(const char *dir) {
  size_t len;
  char *json = (char *)check_read_file(dir, "scalars.json", &len);
  json[len] = 0;
  cJSON *root = cJSON_Parse(json);
  if (!cJSON_IsArray(root)) {
    fprintf(stderr, "%s/scalars.json: not a JSON array\n", dir);
    exit(2);
  }
  const cJSON *item;
  cJSON_ArrayForEach(item, root) {
    vec_t *v = &vecs[nvecs++];
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(item, "kind");
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(item, "decodedValue");
    const cJSON *enc = cJSON_GetObjectItemCaseSensitive(item, "encodedValue");
    if (!cJSON_IsString(name) || !cJSON_IsNumber(kind) || !val || !cJSON_IsString(enc)) {
      fprintf(stderr, "scalars.json: malformed entry\n");
      exit(2);
    }
    snprintf(v->name, sizeof v->name, "%s", name->valuestring);
    v->kind = kind->valueint;
    v->bytes = b64_decode(enc->valuestring, &v->len);
    CHECK(v->bytes && v->len > 0 && v->bytes[0] == v->kind);
    const char *raw = raw_value(json, v->name);
    CHECK(raw != NULL);

    check_vector_decode(v, val, raw);

    scale_pg_buf_t b;
    scale_pg_buf_init(&b);
    put_vector_value(&b, v, val, raw);
    CHECK(!scale_pg_buf_failed(&b));
    CHECK(b.len == v->len && memcmp(b.data, v->bytes, v->len) == 0);
    if (b.len != v->len || memcmp(b.data, v->bytes, v->len))
      fprintf(stderr, "  vector '%s': encoding differs\n", v->name);
    scale_pg_buf_free(&b);
  }
  CHECK(nvecs == 17);
  cJSON_Delete(root);
  free(json);
}

/* ----------------------------------------------------- generic decoding */

/* Decode one value of `kind` as a typed getter would (containers use the
 * element kinds of the vectors: Slice<String>, Map<String,U32>), checking
 * that a failed read leaves the cursor alone. Returns the first failure. */
static scale_pg_status_t decode_as(scale_pg_reader_t *r, int kind) {
  size_t before = r->pos;
  scale_pg_status_t st = SCALE_PG_OK;
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
  } x;
  size_t n;
  uint32_t count;
  switch (kind) {
  case SCALE_PG_NIL:
    st = scale_pg_get_nil(r) ? SCALE_PG_OK : SCALE_PG_WRONG_KIND;
    break;
  case SCALE_PG_BOOL:
    st = scale_pg_get_bool(r, &x.b);
    break;
  case SCALE_PG_U8:
    st = scale_pg_get_u8(r, &x.u8);
    break;
  case SCALE_PG_U16:
    st = scale_pg_get_u16(r, &x.u16);
    break;
  case SCALE_PG_U32:
    st = scale_pg_get_u32(r, &x.u32);
    break;
  case SCALE_PG_U64:
    st = scale_pg_get_u64(r, &x.u64);
    break;
  case SCALE_PG_I32:
    st = scale_pg_get_i32(r, &x.i32);
    break;
  case SCALE_PG_I64:
    st = scale_pg_get_i64(r, &x.i64);
    break;
  case SCALE_PG_F32:
    st = scale_pg_get_f32(r, &x.f32);
    break;
  case SCALE_PG_F64:
    st = scale_pg_get_f64(r, &x.f64);
    break;
  case SCALE_PG_STRING:
    st = scale_pg_get_string(r, 1000, &x.s, &n);
    break;
  case SCALE_PG_BYTES:
    st = scale_pg_get_bytes(r, 1000, &x.p, &n);
    break;
  case SCALE_PG_ERROR:
    st = scale_pg_get_error(r, 1000, &x.s, &n);
    break;
  case SCALE_PG_SLICE:
    st = scale_pg_get_slice(r, SCALE_PG_STRING, 1000, &count);
    if (st == SCALE_PG_OK)
      for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++)
        st = decode_as(r, SCALE_PG_STRING);
    return st;
  case SCALE_PG_MAP:
    st = scale_pg_get_map(r, SCALE_PG_STRING, SCALE_PG_U32, 1000, &count);
    if (st == SCALE_PG_OK)
      for (uint32_t i = 0; st == SCALE_PG_OK && i < count; i++) {
        st = decode_as(r, SCALE_PG_STRING);
        if (st == SCALE_PG_OK) st = decode_as(r, SCALE_PG_U32);
      }
    return st;
  default:
    return SCALE_PG_WRONG_KIND;
  }
  if (st != SCALE_PG_OK) CHECK(r->pos == before);
  return st;
}

static const int all_kinds[] = {0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#define NKINDS (sizeof all_kinds / sizeof all_kinds[0])

static void test_truncations(void) {
  for (size_t i = 0; i < nvecs; i++) {
    const vec_t *v = &vecs[i];
    for (size_t cut = 0; cut < v->len; cut++) {
      guarded_t g = guarded_copy(v->bytes, cut);
      scale_pg_reader_t r;
      scale_pg_reader_init(&r, g.data, cut);
      scale_pg_status_t st = decode_as(&r, v->kind);
      CHECK(st != SCALE_PG_OK);
      if (v->kind != SCALE_PG_NIL) CHECK(st == SCALE_PG_END);
      if (st == SCALE_PG_OK) fprintf(stderr, "  '%s' cut at %zu decoded\n", v->name, cut);
      scale_pg_reader_init(&r, g.data, cut);
      CHECK(scale_pg_skip(&r, 4) != SCALE_PG_OK && r.pos == 0);
      guarded_free(&g);
    }
    /* and the whole vector skips in one go */
    scale_pg_reader_t r;
    scale_pg_reader_init(&r, v->bytes, v->len);
    CHECK(scale_pg_skip(&r, 4) == SCALE_PG_OK && r.pos == v->len);
  }
}

/* Every single-value vector read with every other kind's getter. */
static void test_wrong_kinds(void) {
  for (size_t i = 0; i < nvecs; i++) {
    const vec_t *v = &vecs[i];
    for (size_t k = 0; k < NKINDS; k++) {
      if (all_kinds[k] == v->kind) continue;
      scale_pg_reader_t r;
      scale_pg_reader_init(&r, v->bytes, v->len);
      scale_pg_status_t st = decode_as(&r, all_kinds[k]);
      CHECK(st == SCALE_PG_WRONG_KIND && r.pos == 0);
    }
  }
}

/* Run one getter over literal bytes; returns the status, *pos the cursor. */
#define READ(getter, bytes, ...)                                                                   \
  ({                                                                                               \
    static const uint8_t in_[] = bytes;                                                            \
    guarded_t g_ = guarded_copy(in_, sizeof in_);                                                  \
    scale_pg_reader_t r_;                                                                          \
    scale_pg_reader_init(&r_, g_.data, sizeof in_);                                                \
    scale_pg_status_t st_ = getter(&r_, __VA_ARGS__);                                              \
    last_pos = r_.pos;                                                                             \
    last_left = scale_pg_remaining(&r_);                                                           \
    guarded_free(&g_);                                                                             \
    st_;                                                                                           \
  })
#define B(...)                                                                                     \
  { __VA_ARGS__ }

static size_t last_pos, last_left;

static void test_varints(void) {
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;

  CHECK(READ(scale_pg_get_u16, B(0x09, 0xff, 0xff, 0x03), &u16) == SCALE_PG_OK && u16 == 65535);
  CHECK(READ(scale_pg_get_u16, B(0x09, 0xff, 0xff, 0x04), &u16) == SCALE_PG_BAD_VARINT);
  CHECK(last_pos == 0);
  CHECK(READ(scale_pg_get_u16, B(0x09, 0x80, 0x80, 0x80, 0x00), &u16) == SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_u16, B(0x09, 0x80, 0x80, 0x00), &u16) == SCALE_PG_OK && u16 == 0);
  CHECK(READ(scale_pg_get_u16, B(0x09, 0x80, 0x80), &u16) == SCALE_PG_END && last_pos == 0);

  CHECK(READ(scale_pg_get_u32, B(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), &u32) == SCALE_PG_OK &&
        u32 == UINT32_MAX);
  CHECK(READ(scale_pg_get_u32, B(0x0a, 0xff, 0xff, 0xff, 0xff, 0x1f), &u32) == SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_u32, B(0x0a, 0xff, 0xff, 0xff, 0xff, 0x8f, 0x00), &u32) ==
        SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_u32, B(0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), &u32) ==
        SCALE_PG_BAD_VARINT);
  CHECK(last_pos == 0);
  CHECK(READ(scale_pg_get_u32, B(0x0a, 0x80, 0x00, 0x0a), &u32) == SCALE_PG_OK && u32 == 0 &&
        last_pos == 3);
  CHECK(READ(scale_pg_get_u32, B(0x0a), &u32) == SCALE_PG_END);

  CHECK(READ(scale_pg_get_u64, B(0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
             &u64) == SCALE_PG_OK &&
        u64 == UINT64_MAX);
  CHECK(READ(scale_pg_get_u64, B(0x0b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02),
             &u64) == SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_u64,
             B(0x0b, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
             &u64) == SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_i32, B(0x0c, 0xfe, 0xff, 0xff, 0xff, 0x0f), &i32) == SCALE_PG_OK &&
        i32 == INT32_MAX);
  CHECK(READ(scale_pg_get_i32, B(0x0c, 0x01), &i32) == SCALE_PG_OK && i32 == -1);
  CHECK(READ(scale_pg_get_i32, B(0x0c, 0xff, 0xff, 0xff, 0xff, 0x10), &i32) == SCALE_PG_BAD_VARINT);
  CHECK(READ(scale_pg_get_i64, B(0x0d, 0x03), &i64) == SCALE_PG_OK && i64 == -2);
  CHECK(READ(scale_pg_get_i64, B(0x0d, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
             &i64) == SCALE_PG_OK &&
        i64 == INT64_MAX);
  CHECK(READ(scale_pg_get_i64, B(0x0d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03),
             &i64) == SCALE_PG_BAD_VARINT);

  /* every value round-trips at the edges of each width */
  scale_pg_buf_t b = {0};
  static const uint64_t edges[] = {0,          1,          127,        128,        16383,
                                   16384,      65535,      65536,      2097151,    2097152,
                                   UINT32_MAX, 1ull << 32, 1ull << 56, 1ull << 63, UINT64_MAX};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    uint64_t e = edges[i];
    scale_pg_buf_reset(&b);
    scale_pg_put_u16(&b, (uint16_t)e);
    scale_pg_put_u32(&b, (uint32_t)e);
    scale_pg_put_u64(&b, e);
    scale_pg_put_i32(&b, (int32_t)(uint32_t)e);
    scale_pg_put_i64(&b, (int64_t)e);
    CHECK(!scale_pg_buf_failed(&b));
    scale_pg_reader_t r;
    scale_pg_reader_init(&r, b.data, b.len);
    CHECK(scale_pg_get_u16(&r, &u16) == SCALE_PG_OK && u16 == (uint16_t)e);
    CHECK(scale_pg_get_u32(&r, &u32) == SCALE_PG_OK && u32 == (uint32_t)e);
    CHECK(scale_pg_get_u64(&r, &u64) == SCALE_PG_OK && u64 == e);
    CHECK(scale_pg_get_i32(&r, &i32) == SCALE_PG_OK && i32 == (int32_t)(uint32_t)e);
    CHECK(scale_pg_get_i64(&r, &i64) == SCALE_PG_OK && i64 == (int64_t)e);
    CHECK(scale_pg_remaining(&r) == 0);
  }
  scale_pg_buf_free(&b);
}

static void test_strings_and_limits(void) {
  const char *s;
  const uint8_t *p;
  size_t n;
  uint32_t count;
  bool bv;

  /* "Test String" is 11 bytes */
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x02, 'h', 'i'), 2, &s, &n) == SCALE_PG_OK &&
        n == 2);
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x02, 'h', 'i'), 1, &s, &n) == SCALE_PG_TOO_LONG &&
        last_pos == 0);
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x'), 100, &s, &n) ==
        SCALE_PG_END);
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x02, 0xc3, 0x28), 100, &s, &n) ==
        SCALE_PG_BAD_UTF8);
  CHECK(last_pos == 0);
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x03, 0xed, 0xa0, 0x80), 100, &s, &n) ==
        SCALE_PG_BAD_UTF8); /* a surrogate */
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x04, 0xf0, 0x9f, 0x98, 0x80), 100, &s, &n) ==
        SCALE_PG_OK);
  CHECK(READ(scale_pg_get_string, B(0x05, 0x09, 0x02, 'h', 'i'), 100, &s, &n) ==
        SCALE_PG_WRONG_KIND); /* length tagged as u16 */
  CHECK(READ(scale_pg_get_string, B(0x05, 0x0a, 0x00), 0, &s, &n) == SCALE_PG_OK && n == 0);
  CHECK(READ(scale_pg_get_bytes, B(0x04, 0x0a, 0x02, 0xc3, 0x28), 100, &p, &n) == SCALE_PG_OK);
  CHECK(READ(scale_pg_get_error, B(0x06, 0x05, 0x0a, 0x02, 0xc3, 0x28), 100, &s, &n) ==
        SCALE_PG_OK);
  CHECK(READ(scale_pg_get_error, B(0x06, 0x04, 0x0a, 0x01, 'x'), 100, &s, &n) ==
        SCALE_PG_WRONG_KIND);
  CHECK(READ(scale_pg_get_error, B(0x06, 0x05, 0x0a, 0x02, 'x'), 100, &s, &n) == SCALE_PG_END);

  CHECK(READ(scale_pg_get_bool, B(0x07, 0x02), &bv) == SCALE_PG_OK && !bv); /* as upstream */

  /* containers: header kinds must match exactly */
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x05, 0x0a, 0x00), SCALE_PG_U32, 10, &count) ==
        SCALE_PG_BAD_HEADER);
  CHECK(last_pos == 0);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x05, 0x0a, 0x0a, 0x00), SCALE_PG_STRING, SCALE_PG_STRING,
             10, &count) == SCALE_PG_BAD_HEADER);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x0a, 0x0a, 0x0a, 0x00), SCALE_PG_STRING, SCALE_PG_U32, 10,
             &count) == SCALE_PG_BAD_HEADER);
  CHECK(READ(scale_pg_get_slice, B(0x02, 0x05, 0x0a, 0x00), SCALE_PG_STRING, 10, &count) ==
        SCALE_PG_WRONG_KIND);
  /* counts: over the limit, and over what the bytes left could hold */
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x07, 0x0a, 0x02, 0x07, 0x01, 0x07, 0x00), SCALE_PG_BOOL,
             1, &count) == SCALE_PG_TOO_LONG);
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x07, 0x0a, 0x02, 0x07, 0x01, 0x07, 0x00), SCALE_PG_BOOL,
             2, &count) == SCALE_PG_OK &&
        count == 2 && last_pos == 4);
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x07, 0x0a, 0x05, 0x07, 0x01, 0x07, 0x00), SCALE_PG_BOOL,
             1000, &count) == SCALE_PG_END);
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x07, 0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), SCALE_PG_BOOL,
             UINT32_MAX, &count) == SCALE_PG_END);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x07, 0x07, 0x0a, 0x03, 1, 2, 3, 4, 5), SCALE_PG_BOOL,
             SCALE_PG_BOOL, 1000, &count) == SCALE_PG_END);
  /* models (Any) may be empty, so only the caller's limit bounds them */
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x03, 0x0a, 0x80, 0x01), SCALE_PG_ANY, 128, &count) ==
            SCALE_PG_OK &&
        count == 128);
  CHECK(READ(scale_pg_get_slice, B(0x01, 0x03, 0x0a, 0x80, 0x01), SCALE_PG_ANY, 127, &count) ==
        SCALE_PG_TOO_LONG);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x0a, 0x03, 0x0a, 0x02, 0x0a, 0x01, 0x0a, 0x02),
             SCALE_PG_U32, SCALE_PG_ANY, 10, &count) == SCALE_PG_OK);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x0a, 0x03, 0x0a, 0x03, 0x0a, 0x01, 0x0a, 0x02),
             SCALE_PG_U32, SCALE_PG_ANY, 10, &count) == SCALE_PG_OK);
  CHECK(READ(scale_pg_get_map, B(0x02, 0x0a, 0x03, 0x0a, 0x05, 0x0a, 0x01, 0x0a, 0x02),
             SCALE_PG_U32, SCALE_PG_ANY, 10, &count) == SCALE_PG_END);
}

static void test_skip(void) {
  /* nested: Slice<Slice<U32>> = [[1,2],[]], then a trailing nil */
  static const uint8_t nested[] = {0x01, 0x01, 0x0a, 0x02, 0x01, 0x0a, 0x0a, 0x02, 0x0a,
                                   0x01, 0x0a, 0x02, 0x01, 0x0a, 0x0a, 0x00, 0x00};
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, nested, sizeof nested);
  CHECK(scale_pg_skip(&r, 1) == SCALE_PG_TOO_LONG && r.pos == 0);
  CHECK(scale_pg_skip(&r, 2) == SCALE_PG_OK && r.pos == sizeof nested - 1);
  CHECK(scale_pg_skip(&r, 0) == SCALE_PG_OK && r.pos == sizeof nested);
  CHECK(scale_pg_skip(&r, 0) == SCALE_PG_END);

  /* an element of another kind than the header says */
  static const uint8_t mixed[] = {0x01, 0x0a, 0x0a, 0x02, 0x0a, 0x01, 0x09, 0x01};
  scale_pg_reader_init(&r, mixed, sizeof mixed);
  CHECK(scale_pg_skip(&r, 4) == SCALE_PG_BAD_HEADER && r.pos == 0);
  /* untagged models cannot be skipped */
  static const uint8_t models[] = {0x01, 0x03, 0x0a, 0x00};
  scale_pg_reader_init(&r, models, sizeof models);
  CHECK(scale_pg_skip(&r, 4) == SCALE_PG_WRONG_KIND && r.pos == 0);
  static const uint8_t lone_any[] = {0x03}, junk[] = {0x42};
  scale_pg_reader_init(&r, lone_any, 1);
  CHECK(scale_pg_skip(&r, 4) == SCALE_PG_WRONG_KIND);
  scale_pg_reader_init(&r, junk, 1);
  CHECK(scale_pg_skip(&r, 4) == SCALE_PG_WRONG_KIND);
  CHECK(scale_pg_peek(&r) == 0x42);
  scale_pg_reader_init(&r, NULL, 0);
  CHECK(scale_pg_peek(&r) == -1 && !scale_pg_get_nil(&r));
}

static void test_buffer(void) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_u32(&b, 7);
  CHECK(!scale_pg_buf_failed(&b) && b.len == 2);
  /* a value too large for the format fails the buffer without touching the
   * (bogus) pointer, and every later put is ignored */
  if (sizeof(size_t) > 4) {
    scale_pg_put_bytes(&b, (const void *)1, (size_t)UINT32_MAX + 1);
    CHECK(scale_pg_buf_failed(&b) && b.len == 2);
    scale_pg_put_u32(&b, 8);
    scale_pg_put_string(&b, "x", 1);
    scale_pg_put_nil(&b);
    CHECK(scale_pg_buf_failed(&b) && b.len == 2);
    CHECK(!scale_pg_buf_reserve(&b, 1));
  }
  /* reset keeps the memory and clears the failure */
  scale_pg_buf_reset(&b);
  CHECK(!scale_pg_buf_failed(&b) && b.len == 0);
  scale_pg_put_string(&b, "hi", 2);
  CHECK(b.len == 5 && memcmp(b.data, "\x05\x0a\x02hi", 5) == 0);
  CHECK(!scale_pg_buf_reserve(&b, (size_t)-1));
  CHECK(scale_pg_buf_failed(&b));
  scale_pg_buf_free(&b);
  CHECK(b.data == NULL && b.len == 0 && !b.failed);
  /* a large value grows the buffer in one step */
  static uint8_t big[100000];
  scale_pg_put_bytes(&b, big, sizeof big);
  CHECK(!scale_pg_buf_failed(&b) && b.len == sizeof big + 5);
  scale_pg_buf_free(&b);

  CHECK(strcmp(scale_pg_status_text(SCALE_PG_BAD_VARINT), "malformed varint") == 0);
  CHECK(strcmp(scale_pg_kind_name(SCALE_PG_U64), "u64") == 0);
  CHECK(strcmp(scale_pg_kind_name(0x10), "unknown") == 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <dir holding scalars.json>\n", argv[0]);
    return 2;
  }
  test_vectors(argv[1]);
  test_truncations();
  test_wrong_kinds();
  test_varints();
  test_strings_and_limits();
  test_skip();
  test_buffer();
  for (size_t i = 0; i < nvecs; i++)
    free(vecs[i].bytes);
  printf("polyglot codec: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
