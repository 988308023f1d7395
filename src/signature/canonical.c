/*
 * The canonical text of a signature and its SHA-256, as upstream computes
 * them: gohcl.EncodeIntoBody of the normalised schema, written by hclwrite
 * (see the file comment of scale/signature.h for what is known to match).
 * This file must stay a pure function of the schema: the hash is the
 * signature's identity across hosts.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/schema.h"
#include "util/sha256.h"

typedef struct out {
  char *data;
  size_t len, cap;
  bool failed;
} out_t;

static void put(out_t *o, const char *s, size_t n) {
  if (o->failed) return;
  if (o->len + n + 1 > o->cap) {
    size_t ncap = o->cap ? o->cap : 1024;
    while (ncap < o->len + n + 1)
      ncap *= 2;
    char *d = realloc(o->data, ncap);
    if (!d) {
      o->failed = true;
      return;
    }
    o->data = d;
    o->cap = ncap;
  }
  memcpy(o->data + o->len, s, n);
  o->len += n;
  o->data[o->len] = '\0';
}

static void puts_(out_t *o, const char *s) {
  put(o, s, strlen(s));
}

static void indent(out_t *o, int level) {
  for (int i = 0; i < level; i++)
    put(o, "  ", 2);
}

/* A quoted string as hclwrite writes it (escapeQuotedStringLit). */
static void quoted(out_t *o, const char *s, size_t n) {
  put(o, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    char buf[8];
    switch (c) {
    case '\n':
      put(o, "\\n", 2);
      break;
    case '\r':
      put(o, "\\r", 2);
      break;
    case '\t':
      put(o, "\\t", 2);
      break;
    case '"':
      put(o, "\\\"", 2);
      break;
    case '\\':
      put(o, "\\\\", 2);
      break;
    case '$':
    case '%':
      put(o, (const char *)&s[i], 1);
      if (i + 1 < n && s[i + 1] == '{') put(o, (const char *)&s[i], 1);
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        snprintf(buf, sizeof buf, "\\u%04x", c);
        puts_(o, buf);
      } else {
        put(o, (const char *)&s[i], 1);
      }
    }
  }
  put(o, "\"", 1);
}

