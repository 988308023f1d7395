/*
 * Generated C code against the runtime's table-driven codec.
 *
 * Built twice: with the code generated from the upstream vector schema
 * (-DVECTORS: the .bin files decode and re-encode byte for byte, the
 * all-field-types values are what upstream wrote, setters behave as
 * upstream's) and with the code generated from edge.hcl (C keywords,
 * reference cycles, every map value type, extreme limits). Both builds run
 * the generic part: defaults, random values built with scale_sigvalue_*
 * going through generated decode/encode unchanged, mutated bytes decoded
 * by both sides with the same outcome and the same error text.
 *
 * usage: codegen_test SCHEMA [VECTOR_DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "scale/signature.h"
#include "sig_host.h"
#include "signature/schema.h"

/* ------------------------------------------------------------ helpers */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static uint64_t below(uint64_t n) {
  return n ? rnd() % n : 0;
}

static const sig_model_info_t *info_of(const char *name) {
  for (size_t i = 0; i < SIG_MODEL_COUNT; i++)
    if (strcmp(sig_models[i].name, name) == 0) return &sig_models[i];
  return NULL;
}

/* Runtime messages are cut at 511 characters. */
static bool same_message(const char *runtime, const char *generated) {
  return strncmp(runtime, generated, 511) == 0;
}

/* Encode @p value with the runtime, decode with generated code, encode again: same bytes. */
static bool through_generated(const scale_sigmodel_t *m, const uint8_t *data, size_t len) {
  const sig_model_info_t *info = info_of(scale_sigmodel_name(m));
  if (!info) return false;
  void *v = NULL;
  sig_error_t err;
  if (!info->decode(data, len, &v, &err)) {
    fprintf(stderr, "generated decode of %s failed: %s\n", scale_sigmodel_name(m), err.msg);
    return false;
  }
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  bool ok = v ? info->encode(v, &b) : (scale_pg_put_nil(&b), true);
  ok = ok && b.len == len && (len == 0 || memcmp(b.data, data, len) == 0);
  if (!ok) fprintf(stderr, "generated re-encode of %s differs\n", scale_sigmodel_name(m));
  scale_pg_buf_free(&b);
  info->destroy(v);
  return ok;
}

/* ------------------------------------------------------------ random runtime values */

static const char *const utf8_bits[] = {"a", "Z", "0", "é", "€", "😀", "?", " ", "\"", "x"};

