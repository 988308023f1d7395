/*
 * Gives the HCL tree its meaning: checks every block and attribute against
 * the signature language (the same rules upstream's Validate applies, plus
 * the additions listed in scale/signature.h) and builds the resolved
 * schema of schema.h. Every message carries the source position of what
 * was wrong. It must never accept a schema the codec cannot handle.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/limits.h"
#include "signature/schema.h"
#include "signature/syntax.h"

typedef struct ctx {
  const char *file;
  char *err;
  size_t err_size;
  bool failed;
  struct scale_signature *sig;
} ctx_t;

static void fail(ctx_t *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(ctx_t *c, int line, int col, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = true;
  int n = snprintf(c->err, c->err_size, "%s:%d:%d: ", c->file, line, col);
  if (n < 0 || (size_t)n >= c->err_size) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
  va_end(ap);
}

static char *xstrdup(ctx_t *c, const char *s) {
  char *d = strdup(s);
  if (!d) fail(c, 0, 0, "out of memory");
  return d;
}

/* ------------------------------------------------------------ names */

static const char *const type_names[] = {
    [SCALE_SIGTYPE_STRING] = "string",   [SCALE_SIGTYPE_INT32] = "int32",
    [SCALE_SIGTYPE_INT64] = "int64",     [SCALE_SIGTYPE_UINT32] = "uint32",
    [SCALE_SIGTYPE_UINT64] = "uint64",   [SCALE_SIGTYPE_FLOAT32] = "float32",
    [SCALE_SIGTYPE_FLOAT64] = "float64", [SCALE_SIGTYPE_BOOL] = "bool",
    [SCALE_SIGTYPE_BYTES] = "bytes",     [SCALE_SIGTYPE_ENUM] = "enum",
    [SCALE_SIGTYPE_MODEL] = "model",
};

const char *scale__schema_type_name(scale_sigtype_t type) {
  if (type >= SCALE_SIGTYPE_STRING && type <= SCALE_SIGTYPE_MODEL) return type_names[type];
  return "?";
}

const char *scale__schema_kind_name(scale_sigtype_t type, scale_sigshape_t shape) {
  static const char *const arrays[] = {
      [SCALE_SIGTYPE_STRING] = "string_array",   [SCALE_SIGTYPE_INT32] = "int32_array",
      [SCALE_SIGTYPE_INT64] = "int64_array",     [SCALE_SIGTYPE_UINT32] = "uint32_array",
      [SCALE_SIGTYPE_UINT64] = "uint64_array",   [SCALE_SIGTYPE_FLOAT32] = "float32_array",
      [SCALE_SIGTYPE_FLOAT64] = "float64_array", [SCALE_SIGTYPE_BOOL] = "bool_array",
      [SCALE_SIGTYPE_BYTES] = "bytes_array",     [SCALE_SIGTYPE_ENUM] = "enum_array",
      [SCALE_SIGTYPE_MODEL] = "model_array",
  };
  static const char *const maps[] = {
      [SCALE_SIGTYPE_STRING] = "string_map",   [SCALE_SIGTYPE_INT32] = "int32_map",
      [SCALE_SIGTYPE_INT64] = "int64_map",     [SCALE_SIGTYPE_UINT32] = "uint32_map",
      [SCALE_SIGTYPE_UINT64] = "uint64_map",   [SCALE_SIGTYPE_FLOAT32] = "float32_map",
      [SCALE_SIGTYPE_FLOAT64] = "float64_map", [SCALE_SIGTYPE_BOOL] = "bool_map",
      [SCALE_SIGTYPE_BYTES] = "bytes_map",     [SCALE_SIGTYPE_ENUM] = "enum_map",
      [SCALE_SIGTYPE_MODEL] = "model_map",
  };
  if (type < SCALE_SIGTYPE_STRING || type > SCALE_SIGTYPE_MODEL) return "?";
  switch (shape) {
  case SCALE_SIGSHAPE_SCALAR:
    return type_names[type];
  case SCALE_SIGSHAPE_ARRAY:
    return arrays[type];
  case SCALE_SIGSHAPE_MAP:
    return maps[type];
  }
  return "?";
}

/* Field kind from a block type; false when it is not one. Maps exist only
 * for string, the four integer types and enum. */