void scale__sig_format_double(double v, char *buf, size_t size) {
  if (v == 0) {
    snprintf(buf, size, "%s", signbit(v) ? "-0" : "0");
    return;
  }
  if (!isfinite(v)) {
    snprintf(buf, size, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char e[48];
  for (int p = 1; p <= 17; p++) {
    snprintf(e, sizeof e, "%.*e", p - 1, v);
    if (strtod(e, NULL) == v) break;
  }
  bool neg = e[0] == '-';
  const char *q = e + neg;
  char digits[24];
  int nd = 0;
  while (*q && *q != 'e') {
    if (*q >= '0' && *q <= '9' && nd < 20) digits[nd++] = *q;
    q++;
  }
  int exp = *q == 'e' ? atoi(q + 1) : 0;
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  int point = exp + 1; /* digits before the decimal point */
  size_t k = 0;
  char tmp[400];
  if (neg) tmp[k++] = '-';
  if (point <= 0) {
    tmp[k++] = '0';
    tmp[k++] = '.';
    for (int i = 0; i < -point && k < sizeof tmp - 30; i++)
      tmp[k++] = '0';
    for (int i = 0; i < nd; i++)
      tmp[k++] = digits[i];
  } else if (point >= nd) {
    for (int i = 0; i < nd; i++)
      tmp[k++] = digits[i];
    for (int i = nd; i < point && k < sizeof tmp - 2; i++)
      tmp[k++] = '0';
  } else {
    for (int i = 0; i < point; i++)
      tmp[k++] = digits[i];
    tmp[k++] = '.';
    for (int i = point; i < nd; i++)
      tmp[k++] = digits[i];
  }
  tmp[k] = '\0';
  snprintf(buf, size, "%s", tmp);
}

/* Attributes of one block, `=` aligned over the run (hclwrite's cells). */
typedef struct attr {
  const char *name;
  char value[420];
  const char *str; /* when set, value is this string quoted */
  size_t str_len;
} attr_t;

static void attrs_out(out_t *o, int level, const attr_t *a, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    if (strlen(a[i].name) > w) w = strlen(a[i].name);
  for (size_t i = 0; i < n; i++) {
    indent(o, level);
    puts_(o, a[i].name);
    for (size_t k = strlen(a[i].name); k < w; k++)
      put(o, " ", 1);
    put(o, " = ", 3);
    if (a[i].str)
      quoted(o, a[i].str, a[i].str_len);
    else
      puts_(o, a[i].value);
    put(o, "\n", 1);
  }
}

static void set_str(attr_t *a, const char *name, const char *s, size_t n) {
  a->name = name;
  a->str = s;
  a->str_len = n;
}

static void set_num(attr_t *a, const char *name, scale_sigtype_t type, sig_num_t v) {
  a->name = name;
  a->str = NULL;
  switch (type) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    snprintf(a->value, sizeof a->value, "%lld", (long long)v.i);
    break;
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
    snprintf(a->value, sizeof a->value, "%llu", (unsigned long long)v.u);
    break;
  default:
    scale__sig_format_double(v.f, a->value, sizeof a->value);
    break;
  }
}

static void set_u64(attr_t *a, const char *name, uint64_t u) {
  sig_num_t v;
  v.u = u;
  set_num(a, name, SCALE_SIGTYPE_UINT64, v);
}

static void set_bool(attr_t *a, const char *name, bool b) {
  a->name = name;
  a->str = NULL;
  snprintf(a->value, sizeof a->value, "%s", b ? "true" : "false");
}

static void block_open(out_t *o, int level, const char *type, const char *label) {
  indent(o, level);
  puts_(o, type);
  if (label) {
    put(o, " ", 1);
    quoted(o, label, strlen(label));
  }
  put(o, " {\n", 3);
}

static void block_close(out_t *o, int level) {
  indent(o, level);
  put(o, "}\n", 2);
}

static void field_out(out_t *o, const struct scale_signature *sig, const sig_field_t *f) {
  attr_t a[4];
  size_t n = 0;
  memset(a, 0, sizeof a);
  block_open(o, 1, scale__schema_kind_name(f->type, f->shape), f->name);
  /* Attribute order = upstream's struct field order for each kind. */
  if (f->shape == SCALE_SIGSHAPE_SCALAR) {
    switch (f->type) {
    case SCALE_SIGTYPE_STRING:
      set_str(&a[n++], "default", f->def_string, f->def_string_len);
      break;
    case SCALE_SIGTYPE_BOOL:
      set_bool(&a[n++], "default", f->def_bool);
      break;
    case SCALE_SIGTYPE_BYTES:
      set_u64(&a[n++], "initial_size", f->initial_size);
      break;
    case SCALE_SIGTYPE_ENUM: {
      const char *d = sig->enums[f->ref].values[f->def_enum];
      set_str(&a[n++], "default", d, strlen(d));
      set_str(&a[n++], "reference", f->ref_name, strlen(f->ref_name));
      break;
    }
    case SCALE_SIGTYPE_MODEL:
      set_str(&a[n++], "reference", f->ref_name, strlen(f->ref_name));
      break;
    default:
      set_num(&a[n++], "default", f->type, f->def_num);
      break;
    }
  } else {
    if (f->type == SCALE_SIGTYPE_ENUM || f->type == SCALE_SIGTYPE_MODEL)
      set_str(&a[n++], "reference", f->ref_name, strlen(f->ref_name));
    if (f->shape == SCALE_SIGSHAPE_ARRAY)
      set_u64(&a[n++], "initial_size", f->initial_size);
    else
      set_str(&a[n++], "value", f->value_text, strlen(f->value_text));
  }
  set_bool(&a[n++], "accessor", f->accessor);
  attrs_out(o, 2, a, n);

  if (f->has_regex) {
    put(o, "\n", 1);
    block_open(o, 2, "regex_validator", NULL);
    set_str(&a[0], "expression", f->regex_text, strlen(f->regex_text));
    attrs_out(o, 3, a, 1);
    block_close(o, 2);
  }
  if (f->type == SCALE_SIGTYPE_STRING && (f->has_length_min || f->has_length_max)) {
    put(o, "\n", 1);
    block_open(o, 2, "length_validator", NULL);
    n = 0;
    if (f->has_length_min) set_u64(&a[n++], "min", f->length_min);
    if (f->has_length_max) set_u64(&a[n++], "max", f->length_max);
    attrs_out(o, 3, a, n);
    block_close(o, 2);
  }
  if (f->has_case) {
    static const char *const kinds[] = {"none", "upper", "lower"};
    put(o, "\n", 1);
    block_open(o, 2, "case_modifier", NULL);
    set_str(&a[0], "kind", kinds[f->case_kind], strlen(kinds[f->case_kind]));
    attrs_out(o, 3, a, 1);
    block_close(o, 2);
  }
  if (f->has_limit) {
    put(o, "\n", 1);
    block_open(o, 2, "limit_validator", NULL);
    n = 0;
    if (f->has_limit_max) set_num(&a[n++], "max", f->type, f->limit_max);
    if (f->has_limit_min) set_num(&a[n++], "min", f->type, f->limit_min);
    attrs_out(o, 3, a, n);
    block_close(o, 2);
  }
  block_close(o, 1);
}

/* Upstream's ModelSchema struct order of field block types. */
static const scale_sigtype_t canon_types[] = {
    SCALE_SIGTYPE_MODEL,  SCALE_SIGTYPE_STRING,  SCALE_SIGTYPE_BOOL,    SCALE_SIGTYPE_BYTES,
    SCALE_SIGTYPE_ENUM,   SCALE_SIGTYPE_INT32,   SCALE_SIGTYPE_INT64,   SCALE_SIGTYPE_UINT32,
    SCALE_SIGTYPE_UINT64, SCALE_SIGTYPE_FLOAT32, SCALE_SIGTYPE_FLOAT64,
};

static void model_out(out_t *o, const struct scale_signature *sig, const struct scale_sigmodel *m) {
  block_open(o, 0, "model", m->name);
  attr_t a;
  memset(&a, 0, sizeof a);
  set_str(&a, "description", m->description, strlen(m->description));
  attrs_out(o, 1, &a, 1);
  for (size_t t = 0; t < sizeof canon_types / sizeof canon_types[0]; t++) {
    for (int shape = SCALE_SIGSHAPE_SCALAR; shape <= SCALE_SIGSHAPE_MAP; shape++) {
      bool first = true;
      for (size_t i = 0; i < m->field_count; i++) {
        const sig_field_t *f = &m->fields[i];
        if (f->type != canon_types[t] || (int)f->shape != shape) continue;
        if (first) put(o, "\n", 1);
        first = false;
        field_out(o, sig, f);
      }
    }
  }
  block_close(o, 0);
}

bool scale__schema_canonicalize(struct scale_signature *sig) {
  out_t o = {0};
  attr_t a[2];
  memset(a, 0, sizeof a);
  const char *ctx = sig->models[sig->context].name;
  set_str(&a[0], "version", sig->version, strlen(sig->version));
  set_str(&a[1], "context", ctx, strlen(ctx));
  attrs_out(&o, 0, a, 2);
  for (size_t i = 0; i < sig->enum_count; i++) {
    const sig_enum_t *e = &sig->enums[i];
    if (i == 0) put(&o, "\n", 1);
    block_open(&o, 0, "enum", e->name);
    indent(&o, 1);
    puts_(&o, "values = [");
    for (size_t k = 0; k < e->value_count; k++) {
      if (k) put(&o, ", ", 2);
      quoted(&o, e->values[k], strlen(e->values[k]));
    }
    puts_(&o, "]\n");
    block_close(&o, 0);
  }
  for (size_t i = 0; i < sig->model_count; i++) {
    if (i == 0) put(&o, "\n", 1);
    model_out(&o, sig, &sig->models[i]);
  }
  if (o.failed || !o.data) {
    free(o.data);
    return false;
  }
  scale__sha256_hex(o.data, o.len, sig->hash);
  sig->canonical = o.data;
  sig->canonical_len = o.len;
  return true;
}