static void rand_text(char *buf, size_t *len, bool alnum) {
  static const char an[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  size_t n = alnum ? 1 + below(20) : below(6), k = 0;
  for (size_t i = 0; i < n; i++) {
    if (alnum) {
      buf[k++] = an[below(sizeof an - 1)];
    } else {
      const char *s = utf8_bits[below(sizeof utf8_bits / sizeof utf8_bits[0])];
      memcpy(buf + k, s, strlen(s));
      k += strlen(s);
    }
  }
  *len = k;
}

static scale_sigvalue_t *rand_value(const scale_sigmodel_t *m, unsigned depth);

/* A random cell of @p t for field @p f (@p key: a map key). Within the field's limits. */
static void rand_cell(const scale_sigmodel_t *m, const sig_field_t *f, scale_sigtype_t t, long ref,
                      bool key, unsigned depth, scale_sigscalar_t *c, char *text) {
  memset(c, 0, sizeof *c);
  c->type = t;
  bool scalar = f->shape == SCALE_SIGSHAPE_SCALAR;
  switch (t) {
  case SCALE_SIGTYPE_STRING:
  case SCALE_SIGTYPE_BYTES: {
    size_t n;
    if (t == SCALE_SIGTYPE_BYTES) {
      n = below(5);
      for (size_t i = 0; i < n; i++)
        text[i] = (char)rnd();
    } else {
      rand_text(text, &n, scalar && (f->has_regex || f->has_length_min));
      if (key) { /* small key space: repeated keys replace */
        n = below(3);
        for (size_t i = 0; i < n; i++)
          text[i] = (char)('a' + below(2));
      }
      if (scalar && f->has_regex) { /* edge.hcl's Leaf.Name wants ^[a-z]*$ */
        for (size_t i = 0; i < n; i++)
          text[i] = (char)('a' + below(26));
      }
    }
    c->as.bytes.data = text;
    c->as.bytes.len = n;
    return;
  }
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64: {
    int64_t v = key ? (int64_t)below(5) - 2 : (int64_t)rnd();
    if (t == SCALE_SIGTYPE_INT32) v = (int32_t)v;
    if (scalar && f->has_limit_min && v < f->limit_min.i) v = f->limit_min.i;
    if (scalar && f->has_limit_max && v > f->limit_max.i) v = f->limit_max.i;
    c->as.i = v;
    return;
  }
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64: {
    uint64_t v = key ? below(5) : rnd();
    if (t == SCALE_SIGTYPE_UINT32) v = (uint32_t)v;
    if (scalar && f->has_limit_min && v < f->limit_min.u) v = f->limit_min.u;
    if (scalar && f->has_limit_max && v > f->limit_max.u) v = f->limit_max.u;
    c->as.u = v;
    return;
  }
  case SCALE_SIGTYPE_FLOAT32:
  case SCALE_SIGTYPE_FLOAT64: {
    static const double specials[] = {0.0, -0.0, 1.5, -2.25, 1e30, INFINITY, -INFINITY, NAN};
    double v = below(3) == 0 ? specials[below(8)] : ((double)(int64_t)rnd()) / 1e9;
    if (t == SCALE_SIGTYPE_FLOAT32) v = (float)v;
    if (scalar && f->has_limit_min && v < f->limit_min.f) v = f->limit_min.f;
    if (scalar && f->has_limit_max && v > f->limit_max.f) v = f->limit_max.f;
    c->as.f = v;
    return;
  }
  case SCALE_SIGTYPE_BOOL:
    c->as.b = below(2);
    return;
  case SCALE_SIGTYPE_ENUM:
    c->as.u = below(m->sig->enums[ref].value_count);
    return;
  case SCALE_SIGTYPE_MODEL:
    /* Never nil in the first wire field: a model starting with 00 reads as a
     * nil model (upstream's format has the same ambiguity). */
    c->as.model = scalar && (below(4) == 0 || depth >= 3) && f != &m->fields[m->wire[0]]
                      ? NULL
                      : rand_value(&m->sig->models[ref], depth + 1);
    return;
  }
}

static scale_sigvalue_t *rand_value(const scale_sigmodel_t *m, unsigned depth) {
  scale_sigvalue_t *v = NULL;
  scale_error_t *e = scale_sigvalue_new(m, &v);
  if (e) {
    fprintf(stderr, "scale_sigvalue_new: %s\n", scale_error_message(e));
    scale_error_delete(e);
    return NULL;
  }
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    char t1[64], t2[64];
    scale_sigscalar_t a, b;
    if (f->shape == SCALE_SIGSHAPE_SCALAR) {
      rand_cell(m, f, f->type, f->ref, false, depth, &a, t1);
      e = scale_sigvalue_set(v, f->name, &a);
      if (e && f->type == SCALE_SIGTYPE_MODEL) scale_sigvalue_delete(a.as.model);
    } else {
      scale_sigtype_t et = f->shape == SCALE_SIGSHAPE_MAP ? f->value_type : f->type;
      size_t n = depth >= 3 && et == SCALE_SIGTYPE_MODEL ? 0 : below(5);
      for (size_t k = 0; k < n && !e; k++) {
        if (f->shape == SCALE_SIGSHAPE_ARRAY) {
          rand_cell(m, f, f->type, f->ref, false, depth, &a, t1);
          e = scale_sigvalue_append(v, f->name, &a);
          if (e && a.type == SCALE_SIGTYPE_MODEL) scale_sigvalue_delete(a.as.model);
        } else {
          rand_cell(m, f, f->type, f->ref, true, depth, &a, t1);
          rand_cell(m, f, f->value_type, f->value_ref, false, depth, &b, t2);
          e = scale_sigvalue_put(v, f->name, &a, &b);
          if (e && b.type == SCALE_SIGTYPE_MODEL) scale_sigvalue_delete(b.as.model);
        }
      }
    }
    if (e) {
      fprintf(stderr, "building %s.%s: %s\n", m->name, f->name, scale_error_message(e));
      scale_error_delete(e);
      failed++;
      e = NULL;
    }
  }
  return v;
}

/* ------------------------------------------------------------ generic checks */