static bool parse_kind(const char *s, scale_sigtype_t *type, scale_sigshape_t *shape) {
  for (int t = SCALE_SIGTYPE_STRING; t <= SCALE_SIGTYPE_MODEL; t++) {
    size_t n = strlen(type_names[t]);
    if (strncmp(s, type_names[t], n) != 0) continue;
    const char *rest = s + n;
    if (*rest == '\0') {
      *shape = SCALE_SIGSHAPE_SCALAR;
    } else if (strcmp(rest, "_array") == 0) {
      *shape = SCALE_SIGSHAPE_ARRAY;
    } else if (strcmp(rest, "_map") == 0) {
      if (t == SCALE_SIGTYPE_FLOAT32 || t == SCALE_SIGTYPE_FLOAT64 || t == SCALE_SIGTYPE_BOOL ||
          t == SCALE_SIGTYPE_BYTES || t == SCALE_SIGTYPE_MODEL)
        return false;
      *shape = SCALE_SIGSHAPE_MAP;
    } else {
      continue;
    }
    *type = (scale_sigtype_t)t;
    return true;
  }
  return false;
}

/* Primitive types a map `value` may name. */
static bool primitive_type(const char *s, scale_sigtype_t *type) {
  for (int t = SCALE_SIGTYPE_STRING; t <= SCALE_SIGTYPE_BYTES; t++) {
    if (strcmp(s, type_names[t]) == 0) {
      *type = (scale_sigtype_t)t;
      return true;
    }
  }
  return false;
}

/* Upstream's TitleCase (cases.Title with NoLower) on the names the
 * language allows: the first letter goes upper case, the rest is kept. */
static void title_case(char *s) {
  if (s[0] >= 'a' && s[0] <= 'z') s[0] = (char)(s[0] - 'a' + 'A');
}

static bool valid_label(const char *s) {
  if (!*s) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80) return false;
  return true;
}

int scale__schema_wire_group(const sig_field_t *f) {
  switch (f->type) {
  case SCALE_SIGTYPE_MODEL:
    return f->shape == SCALE_SIGSHAPE_SCALAR ? 1 : 2;
  case SCALE_SIGTYPE_STRING:
    return 3;
  case SCALE_SIGTYPE_INT32:
    return 4;
  case SCALE_SIGTYPE_INT64:
    return 5;
  case SCALE_SIGTYPE_UINT32:
    return 6;
  case SCALE_SIGTYPE_UINT64:
    return 7;
  case SCALE_SIGTYPE_FLOAT32:
    return 8;
  case SCALE_SIGTYPE_FLOAT64:
    return 9;
  case SCALE_SIGTYPE_ENUM:
    return 10;
  case SCALE_SIGTYPE_BYTES:
    return 11;
  case SCALE_SIGTYPE_BOOL:
    return 12;
  }
  return 13;
}

long scale__schema_find_model(const struct scale_signature *sig, const char *name) {
  for (size_t i = 0; i < sig->model_count; i++)
    if (sig->models[i].name && strcmp(sig->models[i].name, name) == 0) return (long)i;
  return -1;
}

long scale__schema_find_enum(const struct scale_signature *sig, const char *name) {
  for (size_t i = 0; i < sig->enum_count; i++)
    if (sig->enums[i].name && strcmp(sig->enums[i].name, name) == 0) return (long)i;
  return -1;
}

/* ------------------------------------------------------------ values */

static const char *value_desc(const sx_value_t *v) {
  switch (v->kind) {
  case SX_STRING:
    return "a string";
  case SX_NUMBER:
    return "a number";
  case SX_BOOL:
    return "a bool";
  case SX_LIST:
    return "a list";
  }
  return "a value";
}

static bool want_string(ctx_t *c, const sx_attr_t *a) {
  if (a->value.kind == SX_STRING) return true;
  fail(c, a->value.line, a->value.col, "\"%s\" must be a string, not %s", a->name,
       value_desc(&a->value));
  return false;
}

static bool want_bool(ctx_t *c, const sx_attr_t *a, bool *out) {
  if (a->value.kind != SX_BOOL) {
    fail(c, a->value.line, a->value.col, "\"%s\" must be true or false, not %s", a->name,
         value_desc(&a->value));
    return false;
  }
  *out = a->value.b;
  return true;
}

/* A number literal as the given type. Integers must be whole and in range;
 * float32 is rounded once from the decimal text (strtof), as upstream's
 * big.Float -> float32 conversion does. */
