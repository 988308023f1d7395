/*
 * Values in the spec JSON: every value is a string holding the unsigned
 * decimal of the bit pattern (floats included), or "nan:canonical",
 * "nan:arithmetic", "null", or an externref number. Comparisons are on bits,
 * never on C float equality, so -0.0 differs from +0.0 and NaN payloads
 * count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spectest.h"

void *spec_externref(uint64_t n) {
  /* Never NULL (NULL is ref.null extern) and the same for the same N. */
  return (void *)(uintptr_t)(n + 1);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out) {
  if (!s || *s < '0' || *s > '9') return false;
  errno = 0;
  char *end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || !end || *end || v > max) return false;
  *out = v;
  return true;
}

static bool kind_from_name(const char *name, scale_valkind_t *out) {
  static const struct {
    const char *name;
    scale_valkind_t kind;
  } kinds[] = {
      {"i32", SCALE_I32},
      {"i64", SCALE_I64},
      {"f32", SCALE_F32},
      {"f64", SCALE_F64},
      {"v128", SCALE_V128},
      {"funcref", SCALE_FUNCREF},
      {"externref", SCALE_EXTERNREF},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (name && strcmp(name, kinds[i].name) == 0) {
      *out = kinds[i].kind;
      return true;
    }
  }
  return false;
}

static const char *json_str(const cJSON *obj, const char *key) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

bool spec_value_parse(const cJSON *json, scale_val_t *out, char *why, size_t why_len) {
  const char *type = json_str(json, "type");
  const char *value = json_str(json, "value");
  scale_valkind_t kind;
  uint64_t bits = 0;

  memset(out, 0, sizeof *out);
  if (!kind_from_name(type, &kind)) {
    snprintf(why, why_len, "unknown argument type '%s'", type ? type : "(none)");
    return false;
  }
  out->kind = kind;
  switch (kind) {
  case SCALE_I32:
  case SCALE_F32:
    if (!parse_u64(value, UINT32_MAX, &bits)) break;
    if (kind == SCALE_I32) {
      out->of.i32 = (int32_t)(uint32_t)bits;
    } else {
      uint32_t b32 = (uint32_t)bits;
      memcpy(&out->of.f32, &b32, sizeof b32);
    }
    return true;
  case SCALE_I64:
  case SCALE_F64:
    if (!parse_u64(value, UINT64_MAX, &bits)) break;
    if (kind == SCALE_I64)
      out->of.i64 = (int64_t)bits;
    else
      memcpy(&out->of.f64, &bits, sizeof bits);
    return true;
  case SCALE_FUNCREF:
    /* Only null funcrefs appear as arguments in the suite. */
    if (value && strcmp(value, "null") == 0) {
      out->of.funcref = NULL;
      return true;
    }
    break;
  case SCALE_EXTERNREF:
    if (value && strcmp(value, "null") == 0) {
      out->of.externref = NULL;
      return true;
    }
    if (!parse_u64(value, UINT32_MAX, &bits)) break;
    out->of.externref = spec_externref(bits);
    return true;
  case SCALE_V128:
    snprintf(why, why_len, "v128 arguments are not supported");
    return false;
  }
  snprintf(why, why_len, "bad %s value '%s'", type, value ? value : "(none)");
  return false;
}

bool spec_value_match(const cJSON *expected, const scale_val_t *got) {
  const char *type = json_str(expected, "type");
  const char *value = json_str(expected, "value");
  scale_valkind_t kind;
  uint64_t want = 0;

  if (!kind_from_name(type, &kind) || kind != got->kind || !value) return false;
  switch (kind) {
  case SCALE_I32:
    return parse_u64(value, UINT32_MAX, &want) && (uint32_t)got->of.i32 == (uint32_t)want;
  case SCALE_I64:
    return parse_u64(value, UINT64_MAX, &want) && (uint64_t)got->of.i64 == want;
  case SCALE_F32: {
    uint32_t b;
    memcpy(&b, &got->of.f32, sizeof b);
    if (strcmp(value, "nan:canonical") == 0) return (b & 0x7fffffffu) == 0x7fc00000u;
    if (strcmp(value, "nan:arithmetic") == 0) return (b & 0x7fc00000u) == 0x7fc00000u;
    return parse_u64(value, UINT32_MAX, &want) && b == (uint32_t)want;
  }
  case SCALE_F64: {
    uint64_t b;
    memcpy(&b, &got->of.f64, sizeof b);
    if (strcmp(value, "nan:canonical") == 0)
      return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull;
    if (strcmp(value, "nan:arithmetic") == 0)
      return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
    return parse_u64(value, UINT64_MAX, &want) && b == want;
  }
  case SCALE_FUNCREF:
    /* The suite only says "null"; anything else means "some function". */
    if (strcmp(value, "null") == 0) return got->of.funcref == NULL;
    return got->of.funcref != NULL;
  case SCALE_EXTERNREF:
    if (strcmp(value, "null") == 0) return got->of.externref == NULL;
    return parse_u64(value, UINT32_MAX, &want) && got->of.externref == spec_externref(want);
  case SCALE_V128:
    return false;
  }
  return false;
}

void spec_value_format(const scale_val_t *val, char *buf, size_t len) {
  switch (val->kind) {
  case SCALE_I32:
    snprintf(buf, len, "i32:%" PRIu32, (uint32_t)val->of.i32);
    return;
  case SCALE_I64:
    snprintf(buf, len, "i64:%" PRIu64, (uint64_t)val->of.i64);
    return;
  case SCALE_F32: {
    uint32_t b;
    memcpy(&b, &val->of.f32, sizeof b);
    snprintf(buf, len, "f32:%" PRIu32 " (%a)", b, (double)val->of.f32);
    return;
  }
  case SCALE_F64: {
    uint64_t b;
    memcpy(&b, &val->of.f64, sizeof b);
    snprintf(buf, len, "f64:%" PRIu64 " (%a)", b, val->of.f64);
    return;
  }
  case SCALE_FUNCREF:
    snprintf(buf, len, "funcref:%s", val->of.funcref ? "func" : "null");
    return;
  case SCALE_EXTERNREF:
    if (!val->of.externref)
      snprintf(buf, len, "externref:null");
    else
      snprintf(buf, len, "externref:%" PRIuPTR, (uintptr_t)val->of.externref - 1);
    return;
  case SCALE_V128:
    snprintf(buf, len, "v128");
    return;
  }
  snprintf(buf, len, "kind(%d)", (int)val->kind);
}

void spec_value_format_json(const cJSON *json, char *buf, size_t len) {
  const char *type = json_str(json, "type");
  const char *value = json_str(json, "value");
  snprintf(buf, len, "%s:%s", type ? type : "?", value ? value : "?");
}