/* Defaults: the generated constructor and scale_sigvalue_new encode alike. */
static void check_defaults(const scale_signature_t *sig) {
  for (size_t i = 0; i < scale_signature_model_count(sig); i++) {
    const scale_sigmodel_t *m = scale_signature_model_at(sig, i);
    const sig_model_info_t *info = info_of(scale_sigmodel_name(m));
    CHECK(info != NULL);
    if (!info) continue;
    scale_sigvalue_t *rv = NULL;
    uint8_t *rb = NULL;
    size_t rlen = 0;
    CHECK(scale_sigvalue_new(m, &rv) == NULL);
    CHECK(scale_signature_encode(m, rv, &rb, &rlen) == NULL);
    void *gv = info->create();
    scale_pg_buf_t b;
    scale_pg_buf_init(&b);
    CHECK(gv && info->encode(gv, &b));
    bool same = b.len == rlen && (rlen == 0 || memcmp(b.data, rb, rlen) == 0);
    if (!same) fprintf(stderr, "defaults of %s differ\n", scale_sigmodel_name(m));
    CHECK(same);
    scale_pg_buf_free(&b);
    info->destroy(gv);
    free(rb);
    scale_sigvalue_delete(rv);
  }
}

/*
 * Known difference: the runtime keeps float32 values as doubles, so a
 * signalling NaN comes back quieted (bit 22 set); generated code keeps the
 * float's bits, as upstream's float32 fields do. True when that is the only
 * difference between @p gen and @p run: every differing byte is the second
 * byte of a big-endian F32 (kind 0e) NaN, and differs by the quiet bit.
 */
static size_t snan_quieted;
static bool only_snan_quieted(const uint8_t *gen, const uint8_t *run, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if (gen[i] == run[i]) continue;
    if (i < 2 || gen[i - 2] != 0x0e || (gen[i - 1] & 0x7f) != 0x7f || !(gen[i] & 0x80) ||
        (gen[i] | 0x40) != run[i])
      return false;
  }
  return true;
}

/* Decode @p data with both codecs: same verdict, same error, same re-encoding. */
static void compare_decode(const scale_sigmodel_t *m, const uint8_t *data, size_t len) {
  const sig_model_info_t *info = info_of(scale_sigmodel_name(m));
  scale_sigvalue_t *rv = NULL;
  bool rguest = false;
  scale_error_t *re = scale_signature_decode(m, data, len, &rv, &rguest);
  void *gv = NULL;
  sig_error_t gerr;
  bool gok = info->decode(data, len, &gv, &gerr);
  CHECK(gok == (re == NULL));
  if (re && !gok) {
    bool same = same_message(scale_error_message(re), gerr.msg) && rguest == gerr.guest;
    if (!same)
      fprintf(stderr, "%s: runtime says \"%s\", generated says \"%s\"\n", scale_sigmodel_name(m),
              scale_error_message(re), gerr.msg);
    CHECK(same);
  } else if (!re && gok) {
    uint8_t *rb = NULL;
    size_t rlen = 0;
    CHECK(scale_signature_encode(m, rv, &rb, &rlen) == NULL);
    scale_pg_buf_t b;
    scale_pg_buf_init(&b);
    if (gv)
      CHECK(info->encode(gv, &b));
    else
      scale_pg_put_nil(&b);
    bool same = b.len == rlen && (rlen == 0 || memcmp(b.data, rb, rlen) == 0);
    if (!same && b.len == rlen && only_snan_quieted(b.data, rb, rlen)) {
      snan_quieted++;
      same = true;
    }
    if (!same && getenv("CODEGEN_DUMP")) {
      for (size_t i = 0; i < rlen || i < b.len; i++)
        if (i >= rlen || i >= b.len || rb[i] != b.data[i])
          fprintf(stderr, "  differ at %zu: runtime %02x generated %02x\n", i, i < rlen ? rb[i] : 0,
                  i < b.len ? b.data[i] : 0);
    }
    CHECK(same);
    scale_pg_buf_free(&b);
    free(rb);
  } else {
    fprintf(stderr, "%s: runtime %s, generated %s (%s)\n", scale_sigmodel_name(m),
            re ? scale_error_message(re) : "ok", gok ? "ok" : "failed", gok ? "" : gerr.msg);
  }
  scale_error_delete(re);
  scale_sigvalue_delete(rv);
  info->destroy(gv);
}