static bool want_number(ctx_t *c, const sx_attr_t *a, scale_sigtype_t type, sig_num_t *out) {
  const sx_value_t *v = &a->value;
  if (v->kind != SX_NUMBER) {
    fail(c, v->line, v->col, "\"%s\" must be a number, not %s", a->name, value_desc(v));
    return false;
  }
  const char *s = v->text;
  bool plain = true;
  for (const char *q = s + (s[0] == '-'); *q; q++)
    if (*q < '0' || *q > '9') plain = false;
  errno = 0;
  char *end;
  switch (type) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64: {
    long long x;
    if (plain) {
      x = strtoll(s, &end, 10);
      if (errno == ERANGE) goto range;
    } else {
      double d = strtod(s, &end);
      if (d != floor(d)) goto whole;
      if (!(fabs(d) <= 9007199254740992.0)) goto range;
      x = (long long)d;
    }
    if (type == SCALE_SIGTYPE_INT32 && (x < INT32_MIN || x > INT32_MAX)) goto range;
    out->i = x;
    return true;
  }
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64: {
    unsigned long long x;
    if (s[0] == '-') {
      /* -0 is zero; anything else negative is out of range. */
      double d = strtod(s, &end);
      if (d != 0) goto range;
      out->u = 0;
      return true;
    }
    if (plain) {
      x = strtoull(s, &end, 10);
      if (errno == ERANGE) goto range;
    } else {
      double d = strtod(s, &end);
      if (d != floor(d)) goto whole;
      if (!(d <= 9007199254740992.0)) goto range;
      x = (unsigned long long)d;
    }
    if (type == SCALE_SIGTYPE_UINT32 && x > UINT32_MAX) goto range;
    out->u = x;
    return true;
  }
  case SCALE_SIGTYPE_FLOAT32: {
    float f = strtof(s, &end);
    if (isinf(f)) goto range;
    out->f = f;
    return true;
  }
  case SCALE_SIGTYPE_FLOAT64: {
    double d = strtod(s, &end);
    if (isinf(d)) goto range;
    out->f = d;
    return true;
  }
  default:
    break;
  }
  fail(c, v->line, v->col, "\"%s\" cannot be a number here", a->name);
  return false;
whole:
  fail(c, v->line, v->col, "\"%s\" must be a whole number for %s, not %s", a->name,
       scale__schema_type_name(type), s);
  return false;
range:
  fail(c, v->line, v->col, "\"%s\" value %s is out of range for %s", a->name, s,
       scale__schema_type_name(type));
  return false;
}

/* ------------------------------------------------------------ attribute sets */

/* The attributes a block may have; `required` ones must be present. */
typedef struct attr_spec {
  const char *name;
  bool required;
} attr_spec_t;

/* Check a body's attributes against @p spec (no unknown, no duplicate, all
 * required present) and fill @p found[i] with the attribute for spec[i]. */
static bool check_attrs(ctx_t *c, const sx_block_t *b, const char *what, const attr_spec_t *spec,
                        size_t nspec, const sx_attr_t **found) {
  for (size_t i = 0; i < nspec; i++)
    found[i] = NULL;
  for (size_t k = 0; k < b->body.attr_count; k++) {
    const sx_attr_t *a = &b->body.attrs[k];
    size_t i;
    for (i = 0; i < nspec; i++)
      if (strcmp(a->name, spec[i].name) == 0) break;
    if (i == nspec) {
      fail(c, a->line, a->col, "unknown attribute \"%s\" in %s", a->name, what);
      return false;
    }
    if (found[i]) {
      fail(c, a->line, a->col, "duplicate attribute \"%s\" in %s (first set at line %d)", a->name,
           what, found[i]->line);
      return false;
    }
    found[i] = a;
  }
  for (size_t i = 0; i < nspec; i++) {
    if (spec[i].required && !found[i]) {
      fail(c, b->line, b->col, "missing required attribute \"%s\" in %s", spec[i].name, what);
      return false;
    }
  }
  return true;
}

static bool no_label(ctx_t *c, const sx_block_t *b) {
  if (!b->label) return true;
  fail(c, b->label_line, b->label_col, "a %s block takes no label", b->type);
  return false;
}

/* A block's single label, normalised and checked. */
static char *name_label(ctx_t *c, const sx_block_t *b, const char *what) {
  if (!b->label) {
    fail(c, b->line, b->col, "%s needs a name label (e.g. %s MyName { ... })", what, b->type);
    return NULL;
  }
  char *s = xstrdup(c, b->label);
  if (!s) return NULL;
  title_case(s);
  if (!valid_label(s)) {
    fail(c, b->label_line, b->label_col,
         "invalid %s name \"%s\": names must be letters and digits only", what, b->label);
    free(s);
    return NULL;
  }
  return s;
}

/* ------------------------------------------------------------ validators */

