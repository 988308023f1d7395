/*
 * Values on the command line: parsing --invoke arguments by parameter
 * kind and printing results so they read back exactly.
 *
 * Parsing is strict (the whole string, in range) because a silently
 * truncated argument is worse than an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Split off a sign and a 0x prefix; parse the digits as a u64 magnitude. */
static bool parse_int(const char *text, bool *neg, uint64_t *mag) {
  const char *p = text;
  *neg = false;
  if (*p == '-' || *p == '+') *neg = *p++ == '-';
  int base = 10;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
  }
  /* strtoull would accept its own sign and leading spaces: allow neither. */
  if (!(base == 16 ? (p[0] && strchr("0123456789abcdefABCDEF", p[0]))
                   : (p[0] >= '0' && p[0] <= '9')))
    return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(p, &end, base);
  if (errno == ERANGE || *end != '\0') return false;
  *mag = v;
  return true;
}

static bool parse_float(const char *text, double *d, float *f, bool single) {
  if (!text[0] || text[0] == ' ' || text[0] == '\t' || text[0] == '\n') return false;
  char *end;
  if (single)
    *f = strtof(text, &end);
  else
    *d = strtod(text, &end);
  return *end == '\0';
}

bool scale__cli_parse_val(scale_valkind_t kind, const char *text, scale_val_t *out) {
  bool neg;
  uint64_t mag;
  switch (kind) {
  case SCALE_I32:
    if (!parse_int(text, &neg, &mag)) return false;
    if (neg ? mag > 0x80000000u : mag > 0xffffffffu) return false;
    *out = scale_val_i32((int32_t)(uint32_t)(neg ? 0u - (uint32_t)mag : (uint32_t)mag));
    return true;
  case SCALE_I64:
    if (!parse_int(text, &neg, &mag)) return false;
    if (neg && mag > 0x8000000000000000ull) return false;
    *out = scale_val_i64((int64_t)(neg ? 0u - mag : mag));
    return true;
  case SCALE_F32: {
    float f;
    if (!parse_float(text, NULL, &f, true)) return false;
    *out = scale_val_f32(f);
    return true;
  }
  case SCALE_F64: {
    double d;
    if (!parse_float(text, &d, NULL, false)) return false;
    *out = scale_val_f64(d);
    return true;
  }
  default:
    return false;
  }
}

/* NaN and infinities, spelled as strtod reads them back. */
static bool special(double v, char *buf, size_t cap) {
  if (isnan(v)) {
    snprintf(buf, cap, "%snan", signbit(v) ? "-" : "");
    return true;
  }
  if (isinf(v)) {
    snprintf(buf, cap, "%sinf", v < 0 ? "-" : "");
    return true;
  }
  return false;
}

void scale__cli_format_val(const scale_val_t *v, char *buf, size_t cap) {
  switch (v->kind) {
  case SCALE_I32:
    snprintf(buf, cap, "%" PRId32, v->of.i32);
    return;
  case SCALE_I64:
    snprintf(buf, cap, "%" PRId64, v->of.i64);
    return;
  case SCALE_F32:
    if (special(v->of.f32, buf, cap)) return;
    /* The shortest precision that reads back to the same float. */
    for (int prec = 1; prec <= 9; prec++) {
      snprintf(buf, cap, "%.*g", prec, (double)v->of.f32);
      if (strtof(buf, NULL) == v->of.f32) return;
    }
    return;
  case SCALE_F64:
    if (special(v->of.f64, buf, cap)) return;
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(buf, cap, "%.*g", prec, v->of.f64);
      if (strtod(buf, NULL) == v->of.f64) return;
    }
    return;
  case SCALE_FUNCREF:
    snprintf(buf, cap, "%s", v->of.funcref ? "funcref" : "null");
    return;
  case SCALE_EXTERNREF:
    snprintf(buf, cap, "%s", v->of.externref ? "externref" : "null");
    return;
  default:
    snprintf(buf, cap, "<%s>", scale_valkind_name(v->kind));
    return;
  }
}