static void check_random(const scale_signature_t *sig, int rounds) {
  size_t mutations = 0;
  for (int r = 0; r < rounds; r++) {
    for (size_t i = 0; i < scale_signature_model_count(sig); i++) {
      const scale_sigmodel_t *m = scale_signature_model_at(sig, i);
      scale_sigvalue_t *v = rand_value(m, 0);
      CHECK(v != NULL);
      uint8_t *data = NULL;
      size_t len = 0;
      scale_error_t *e = scale_signature_encode(m, v, &data, &len);
      CHECK(e == NULL);
      scale_error_delete(e);
      CHECK(through_generated(m, data, len));
      /* Damaged copies: flip, truncate, insert, a guest error or nil in front. */
      uint8_t *mut = malloc(len + 16);
      for (int k = 0; k < 8 && mut; k++) {
        size_t n = len;
        memcpy(mut, data ? data : (const uint8_t *)"", len);
        switch (below(5)) {
        case 0:
          if (n) mut[below(n)] ^= (uint8_t)(1u << below(8));
          break;
        case 1:
          n = below(n + 1);
          break;
        case 2: {
          size_t at = below(n + 1);
          memmove(mut + at + 1, mut + at, n - at);
          mut[at] = (uint8_t)below(16);
          n++;
          break;
        }
        case 3:
          if (n) mut[below(n)] = (uint8_t)rnd();
          break;
        default:
          memmove(mut + 3, mut, n);
          mut[0] = below(2) ? 0x06 : 0x00;
          mut[1] = 0x05, mut[2] = 0x0a;
          n += 3;
          break;
        }
        compare_decode(m, mut, n);
        mutations++;
      }
      free(mut);
      free(data);
      scale_sigvalue_delete(v);
    }
  }
  printf("random: %d rounds over %zu models, %zu damaged inputs compared (%zu float32 "
         "signalling NaNs quieted by the runtime only)\n",
         rounds, scale_signature_model_count(sig), mutations, snan_quieted);
}

/* ------------------------------------------------------------ vector schema */

#ifdef VECTORS
static const char *const vector_files[] = {
    "nil_model",
    "empty_model",
    "empty_model_with_description",
    "model_with_single_string_field",
    "model_with_single_string_field_and_description",
    "model_with_single_int32_field",
    "model_with_single_int32_field_and_description",
    "model_with_multiple_fields",
    "model_with_multiple_fields_and_description",
    "model_with_enum",
    "model_with_enum_and_description",
    "model_with_enum_accessor",
    "model_with_enum_accessor_and_description",
    "model_with_multiple_fields_accessor",
    "model_with_multiple_fields_accessor_and_description",
    "model_with_embedded_models",
    "model_with_embedded_models_and_description",
    "model_with_embedded_models_accessor",
    "model_with_embedded_models_accessor_and_description",
    "model_with_all_field_types",
};

/* file stem -> model name: snake_case to TitleCase; nil_model is a nil EmptyModel */
static void model_of(const char *stem, char *out) {
  if (strcmp(stem, "nil_model") == 0) stem = "empty_model";
  size_t k = 0;
  bool up = true;
  for (const char *s = stem; *s; s++) {
    if (*s == '_') {
      up = true;
      continue;
    }
    out[k++] = up && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
    up = false;
  }
  out[k] = '\0';
}

static bool str_is(const sig_str_t *s, const char *want) {
  return s->len == strlen(want) && (s->len == 0 || memcmp(s->data, want, s->len) == 0);
}

static void check_vectors(const scale_signature_t *sig, const char *dir) {
  for (size_t i = 0; i < sizeof vector_files / sizeof vector_files[0]; i++) {
    char name[128], model[128];
    snprintf(name, sizeof name, "%s.bin", vector_files[i]);
    model_of(vector_files[i], model);
    size_t len;
    uint8_t *data = check_read_file(dir, name, &len);
    const scale_sigmodel_t *m = scale_signature_model(sig, model);
    CHECK(m != NULL);
    if (m) {
      CHECK(through_generated(m, data, len));
      compare_decode(m, data, len);
    }
    free(data);
  }
}