static bool build_validators(ctx_t *c, sig_field_t *f, const sx_block_t *fb, const char *mname) {
  bool is_string = f->type == SCALE_SIGTYPE_STRING;
  bool is_number = f->type >= SCALE_SIGTYPE_INT32 && f->type <= SCALE_SIGTYPE_FLOAT64;
  const sx_block_t *seen[3] = {NULL, NULL, NULL};
  for (size_t k = 0; k < fb->body.block_count; k++) {
    const sx_block_t *vb = &fb->body.blocks[k];
    int which;
    if (strcmp(vb->type, "regex_validator") == 0)
      which = 0;
    else if (strcmp(vb->type, "length_validator") == 0)
      which = 1;
    else if (strcmp(vb->type, "case_modifier") == 0)
      which = 2;
    else if (strcmp(vb->type, "limit_validator") == 0)
      which = 3;
    else {
      fail(c, vb->line, vb->col, "unknown block \"%s\" in %s \"%s\"", vb->type,
           scale__schema_kind_name(f->type, f->shape), f->name);
      return false;
    }
    bool ok = which == 3 ? is_number : is_string;
    if (!ok || f->shape != SCALE_SIGSHAPE_SCALAR) {
      fail(c, vb->line, vb->col, "%s is not allowed on %s field %s.%s%s", vb->type,
           scale__schema_kind_name(f->type, f->shape), mname, f->name,
           f->shape != SCALE_SIGSHAPE_SCALAR && ok ? " (validators apply to scalar fields only)"
                                                   : "");
      return false;
    }
    if (!no_label(c, vb)) return false;
    int slot = which == 3 ? 0 : which;
    if (seen[slot]) {
      fail(c, vb->line, vb->col, "duplicate %s block in %s.%s", vb->type, mname, f->name);
      return false;
    }
    seen[slot] = vb;
    if (vb->body.block_count) {
      const sx_block_t *inner = &vb->body.blocks[0];
      fail(c, inner->line, inner->col, "unknown block \"%s\" in %s", inner->type, vb->type);
      return false;
    }
    if (which == 0) {
      static const attr_spec_t spec[] = {{"expression", true}};
      const sx_attr_t *a[1];
      if (!check_attrs(c, vb, "regex_validator", spec, 1, a) || !want_string(c, a[0])) return false;
      if (strlen(a[0]->value.text) != a[0]->value.len) {
        fail(c, a[0]->value.line, a[0]->value.col, "regex expression contains a NUL character");
        return false;
      }
      int rc = regcomp(&f->regex, a[0]->value.text, REG_EXTENDED | REG_NOSUB);
      if (rc != 0) {
        char msg[128];
        regerror(rc, &f->regex, msg, sizeof msg);
        fail(c, a[0]->value.line, a[0]->value.col,
             "invalid regex_validator expression for %s.%s: %s (POSIX extended syntax)", mname,
             f->name, msg);
        return false;
      }
      f->has_regex = true;
      f->regex_text = xstrdup(c, a[0]->value.text);
      if (!f->regex_text) return false;
    } else if (which == 1) {
      static const attr_spec_t spec[] = {{"min", false}, {"max", false}};
      const sx_attr_t *a[2];
      if (!check_attrs(c, vb, "length_validator", spec, 2, a)) return false;
      sig_num_t n;
      if (a[0]) {
        if (!want_number(c, a[0], SCALE_SIGTYPE_UINT64, &n)) return false;
        f->has_length_min = true;
        f->length_min = n.u;
      }
      if (a[1]) {
        if (!want_number(c, a[1], SCALE_SIGTYPE_UINT64, &n)) return false;
        f->has_length_max = true;
        f->length_max = n.u;
        if (n.u == 0) {
          fail(c, a[1]->value.line, a[1]->value.col,
               "invalid %s.%s.length_validator: maximum length cannot be zero", mname, f->name);
          return false;
        }
        if (f->has_length_min && f->length_min > f->length_max) {
          fail(c, vb->line, vb->col,
               "invalid %s.%s.length_validator: minimum length cannot be greater than maximum",
               mname, f->name);
          return false;
        }
      }
    } else if (which == 2) {
      static const attr_spec_t spec[] = {{"kind", true}};
      const sx_attr_t *a[1];
      if (!check_attrs(c, vb, "case_modifier", spec, 1, a) || !want_string(c, a[0])) return false;
      const char *kind = a[0]->value.text;
      if (strcmp(kind, "upper") == 0)
        f->case_kind = SIG_CASE_UPPER;
      else if (strcmp(kind, "lower") == 0)
        f->case_kind = SIG_CASE_LOWER;
      else if (strcmp(kind, "none") == 0)
        f->case_kind = SIG_CASE_NONE;
      else {
        fail(c, a[0]->value.line, a[0]->value.col,
             "invalid %s.%s.case_modifier: kind must be \"upper\", \"lower\" or \"none\"", mname,
             f->name);
        return false;
      }
      f->has_case = true;
    } else {
      static const attr_spec_t spec[] = {{"min", false}, {"max", false}};
      const sx_attr_t *a[2];
      if (!check_attrs(c, vb, "limit_validator", spec, 2, a)) return false;
      f->has_limit = true;
      if (a[0]) {
        if (!want_number(c, a[0], f->type, &f->limit_min)) return false;
        f->has_limit_min = true;
      }
      if (a[1]) {
        if (!want_number(c, a[1], f->type, &f->limit_max)) return false;
        f->has_limit_max = true;
      }
      if (f->has_limit_min && f->has_limit_max) {
        bool bad;
        switch (f->type) {
        case SCALE_SIGTYPE_INT32:
        case SCALE_SIGTYPE_INT64:
          bad = f->limit_min.i > f->limit_max.i;
          break;
        case SCALE_SIGTYPE_UINT32:
        case SCALE_SIGTYPE_UINT64:
          bad = f->limit_min.u > f->limit_max.u;
          break;
        default:
          bad = f->limit_min.f > f->limit_max.f;
          break;
        }
        if (bad) {
          fail(c, vb->line, vb->col,
               "invalid %s.%s.limit_validator: minimum cannot be greater than maximum", mname,
               f->name);
          return false;
        }
      }
    }
  }
  return true;
}

