/*
 * The C side of the Polyglot interop test with the upstream TypeScript
 * package (interop.mjs drives it):
 *   polyglot_interop gen <seed> <count> <stream.bin> <values.txt>
 *       write <count> random top-level values (seeded) as one Polyglot
 *       stream, and the values themselves as text;
 *   polyglot_interop check <stream.bin> <values.txt>
 *       decode a stream written by the other side, compare every value
 *       with the text, and re-encode each one: the bytes must be the same.
 *
 * Text format, one decode operation per line (containers are a header line
 * followed by their elements' lines):
 *   nil | bool 0|1 | u8/u16/u32/u64/i32/i64 <decimal> | f32 <8 hex bits> |
 *   f64 <16 hex bits> | string/bytes/error <hex of the bytes, maybe empty> |
 *   slice <elem kind> <count> | map <key kind> <value kind> <count>
 */
#include "scale/polyglot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
  int kind;
  uint64_t u; /* unsigned values, float bits, bool, count */
  int64_t i;
  int k1, k2; /* container element / key / value kinds */
  uint8_t bytes[512];
  size_t n;
} line_t;

/* ------------------------------------------------------------- random */

static uint64_t rng;
static uint64_t next(void) { /* splitmix64 */
  uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static uint64_t below(uint64_t n) {
  return next() % n;
}

/* Random integer of `bits` width, biased toward the edges. */
static uint64_t rand_bits(unsigned bits) {
  uint64_t mask = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
  switch (below(6)) {
  case 0:
    return below(3); /* 0, 1, 2 */
  case 1:
    return mask - below(3); /* max, max-1, ... */
  case 2:
    return (1ull << below(bits)) - below(2); /* around powers of two */
  case 3:
    return next() & mask & ((1ull << below(bits)) | ((1ull << below(bits)) - 1));
  default:
    return next() & mask;
  }
}

static size_t utf8_put(uint8_t *p, uint32_t c) {
  if (c < 0x80) {
    p[0] = (uint8_t)c;
    return 1;
  }
  if (c < 0x800) {
    p[0] = (uint8_t)(0xc0 | (c >> 6));
    p[1] = (uint8_t)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    p[0] = (uint8_t)(0xe0 | (c >> 12));
    p[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
    p[2] = (uint8_t)(0x80 | (c & 0x3f));
    return 3;
  }
  p[0] = (uint8_t)(0xf0 | (c >> 18));
  p[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
  p[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
  p[3] = (uint8_t)(0x80 | (c & 0x3f));
  return 4;
}

static void rand_text(line_t *l) {
  size_t count = below(41);
  l->n = 0;
  for (size_t i = 0; i < count; i++) {
    uint32_t c;
    uint64_t r = below(20);
    if (r < 12)
      c = (uint32_t)below(0x80);
    else if (r < 15)
      c = 0x80 + (uint32_t)below(0x800 - 0x80);
    else if (r < 18)
      c = 0x800 + (uint32_t)below(0x10000 - 0x800);
    else
      c = 0x10000 + (uint32_t)below(0x110000 - 0x10000);
    /* no surrogates; no U+FEFF, which TextDecoder drops at the start */
    if ((c >= 0xd800 && c <= 0xdfff) || c == 0xfeff) c = 'x';
    l->n += utf8_put(l->bytes + l->n, c);
  }
}

static uint64_t rand_float_bits(unsigned bits) {
  uint64_t b = bits == 32 ? (uint32_t)next() : next();
  if (below(8) == 0) b = bits == 32 ? 0x80000000u : 0x8000000000000000ull; /* -0 */
  /* NaN payloads do not survive a JS number; use the canonical NaN */
  if (bits == 32 && (b & 0x7f800000u) == 0x7f800000u && (b & 0x7fffffu)) b = 0x7fc00000u;
  if (bits == 64 && (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
      (b & 0xfffffffffffffull))
    b = 0x7ff8000000000000ull;
  return b;
}

static const int scalar_kinds[] = {SCALE_PG_NIL,  SCALE_PG_BOOL, SCALE_PG_U8,     SCALE_PG_U16,
                                   SCALE_PG_U32,  SCALE_PG_U64,  SCALE_PG_I32,    SCALE_PG_I64,
                                   SCALE_PG_F32,  SCALE_PG_F64,  SCALE_PG_STRING, SCALE_PG_BYTES,
                                   SCALE_PG_ERROR};
#define NSCALAR (sizeof scalar_kinds / sizeof scalar_kinds[0])

static FILE *text_out;
static scale_pg_buf_t stream;

static void put_line(scale_pg_buf_t *b, const line_t *l);
static void print_line(FILE *f, const line_t *l);

static void emit(int kind, unsigned depth);

static int rand_kind(unsigned depth) {
  if (depth < 2 && below(8) == 0) return below(2) ? SCALE_PG_SLICE : SCALE_PG_MAP;
  return scalar_kinds[below(NSCALAR)];
}

/* One value of `kind` (its header and elements for containers). */
static void emit(int kind, unsigned depth) {
  line_t l;
  memset(&l, 0, sizeof l);
  l.kind = kind;
  switch (kind) {
  case SCALE_PG_BOOL:
    l.u = below(2);
    break;
  case SCALE_PG_U8:
    l.u = rand_bits(8);
    break;
  /* the TypeScript decoder (2.0.5) misreads 3-byte u16 varints (>= 2^14):
   * it masks the middle byte wrongly. Its encoder is right, so the node
   * side still sends the full range for C to decode. */
  case SCALE_PG_U16:
    l.u = rand_bits(14);
    break;
  case SCALE_PG_U32:
    l.u = rand_bits(32);
    break;
  case SCALE_PG_U64:
    l.u = rand_bits(64);
    break;
  case SCALE_PG_I32:
    l.i = (int32_t)(uint32_t)rand_bits(32);
    break;
  case SCALE_PG_I64:
    l.i = (int64_t)rand_bits(64);
    break;
  case SCALE_PG_F32:
    l.u = rand_float_bits(32);
    break;
  case SCALE_PG_F64:
    l.u = rand_float_bits(64);
    break;
  case SCALE_PG_STRING:
  case SCALE_PG_ERROR:
    rand_text(&l);
    break;
  case SCALE_PG_BYTES:
    l.n = below(65);
    for (size_t i = 0; i < l.n; i++)
      l.bytes[i] = (uint8_t)next();
    break;
  case SCALE_PG_SLICE:
    l.k1 = rand_kind(depth + 1);
    l.u = below(9);
    break;
  case SCALE_PG_MAP:
    l.k1 = rand_kind(2); /* keys: any scalar kind */
    l.k2 = rand_kind(depth + 1);
    l.u = below(6);
    break;
  }
  put_line(&stream, &l);
  print_line(text_out, &l);
  for (uint64_t i = 0; kind == SCALE_PG_SLICE && i < l.u; i++)
    emit(l.k1, depth + 1);
  for (uint64_t i = 0; kind == SCALE_PG_MAP && i < l.u; i++) {
    emit(l.k1, depth + 1);
    emit(l.k2, depth + 1);
  }
}

/* ------------------------------------------------------------- text I/O */

static void print_line(FILE *f, const line_t *l) {
  const char *name = scale_pg_kind_name((uint8_t)l->kind);
  switch (l->kind) {
  case SCALE_PG_NIL:
    fprintf(f, "nil\n");
    break;
  case SCALE_PG_BOOL:
  case SCALE_PG_U8:
  case SCALE_PG_U16:
  case SCALE_PG_U32:
  case SCALE_PG_U64:
    fprintf(f, "%s %" PRIu64 "\n", name, l->u);
    break;
  case SCALE_PG_I32:
  case SCALE_PG_I64:
    fprintf(f, "%s %" PRId64 "\n", name, l->i);
    break;
  case SCALE_PG_F32:
    fprintf(f, "f32 %08" PRIx64 "\n", l->u);
    break;
  case SCALE_PG_F64:
    fprintf(f, "f64 %016" PRIx64 "\n", l->u);
    break;
  case SCALE_PG_STRING:
  case SCALE_PG_BYTES:
  case SCALE_PG_ERROR:
    fprintf(f, "%s ", name);
    for (size_t i = 0; i < l->n; i++)
      fprintf(f, "%02x", l->bytes[i]);
    fprintf(f, "\n");
    break;
  case SCALE_PG_SLICE:
    fprintf(f, "slice %d %" PRIu64 "\n", l->k1, l->u);
    break;
  case SCALE_PG_MAP:
    fprintf(f, "map %d %d %" PRIu64 "\n", l->k1, l->k2, l->u);
    break;
  }
}

static int kind_by_name(const char *s) {
  for (int k = 0; k <= SCALE_PG_F64; k++)
    if (strcmp(s, scale_pg_kind_name((uint8_t)k)) == 0) return k;
  return -1;
}

static int parse_line(char *s, line_t *l) {
  memset(l, 0, sizeof *l);
  s[strcspn(s, "\r\n")] = 0;
  char *arg = strchr(s, ' ');
  if (arg) *arg++ = 0;
  l->kind = kind_by_name(s);
  switch (l->kind) {
  case SCALE_PG_NIL:
    return 0;
  case SCALE_PG_BOOL:
  case SCALE_PG_U8:
  case SCALE_PG_U16:
  case SCALE_PG_U32:
  case SCALE_PG_U64:
    return arg ? (l->u = strtoull(arg, NULL, 10), 0) : -1;
  case SCALE_PG_I32:
  case SCALE_PG_I64:
    return arg ? (l->i = strtoll(arg, NULL, 10), 0) : -1;
  case SCALE_PG_F32:
  case SCALE_PG_F64:
    return arg ? (l->u = strtoull(arg, NULL, 16), 0) : -1;
  case SCALE_PG_STRING:
  case SCALE_PG_BYTES:
  case SCALE_PG_ERROR: {
    size_t n = arg ? strlen(arg) : 0;
    if (n % 2 || n / 2 > sizeof l->bytes) return -1;
    for (size_t i = 0; i < n / 2; i++) {
      unsigned v;
      if (sscanf(arg + 2 * i, "%2x", &v) != 1) return -1;
      l->bytes[i] = (uint8_t)v;
    }
    l->n = n / 2;
    return 0;
  }
  case SCALE_PG_SLICE:
    return arg && sscanf(arg, "%d %" SCNu64, &l->k1, &l->u) == 2 ? 0 : -1;
  case SCALE_PG_MAP:
    return arg && sscanf(arg, "%d %d %" SCNu64, &l->k1, &l->k2, &l->u) == 3 ? 0 : -1;
  }
  return -1;
}

/* ------------------------------------------------------- encode / check */

static void put_line(scale_pg_buf_t *b, const line_t *l) {
  union {
    uint32_t u;
    float f;
  } f32 = {.u = (uint32_t)l->u};
  union {
    uint64_t u;
    double f;
  } f64 = {.u = l->u};
  switch (l->kind) {
  case SCALE_PG_NIL:
    scale_pg_put_nil(b);
    break;
  case SCALE_PG_BOOL:
    scale_pg_put_bool(b, l->u != 0);
    break;
  case SCALE_PG_U8:
    scale_pg_put_u8(b, (uint8_t)l->u);
    break;
  case SCALE_PG_U16:
    scale_pg_put_u16(b, (uint16_t)l->u);
    break;
  case SCALE_PG_U32:
    scale_pg_put_u32(b, (uint32_t)l->u);
    break;
  case SCALE_PG_U64:
    scale_pg_put_u64(b, l->u);
    break;
  case SCALE_PG_I32:
    scale_pg_put_i32(b, (int32_t)l->i);
    break;
  case SCALE_PG_I64:
    scale_pg_put_i64(b, l->i);
    break;
  case SCALE_PG_F32:
    scale_pg_put_f32(b, f32.f);
    break;
  case SCALE_PG_F64:
    scale_pg_put_f64(b, f64.f);
    break;
  case SCALE_PG_STRING:
    scale_pg_put_string(b, (const char *)l->bytes, l->n);
    break;
  case SCALE_PG_BYTES:
    scale_pg_put_bytes(b, l->bytes, l->n);
    break;
  case SCALE_PG_ERROR:
    scale_pg_put_error(b, (const char *)l->bytes, l->n);
    break;
  case SCALE_PG_SLICE:
    scale_pg_put_slice(b, (scale_pg_kind_t)l->k1, (uint32_t)l->u);
    break;
  case SCALE_PG_MAP:
    scale_pg_put_map(b, (scale_pg_kind_t)l->k1, (scale_pg_kind_t)l->k2, (uint32_t)l->u);
    break;
  }
}

/* Decode the value `l` describes; 0 when it is there and equal. */
static int check_line(scale_pg_reader_t *r, const line_t *l) {
  scale_pg_status_t st = SCALE_PG_OK;
  uint64_t u = 0;
  int64_t i = 0;
  const char *s = NULL;
  const uint8_t *p = NULL;
  size_t n = 0;
  switch (l->kind) {
  case SCALE_PG_NIL:
    st = scale_pg_get_nil(r) ? SCALE_PG_OK : SCALE_PG_WRONG_KIND;
    break;
  case SCALE_PG_BOOL: {
    bool v = false;
    st = scale_pg_get_bool(r, &v);
    u = v;
    break;
  }
  case SCALE_PG_U8: {
    uint8_t v = 0;
    st = scale_pg_get_u8(r, &v);
    u = v;
    break;
  }
  case SCALE_PG_U16: {
    uint16_t v = 0;
    st = scale_pg_get_u16(r, &v);
    u = v;
    break;
  }
  case SCALE_PG_U32: {
    uint32_t v = 0;
    st = scale_pg_get_u32(r, &v);
    u = v;
    break;
  }
  case SCALE_PG_U64:
    st = scale_pg_get_u64(r, &u);
    break;
  case SCALE_PG_I32: {
    int32_t v = 0;
    st = scale_pg_get_i32(r, &v);
    i = v;
    break;
  }
  case SCALE_PG_I64:
    st = scale_pg_get_i64(r, &i);
    break;
  case SCALE_PG_F32: {
    union {
      float f;
      uint32_t u;
    } v = {0};
    st = scale_pg_get_f32(r, &v.f);
    u = v.u;
    break;
  }
  case SCALE_PG_F64: {
    union {
      double f;
      uint64_t u;
    } v = {0};
    st = scale_pg_get_f64(r, &v.f);
    u = v.u;
    break;
  }
  case SCALE_PG_STRING:
    st = scale_pg_get_string(r, 4096, &s, &n);
    break;
  case SCALE_PG_ERROR:
    st = scale_pg_get_error(r, 4096, &s, &n);
    break;
  case SCALE_PG_BYTES:
    st = scale_pg_get_bytes(r, 4096, &p, &n);
    break;
  case SCALE_PG_SLICE: {
    uint32_t c = 0;
    st = scale_pg_get_slice(r, (scale_pg_kind_t)l->k1, 1000, &c);
    u = c;
    break;
  }
  case SCALE_PG_MAP: {
    uint32_t c = 0;
    st = scale_pg_get_map(r, (scale_pg_kind_t)l->k1, (scale_pg_kind_t)l->k2, 1000, &c);
    u = c;
    break;
  }
  default:
    return -1;
  }
  if (st != SCALE_PG_OK) {
    fprintf(stderr, "decode failed: %s\n", scale_pg_status_text(st));
    return -1;
  }
  if (s) p = (const uint8_t *)s;
  switch (l->kind) {
  case SCALE_PG_I32:
  case SCALE_PG_I64:
    return i == l->i ? 0 : -1;
  case SCALE_PG_STRING:
  case SCALE_PG_BYTES:
  case SCALE_PG_ERROR:
    return n == l->n && (n == 0 || memcmp(p, l->bytes, n) == 0) ? 0 : -1;
  case SCALE_PG_NIL:
    return 0;
  default:
    return u == l->u ? 0 : -1;
  }
}

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", path);
    exit(2);
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *p = malloc(cap);
  size_t got;
  while ((got = fread(p + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) p = realloc(p, cap *= 2);
  }
  fclose(f);
  *len = n;
  return p;
}

static int check(const char *stream_path, const char *values_path) {
  size_t len;
  uint8_t *data = read_all(stream_path, &len);
  FILE *f = fopen(values_path, "r");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", values_path);
    return 2;
  }
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, data, len);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  char *text = NULL;
  size_t cap = 0;
  unsigned long lineno = 0, bad = 0;
  while (getline(&text, &cap, f) > 0) {
    lineno++;
    line_t l;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", text);
    if (parse_line(text, &l) != 0) {
      fprintf(stderr, "%s:%lu: cannot parse: %s", values_path, lineno, copy);
      bad++;
      break;
    }
    size_t start = r.pos;
    if (check_line(&r, &l) != 0) {
      fprintf(stderr, "%s:%lu: stream offset %zu does not hold %s", values_path, lineno, start,
              copy);
      bad++;
      break;
    }
    scale_pg_buf_reset(&b);
    put_line(&b, &l);
    if (b.len != r.pos - start || memcmp(b.data, data + start, b.len) != 0) {
      fprintf(stderr, "%s:%lu: C encodes %s differently from the stream", values_path, lineno,
              copy);
      bad++;
    }
  }
  if (!bad && scale_pg_remaining(&r)) {
    fprintf(stderr, "%zu bytes left in the stream after %lu values\n", scale_pg_remaining(&r),
            lineno);
    bad++;
  }
  printf("C checked %lu values from '%s': %s\n", lineno, stream_path, bad ? "FAILED" : "ok");
  free(text);
  fclose(f);
  free(data);
  scale_pg_buf_free(&b);
  return bad ? 1 : 0;
}

static int gen(uint64_t seed, unsigned long count, const char *stream_path,
               const char *values_path) {
  rng = seed;
  text_out = fopen(values_path, "w");
  if (!text_out) {
    fprintf(stderr, "cannot create '%s'\n", values_path);
    return 2;
  }
  scale_pg_buf_init(&stream);
  for (unsigned long i = 0; i < count; i++)
    emit(rand_kind(0), 0);
  FILE *f = fopen(stream_path, "wb");
  if (!f || scale_pg_buf_failed(&stream) || fwrite(stream.data, 1, stream.len, f) != stream.len) {
    fprintf(stderr, "cannot write '%s'\n", stream_path);
    return 2;
  }
  fclose(f);
  fclose(text_out);
  printf("C wrote %lu top-level values (%zu bytes), seed %" PRIu64 "\n", count, stream.len, seed);
  scale_pg_buf_free(&stream);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "gen") == 0)
    return gen(strtoull(argv[2], NULL, 10), strtoul(argv[3], NULL, 10), argv[4], argv[5]);
  if (argc == 4 && strcmp(argv[1], "check") == 0) return check(argv[2], argv[3]);
  fprintf(stderr, "usage: %s gen <seed> <count> <stream> <values> | check <stream> <values>\n",
          argv[0]);
  return 2;
}