static void check_all_field_types(const char *dir) {
  size_t len;
  uint8_t *data = check_read_file(dir, "model_with_all_field_types.bin", &len);
  sig_model_with_all_field_types_t *v = NULL;
  sig_error_t err;
  CHECK(sig_model_with_all_field_types_decode_bytes(data, len, &v, &err));
  free(data);
  if (!v) return;
  CHECK(str_is(&v->string_field, "hello world"));
  CHECK(v->string_array_field.count == 2 && str_is(&v->string_array_field.items[0], "hello") &&
        str_is(&v->string_array_field.items[1], "world"));
  CHECK(v->string_map_field.count == 1 && str_is(&v->string_map_field.keys[0], "hello") &&
        str_is(&v->string_map_field.values[0], "world"));
  CHECK(v->string_map_field_embedded.count == 1 &&
        str_is(&v->string_map_field_embedded.keys[0], "hello") &&
        v->string_map_field_embedded.values[0] != NULL);
  CHECK(v->int32_field == 42);
  CHECK(v->int32_array_field.count == 2 && v->int32_array_field.items[0] == 42 &&
        v->int32_array_field.items[1] == 84);
  CHECK(v->int32_map_field.count == 1 && v->int32_map_field.keys[0] == 42 &&
        v->int32_map_field.values[0] == 84);
  CHECK(v->int32_map_field_embedded.count == 1 && v->int32_map_field_embedded.keys[0] == 42);
  CHECK(v->int64_field == 100);
  CHECK(v->int64_array_field.count == 2 && v->int64_array_field.items[1] == 200);
  CHECK(v->int64_map_field.count == 1 && v->int64_map_field.keys[0] == 100 &&
        v->int64_map_field.values[0] == 200);
  CHECK(v->int64_map_field_embedded.count == 1 && v->int64_map_field_embedded.keys[0] == 100);
  CHECK(v->uint32_field == 42);
  CHECK(v->uint32_array_field.count == 2 && v->uint32_array_field.items[1] == 84);
  CHECK(v->uint32_map_field.count == 1 && v->uint32_map_field.values[0] == 84);
  CHECK(v->uint32_map_field_embedded.count == 1 && v->uint32_map_field_embedded.keys[0] == 42);
  CHECK(v->uint64_field == 100);
  CHECK(v->uint64_array_field.count == 2 && v->uint64_array_field.items[1] == 200);
  CHECK(v->uint64_map_field.count == 1 && v->uint64_map_field.values[0] == 200);
  CHECK(v->uint64_map_field_embedded.count == 1 && v->uint64_map_field_embedded.keys[0] == 100);
  CHECK(v->float32_field == 42.0f);
  CHECK(v->float32_array_field.count == 2 && v->float32_array_field.items[0] == 42.0f &&
        v->float32_array_field.items[1] == 84.0f);
  CHECK(v->float64_field == 100.0);
  CHECK(v->float64_array_field.count == 2 && v->float64_array_field.items[1] == 200.0);
  CHECK(v->bool_field == false);
  CHECK(v->bool_array_field.count == 2 && v->bool_array_field.items[0] &&
        !v->bool_array_field.items[1]);
  CHECK(v->bytes_field.len == 2 && v->bytes_field.data[0] == 0x2a &&
        v->bytes_field.data[1] == 0x54);
  CHECK(v->bytes_array_field.count == 2 && v->bytes_array_field.items[1].data[0] == 0x54);
  CHECK(v->enum_field == SIG_GENERIC_ENUM_SECOND_VALUE);
  CHECK(v->enum_array_field.count == 2 &&
        v->enum_array_field.items[0] == SIG_GENERIC_ENUM_FIRST_VALUE &&
        v->enum_array_field.items[1] == SIG_GENERIC_ENUM_SECOND_VALUE);
  CHECK(v->enum_map_field.count == 1 && v->enum_map_field.keys[0] == SIG_GENERIC_ENUM_FIRST_VALUE &&
        str_is(&v->enum_map_field.values[0], "hello world"));
  CHECK(v->enum_map_field_embedded.count == 1);
  CHECK(v->model_field != NULL);
  CHECK(v->model_array_field.count == 2);
  sig_model_with_all_field_types_free(v);

  /* Defaults, as upstream's constructor sets them. */
  v = sig_model_with_all_field_types_new();
  CHECK(v && str_is(&v->string_field, "DefaultValue") && v->int32_field == 32 &&
        v->int64_field == 64 && v->uint32_field == 32 && v->uint64_field == 64 &&
        v->float32_field == 32.32f && v->float64_field == 64.64 && v->bool_field &&
        v->bytes_field.len == 0 && v->enum_field == SIG_GENERIC_ENUM_DEFAULT_VALUE &&
        v->model_field != NULL && v->model_array_field.count == 0);
  sig_model_with_all_field_types_free(v);
}