/* ------------------------------------------------------------ fields */

/* Pass 1: kinds, names, attributes and validators; references are
 * resolved in pass 2 once every model and enum is known. */
static bool build_field(ctx_t *c, sig_field_t *f, const sx_block_t *fb, const char *mname,
                        const sx_attr_t **ref_attr, const sx_attr_t **default_attr) {
  f->line = fb->line;
  f->col = fb->col;
  f->ref = -1;
  f->value_ref = -1;
  if (!parse_kind(fb->type, &f->type, &f->shape)) {
    fail(c, fb->line, fb->col, "unknown field kind \"%s\" in model %s", fb->type, mname);
    return false;
  }
  const char *kind = scale__schema_kind_name(f->type, f->shape);
  f->name = name_label(c, fb, "field");
  if (!f->name) return false;

  /* Which attributes this kind takes (upstream marks them required or
   * optional the same way). */
  attr_spec_t spec[4];
  size_t n = 0;
  bool has_ref = f->type == SCALE_SIGTYPE_ENUM || f->type == SCALE_SIGTYPE_MODEL;
  bool has_default = f->shape == SCALE_SIGSHAPE_SCALAR && f->type != SCALE_SIGTYPE_BYTES &&
                     f->type != SCALE_SIGTYPE_MODEL;
  bool has_initial = f->shape == SCALE_SIGSHAPE_ARRAY ||
                     (f->shape == SCALE_SIGSHAPE_SCALAR && f->type == SCALE_SIGTYPE_BYTES);
  bool has_value = f->shape == SCALE_SIGSHAPE_MAP;
  int i_default = -1, i_ref = -1, i_initial = -1, i_value = -1, i_accessor;
  if (has_default) i_default = (int)n, spec[n++] = (attr_spec_t){"default", true};
  if (has_ref) i_ref = (int)n, spec[n++] = (attr_spec_t){"reference", true};
  if (has_initial) i_initial = (int)n, spec[n++] = (attr_spec_t){"initial_size", true};
  if (has_value) i_value = (int)n, spec[n++] = (attr_spec_t){"value", true};
  i_accessor = (int)n;
  spec[n++] = (attr_spec_t){"accessor", false};
  char what[96 + SIG_MAX_IDENT];
  snprintf(what, sizeof what, "%s field %s.%s", kind, mname, f->name);
  const sx_attr_t *a[4];
  if (!check_attrs(c, fb, what, spec, n, a)) return false;

  if (i_ref >= 0) {
    if (!want_string(c, a[i_ref])) return false;
    *ref_attr = a[i_ref];
  }
  if (i_initial >= 0) {
    sig_num_t v;
    if (!want_number(c, a[i_initial], SCALE_SIGTYPE_UINT32, &v)) return false;
    f->initial_size = (uint32_t)v.u;
  }
  if (i_value >= 0) {
    if (!want_string(c, a[i_value])) return false;
    f->value_text = xstrdup(c, a[i_value]->value.text);
    if (!f->value_text) return false;
  }
  if (a[i_accessor]) {
    if (!want_bool(c, a[i_accessor], &f->accessor)) return false;
    f->accessor_explicit = true;
  }
  if (i_default >= 0) {
    const sx_attr_t *d = a[i_default];
    f->has_default = true;
    switch (f->type) {
    case SCALE_SIGTYPE_STRING:
      if (!want_string(c, d)) return false;
      f->def_string = malloc(d->value.len + 1);
      if (!f->def_string) {
        fail(c, d->line, d->col, "out of memory");
        return false;
      }
      memcpy(f->def_string, d->value.text, d->value.len + 1);
      f->def_string_len = d->value.len;
      break;
    case SCALE_SIGTYPE_BOOL:
      if (!want_bool(c, d, &f->def_bool)) return false;
      break;
    case SCALE_SIGTYPE_ENUM:
      if (!want_string(c, d)) return false;
      *default_attr = d; /* checked against the values in pass 2 */
      break;
    default:
      if (!want_number(c, d, f->type, &f->def_num)) return false;
      break;
    }
  }
  if (!build_validators(c, f, fb, mname)) return false;
  bool any = f->has_regex || f->has_length_min || f->has_length_max || f->has_limit || f->has_case;
  /* An empty validator block still counts as a validator, as upstream. */
  any = any || fb->body.block_count > 0;
  if (f->accessor_explicit && !f->accessor && any) {
    fail(c, a[i_accessor]->value.line, a[i_accessor]->value.col,
         "invalid %s.%s.accessor: cannot be false while using validators or modifiers", mname,
         f->name);
    return false;
  }
  if (!f->accessor_explicit) f->accessor = any;
  if (f->has_regex && f->has_default && f->type == SCALE_SIGTYPE_STRING &&
      regexec(&f->regex, f->def_string, 0, NULL, 0) != 0) {
    fail(c, a[i_default]->value.line, a[i_default]->value.col,
         "invalid %s.%s.default: \"%s\" does not match the regex_validator expression", mname,
         f->name, f->def_string);
    return false;
  }
  return true;
}

/* ------------------------------------------------------------ release */

static void field_release(sig_field_t *f) {
  free(f->name);
  free(f->value_text);
  free(f->def_string);
  free(f->regex_text);
  if (f->has_regex) regfree(&f->regex);
  free((char *)f->ref_name);
}

void scale__schema_free(struct scale_signature *sig) {
  if (!sig) return;
  for (size_t i = 0; i < sig->enum_count; i++) {
    free(sig->enums[i].name);
    for (size_t k = 0; k < sig->enums[i].value_count; k++)
      free(sig->enums[i].values[k]);
    free(sig->enums[i].values);
  }
  free(sig->enums);
  for (size_t i = 0; i < sig->model_count; i++) {
    struct scale_sigmodel *m = &sig->models[i];
    for (size_t k = 0; k < m->field_count; k++)
      field_release(&m->fields[k]);
    free(m->fields);
    free(m->wire);
    free(m->name);
    free(m->description);
  }
  free(sig->models);
  free(sig->version);
  free(sig->canonical);
  free(sig);
}

/* ------------------------------------------------------------ top level */

static bool build_enum(ctx_t *c, sig_enum_t *e, const sx_block_t *b) {
  e->name = name_label(c, b, "enum");
  if (!e->name) return false;
  static const attr_spec_t spec[] = {{"values", true}};
  const sx_attr_t *a[1];
  char what[64 + SIG_MAX_IDENT];
  snprintf(what, sizeof what, "enum %s", e->name);
  if (!check_attrs(c, b, what, spec, 1, a)) return false;
  if (b->body.block_count) {
    fail(c, b->body.blocks[0].line, b->body.blocks[0].col, "unknown block \"%s\" in enum %s",
         b->body.blocks[0].type, e->name);
    return false;
  }
  const sx_value_t *v = &a[0]->value;
  if (v->kind != SX_LIST) {
    fail(c, v->line, v->col, "\"values\" of enum %s must be a list of strings, not %s", e->name,
         value_desc(v));
    return false;
  }
  e->values = calloc(v->count ? v->count : 1, sizeof *e->values);
  if (!e->values) {
    fail(c, v->line, v->col, "out of memory");
    return false;
  }
  for (size_t i = 0; i < v->count; i++) {
    const sx_value_t *it = &v->items[i];
    if (it->kind != SX_STRING) {
      fail(c, it->line, it->col, "enum %s values must be strings, not %s", e->name, value_desc(it));
      return false;
    }
    if (!valid_label(it->text)) {
      fail(c, it->line, it->col,
           "invalid value \"%s\" in enum %s: values must be letters and digits only", it->text,
           e->name);
      return false;
    }
    for (size_t k = 0; k < i; k++) {
      if (strcmp(e->values[k], it->text) == 0) {
        fail(c, it->line, it->col, "duplicate value in %s: %s", e->name, it->text);
        return false;
      }
    }
    e->values[i] = xstrdup(c, it->text);
    if (!e->values[i]) return false;
    e->value_count++;
  }
  return true;
}