/* Values built through generated helpers: runtime decode + encode gives the same bytes. */
static void check_generated_side(const scale_signature_t *sig, int rounds) {
  const scale_sigmodel_t *m = scale_signature_model(sig, "ModelWithAllFieldTypes");
  for (int r = 0; r < rounds; r++) {
    sig_model_with_all_field_types_t *v = sig_model_with_all_field_types_new();
    sig_error_t err;
    char t[64];
    size_t n;
    for (size_t k = below(4); k > 0; k--) {
      rand_text(t, &n, false);
      CHECK(sig_model_with_all_field_types_string_array_field_append(v, t, n, &err));
      const char *key = below(2) ? "k" : "kk";
      CHECK(sig_model_with_all_field_types_string_map_field_put(v, key, strlen(key), t, n, &err));
      CHECK(sig_model_with_all_field_types_string_map_field_embedded_put(
          v, key, below(2), sig_empty_model_new(), &err));
      int32_t i32 = (int32_t)rnd();
      CHECK(sig_model_with_all_field_types_int32_array_field_append(v, i32, &err));
      CHECK(sig_model_with_all_field_types_int32_map_field_put(v, i32 % 3, i32, &err));
      CHECK(sig_model_with_all_field_types_int32_map_field_embedded_put(
          v, i32 % 3, sig_empty_model_new(), &err));
      int64_t i64 = (int64_t)rnd();
      CHECK(sig_model_with_all_field_types_int64_array_field_append(v, i64, &err));
      CHECK(sig_model_with_all_field_types_int64_map_field_put(v, i64 % 3, i64, &err));
      CHECK(sig_model_with_all_field_types_uint32_array_field_append(v, (uint32_t)rnd(), &err));
      CHECK(sig_model_with_all_field_types_uint32_map_field_put(v, (uint32_t)below(3), 7, &err));
      CHECK(sig_model_with_all_field_types_uint64_array_field_append(v, rnd(), &err));
      CHECK(sig_model_with_all_field_types_uint64_map_field_put(v, below(3), rnd(), &err));
      CHECK(sig_model_with_all_field_types_uint64_map_field_embedded_put(
          v, below(3), sig_empty_model_new(), &err));
      CHECK(
          sig_model_with_all_field_types_float32_array_field_append(v, (float)rnd() / 3.0f, &err));
      CHECK(
          sig_model_with_all_field_types_float64_array_field_append(v, (double)rnd() / 7.0, &err));
      CHECK(sig_model_with_all_field_types_bool_array_field_append(v, below(2), &err));
      CHECK(sig_model_with_all_field_types_bytes_array_field_append(v, t, n, &err));
      CHECK(sig_model_with_all_field_types_enum_array_field_append(
          v, (sig_generic_enum_t)below(SIG_GENERIC_ENUM_COUNT), &err));
      CHECK(sig_model_with_all_field_types_enum_map_field_put(
          v, (sig_generic_enum_t)below(SIG_GENERIC_ENUM_COUNT), t, n, &err));
      CHECK(
          sig_model_with_all_field_types_model_array_field_append(v, sig_empty_model_new(), &err));
    }
    v->int32_field = (int32_t)rnd();
    v->float32_field = (float)rnd();
    v->bool_field = below(2);
    scale_pg_buf_t b;
    scale_pg_buf_init(&b);
    CHECK(sig_model_with_all_field_types_encode(v, &b));
    scale_sigvalue_t *rv = NULL;
    scale_error_t *e = scale_signature_decode(m, b.data, b.len, &rv, NULL);
    CHECK(e == NULL);
    if (e) fprintf(stderr, "runtime decode: %s\n", scale_error_message(e));
    scale_error_delete(e);
    uint8_t *rb = NULL;
    size_t rlen = 0;
    CHECK(scale_signature_encode(m, rv, &rb, &rlen) == NULL);
    CHECK(rlen == b.len && memcmp(rb, b.data, rlen) == 0);
    free(rb);
    scale_sigvalue_delete(rv);
    scale_pg_buf_free(&b);
    sig_model_with_all_field_types_free(v);
  }
}