static bool build_model(ctx_t *c, struct scale_sigmodel *m, const sx_block_t *b,
                        const sx_attr_t ***refs, const sx_attr_t ***defaults) {
  m->line = b->line;
  m->col = b->col;
  m->name = name_label(c, b, "model");
  if (!m->name) return false;
  static const attr_spec_t spec[] = {{"description", false}};
  const sx_attr_t *a[1];
  char what[64 + SIG_MAX_IDENT];
  snprintf(what, sizeof what, "model %s", m->name);
  if (!check_attrs(c, b, what, spec, 1, a)) return false;
  if (a[0] && !want_string(c, a[0])) return false;
  m->description = xstrdup(c, a[0] ? a[0]->value.text : "");
  if (!m->description) return false;
  if (b->body.block_count > SIG_MAX_FIELDS) {
    fail(c, b->line, b->col, "model %s has more than %u fields", m->name, SIG_MAX_FIELDS);
    return false;
  }
  size_t n = b->body.block_count;
  m->fields = calloc(n ? n : 1, sizeof *m->fields);
  m->wire = calloc(n ? n : 1, sizeof *m->wire);
  *refs = calloc(n ? n : 1, sizeof **refs);
  *defaults = calloc(n ? n : 1, sizeof **defaults);
  if (!m->fields || !m->wire || !*refs || !*defaults) {
    fail(c, b->line, b->col, "out of memory");
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    sig_field_t *f = &m->fields[i];
    m->field_count++;
    if (!build_field(c, f, &b->body.blocks[i], m->name, &(*refs)[i], &(*defaults)[i])) return false;
    for (size_t k = 0; k < i; k++) {
      if (strcmp(m->fields[k].name, f->name) == 0) {
        fail(c, b->body.blocks[i].label_line, b->body.blocks[i].label_col,
             "duplicate field name %s.%s (first declared at line %d)", m->name, f->name,
             m->fields[k].line);
        return false;
      }
    }
  }
  return true;
}

/* Pass 2 for one field: references, map values, enum default. */
static bool resolve_field(ctx_t *c, struct scale_sigmodel *m, sig_field_t *f, const sx_attr_t *ref,
                          const sx_attr_t *def) {
  struct scale_signature *sig = c->sig;
  if (ref) {
    char *name = xstrdup(c, ref->value.text);
    if (!name) return false;
    title_case(name);
    f->ref_name = name;
    f->ref = f->type == SCALE_SIGTYPE_ENUM ? scale__schema_find_enum(sig, name)
                                           : scale__schema_find_model(sig, name);
    if (f->ref < 0) {
      fail(c, ref->value.line, ref->value.col, "unknown %s.%s.reference: %s (no %s of that name)",
           m->name, f->name, ref->value.text, f->type == SCALE_SIGTYPE_ENUM ? "enum" : "model");
      return false;
    }
  }
  if (f->value_text) {
    char lower[SIG_MAX_IDENT + 1];
    size_t n = strlen(f->value_text);
    bool prim = false;
    if (n <= SIG_MAX_IDENT) {
      for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)f->value_text[i]);
      prim = primitive_type(lower, &f->value_type);
    }
    if (prim) {
      memcpy(f->value_text, lower, n + 1);
    } else {
      title_case(f->value_text);
      f->value_ref = valid_label(f->value_text) ? scale__schema_find_model(sig, f->value_text) : -1;
      if (f->value_ref < 0) {
        fail(c, f->line, f->col,
             "unknown %s.%s.value: %s (must be a primitive type or the name of a model)", m->name,
             f->name, f->value_text);
        return false;
      }
      f->value_type = SCALE_SIGTYPE_MODEL;
    }
  }
  if (def) {
    const sig_enum_t *e = &sig->enums[f->ref];
    size_t k;
    for (k = 0; k < e->value_count; k++)
      if (strcmp(e->values[k], def->value.text) == 0) break;
    if (k == e->value_count) {
      fail(c, def->value.line, def->value.col,
           "invalid %s.%s.default: %s is not a value of enum %s", m->name, f->name, def->value.text,
           e->name);
      return false;
    }
    f->def_enum = (uint32_t)k;
  }
  return true;
}

static int wire_rank(const sig_field_t *f) {
  return scale__schema_wire_group(f) * 4 + (int)f->shape;
}

static void sort_wire(struct scale_sigmodel *m) {
  for (size_t i = 0; i < m->field_count; i++)
    m->wire[i] = i;
  /* Insertion sort: stable, and models are small. */
  for (size_t i = 1; i < m->field_count; i++) {
    size_t x = m->wire[i], j = i;
    while (j > 0 && wire_rank(&m->fields[m->wire[j - 1]]) > wire_rank(&m->fields[x])) {
      m->wire[j] = m->wire[j - 1];
      j--;
    }
    m->wire[j] = x;
  }
}

static bool build(ctx_t *c, const sx_body_t *top) {
  struct scale_signature *sig = c->sig;
  static const attr_spec_t spec[] = {{"version", true}, {"context", true}};
  const sx_attr_t *a[2];
  sx_block_t fake = {0};
  fake.body = *top;
  fake.line = fake.col = 1;
  for (size_t k = 0; k < top->attr_count; k++) {
    const sx_attr_t *at = &top->attrs[k];
    if (strcmp(at->name, "name") == 0 || strcmp(at->name, "tag") == 0) {
      fail(c, at->line, at->col,
           "unknown attribute \"%s\" at top level (name and tag belong in the scalefile)",
           at->name);
      return false;
    }
  }
  if (!check_attrs(c, &fake, "the signature (top level)", spec, 2, a)) return false;
  if (!want_string(c, a[0]) || !want_string(c, a[1])) return false;
  if (strcmp(a[0]->value.text, "v1alpha") != 0) {
    fail(c, a[0]->value.line, a[0]->value.col,
         "unknown schema version: %s (only \"v1alpha\" exists)", a[0]->value.text);
    return false;
  }
  sig->version = xstrdup(c, "v1alpha");
  if (!sig->version) return false;

  size_t nm = 0, ne = 0;
  for (size_t k = 0; k < top->block_count; k++) {
    const sx_block_t *b = &top->blocks[k];
    if (strcmp(b->type, "model") == 0)
      nm++;
    else if (strcmp(b->type, "enum") == 0)
      ne++;
    else {
      fail(c, b->line, b->col, "unknown block \"%s\" at top level (expected model or enum)",
           b->type);
      return false;
    }
  }
  if (nm > SIG_MAX_MODELS || ne > SIG_MAX_ENUMS) {
    fail(c, 1, 1, "more than %u models or %u enums", SIG_MAX_MODELS, SIG_MAX_ENUMS);
    return false;
  }
  sig->models = calloc(nm ? nm : 1, sizeof *sig->models);
  sig->enums = calloc(ne ? ne : 1, sizeof *sig->enums);
  const sx_attr_t ***refs = calloc(nm ? nm : 1, sizeof *refs);
  const sx_attr_t ***defs = calloc(nm ? nm : 1, sizeof *defs);
  bool ok = sig->models && sig->enums && refs && defs;
  if (!ok) fail(c, 1, 1, "out of memory");
  for (size_t k = 0; ok && k < top->block_count; k++) {
    const sx_block_t *b = &top->blocks[k];
    if (strcmp(b->type, "enum") == 0) {
      sig_enum_t *e = &sig->enums[sig->enum_count++];
      ok = build_enum(c, e, b);
      if (ok && scale__schema_find_enum(sig, e->name) != (long)sig->enum_count - 1) {
        fail(c, b->label_line, b->label_col, "duplicate enum name: %s", e->name);
        ok = false;
      }
    } else {
      struct scale_sigmodel *m = &sig->models[sig->model_count];
      m->sig = sig;
      m->index = sig->model_count++;
      ok = build_model(c, m, b, &refs[m->index], &defs[m->index]);
      if (ok && scale__schema_find_model(sig, m->name) != (long)m->index) {
        fail(c, b->label_line, b->label_col, "duplicate model name: %s", m->name);
        ok = false;
      }
    }
  }
  /* Models and enums share one namespace in generated code. */
  for (size_t i = 0; ok && i < sig->model_count; i++) {
    if (scale__schema_find_enum(sig, sig->models[i].name) >= 0) {
      fail(c, sig->models[i].line, sig->models[i].col, "model %s has the same name as an enum",
           sig->models[i].name);
      ok = false;
    }
  }
  for (size_t i = 0; ok && i < sig->model_count; i++) {
    struct scale_sigmodel *m = &sig->models[i];
    for (size_t k = 0; ok && k < m->field_count; k++)
      ok = resolve_field(c, m, &m->fields[k], refs[i][k], defs[i][k]);
    if (ok) sort_wire(m);
  }
  if (ok) {
    char *ctxname = xstrdup(c, a[1]->value.text);
    if (!ctxname) {
      ok = false;
    } else {
      title_case(ctxname);
      sig->context = scale__schema_find_model(sig, ctxname);
      if (sig->context < 0) {
        fail(c, a[1]->value.line, a[1]->value.col, "unknown context: %s (no model of that name)",
             ctxname);
        ok = false;
      }
      free(ctxname);
    }
  }
  for (size_t i = 0; refs && i < nm; i++)
    free(refs[i]);
  for (size_t i = 0; defs && i < nm; i++)
    free(defs[i]);
  free(refs);
  free(defs);
  return ok;
}

bool scale__schema_build(const sx_body_t *top, const char *file, struct scale_signature *sig,
                         char *err, size_t err_size) {
  ctx_t c = {file, err, err_size, false, sig};
  sig->context = -1;
  bool ok = build(&c, top);
  if (!ok && !c.failed) fail(&c, 1, 1, "invalid signature");
  return ok;
}