/* Setters against the runtime's: same verdicts, same messages, same stored value. */
static void check_setters(const scale_signature_t *sig) {
  const scale_sigmodel_t *m = scale_signature_model(sig, "ModelWithMultipleFieldsAccessor");
  scale_sigvalue_t *rv = NULL;
  CHECK(scale_sigvalue_new(m, &rv) == NULL);
  sig_model_with_multiple_fields_accessor_t *v = sig_model_with_multiple_fields_accessor_new();
  static const char *const tries[] = {"hello world", "", "hello", "ABCDEFGHIJKLMNOPQRSTU", "\xff"};
  for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
    scale_sigscalar_t s = {.type = SCALE_SIGTYPE_STRING};
    s.as.bytes.data = tries[i];
    s.as.bytes.len = strlen(tries[i]);
    scale_error_t *e = scale_sigvalue_set(rv, "StringField", &s);
    sig_error_t err;
    bool ok = sig_model_with_multiple_fields_accessor_set_string_field(v, tries[i],
                                                                       strlen(tries[i]), &err);
    CHECK(ok == (e == NULL));
    if (e && !ok) CHECK(same_message(scale_error_message(e), err.msg));
    scale_error_delete(e);
  }
  size_t n;
  const char *got = sig_model_with_multiple_fields_accessor_get_string_field(v, &n);
  CHECK(n == 5 && memcmp(got, "HELLO", 5) == 0);
  static const int32_t ints[] = {-1, 101, 42};
  for (size_t i = 0; i < 3; i++) {
    scale_sigscalar_t s = {.type = SCALE_SIGTYPE_INT32, .as.i = ints[i]};
    scale_error_t *e = scale_sigvalue_set(rv, "Int32Field", &s);
    sig_error_t err;
    bool ok = sig_model_with_multiple_fields_accessor_set_int32_field(v, ints[i], &err);
    CHECK(ok == (e == NULL));
    if (e && !ok) CHECK(same_message(scale_error_message(e), err.msg));
    scale_error_delete(e);
  }
  CHECK(sig_model_with_multiple_fields_accessor_get_int32_field(v) == 42);
  /* What upstream wrote into model_with_multiple_fields_accessor.bin. */
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  CHECK(sig_model_with_multiple_fields_accessor_encode(v, &b));
  static const uint8_t want[] = {0x05, 0x0a, 0x05, 'H', 'E', 'L', 'L', 'O', 0x0c, 0x54};
  CHECK(b.len == sizeof want && memcmp(b.data, want, sizeof want) == 0);
  scale_pg_buf_free(&b);
  /* Enum setter range check. */
  sig_model_with_enum_accessor_t *ev = sig_model_with_enum_accessor_new();
  sig_error_t err;
  CHECK(sig_model_with_enum_accessor_set_enum_field(ev, SIG_GENERIC_ENUM_SECOND_VALUE, &err));
  CHECK(!sig_model_with_enum_accessor_set_enum_field(ev, (sig_generic_enum_t)3, &err));
  CHECK(strcmp(err.msg, "ModelWithEnumAccessor.EnumField: invalid enum value 3 (enum GenericEnum "
                        "has 3 values)") == 0);
  CHECK(sig_model_with_enum_accessor_get_enum_field(ev) == SIG_GENERIC_ENUM_SECOND_VALUE);
  sig_model_with_enum_accessor_free(ev);
  sig_model_with_multiple_fields_accessor_free(v);
  scale_sigvalue_delete(rv);
  /* A guest Error value instead of a model. */
  static const uint8_t guest[] = {0x06, 0x05, 0x0a, 0x03, 'b', 'a', 'd'};
  sig_model_with_enum_t *g = NULL;
  CHECK(!sig_model_with_enum_decode_bytes(guest, sizeof guest, &g, &err));
  CHECK(err.guest && strcmp(err.msg, "bad") == 0);
}
#endif

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: codegen_test SCHEMA [VECTOR_DIR]\n");
    return 2;
  }
  scale_signature_t *sig = NULL;
  scale_error_t *e = scale_signature_load(argv[1], &sig);
  if (e) {
    fprintf(stderr, "%s\n", scale_error_message(e));
    return 2;
  }
  CHECK(strcmp(scale_signature_hash(sig), SIG_SIGNATURE_HASH) == 0);
  CHECK(SIG_MODEL_COUNT == scale_signature_model_count(sig));
  check_defaults(sig);
#ifdef VECTORS
  if (argc < 3) {
    fprintf(stderr, "usage: codegen_test SCHEMA VECTOR_DIR\n");
    return 2;
  }
  check_vectors(sig, argv[2]);
  check_all_field_types(argv[2]);
  check_setters(sig);
  check_generated_side(sig, 200);
#endif
  check_random(sig, 150);
  scale_signature_delete(sig);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
