/*
 * Model instances: the constructor with upstream's defaults, typed getters
 * and setters that run the field's validators and case modifier, arrays
 * and sorted maps. A failed set leaves the tree exactly as it was.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "signature/limits.h"
#include "signature/value.h"
#include "util/utf8.h"

scale_sigvalue_t *scale__sigvalue_empty(const struct scale_sigmodel *model) {
  size_t n = model->field_count;
  scale_sigvalue_t *v = calloc(1, sizeof *v + n * sizeof(sig_slot_t));
  if (v) v->model = model;
  return v;
}

void scale__sig_cell_release(scale_sigtype_t type, sig_cell_t *c) {
  if (type == SCALE_SIGTYPE_STRING || type == SCALE_SIGTYPE_BYTES) {
    free(c->s.p);
    c->s.p = NULL;
    c->s.len = 0;
  } else if (type == SCALE_SIGTYPE_MODEL) {
    scale_sigvalue_delete(c->m);
    c->m = NULL;
  }
}

static void slot_release(const sig_field_t *f, sig_slot_t *s) {
  if (f->shape == SCALE_SIGSHAPE_SCALAR) {
    scale__sig_cell_release(f->type, &s->one);
    return;
  }
  scale_sigtype_t vt = sig_elem_type(f);
  for (size_t i = 0; i < s->count; i++) {
    if (s->keys) scale__sig_cell_release(f->type, &s->keys[i]);
    scale__sig_cell_release(vt, &s->vals[i]);
  }
  free(s->keys);
  free(s->vals);
  s->keys = s->vals = NULL;
  s->count = s->cap = 0;
}

void scale_sigvalue_delete(scale_sigvalue_t *v) {
  if (!v) return;
  for (size_t i = 0; i < v->model->field_count; i++)
    slot_release(&v->model->fields[i], &v->slots[i]);
  free(v);
}

bool scale__sig_cell_set_bytes(sig_cell_t *c, const void *p, size_t len) {
  c->s.p = NULL;
  c->s.len = 0;
  if (len == 0) return true;
  char *d = malloc(len + 1);
  if (!d) return false;
  memcpy(d, p, len);
  d[len] = '\0';
  c->s.p = d;
  c->s.len = len;
  return true;
}

/* Build with defaults; @p stack holds the models being built so a
 * reference cycle through `model` fields ends in an absent model. */
static scale_error_t *build(const struct scale_sigmodel *m, const struct scale_sigmodel **stack,
                            unsigned depth, scale_sigvalue_t **out) {
  *out = NULL;
  scale_sigvalue_t *v = scale__sigvalue_empty(m);
  if (!v) return scale__sig_error("out of memory");
  stack[depth] = m;
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    sig_cell_t *c = &v->slots[i].one;
    if (f->shape != SCALE_SIGSHAPE_SCALAR) continue;
    switch (f->type) {
    case SCALE_SIGTYPE_STRING:
      if (!scale__sig_cell_set_bytes(c, f->def_string, f->def_string_len)) goto oom;
      break;
    case SCALE_SIGTYPE_BOOL:
      c->b = f->def_bool;
      break;
    case SCALE_SIGTYPE_ENUM:
      c->u = f->def_enum;
      break;
    case SCALE_SIGTYPE_BYTES:
      break;
    case SCALE_SIGTYPE_MODEL: {
      const struct scale_sigmodel *r = &m->sig->models[f->ref];
      bool cycle = false;
      for (unsigned k = 0; k <= depth; k++)
        if (stack[k] == r) cycle = true;
      if (cycle) break;
      if (depth + 1 >= SIG_MAX_DEPTH) {
        scale_sigvalue_delete(v);
        return scale__sig_error("models nested more than %u deep in %s", SIG_MAX_DEPTH, m->name);
      }
      scale_error_t *e = build(r, stack, depth + 1, &c->m);
      if (e) {
        scale_sigvalue_delete(v);
        return e;
      }
      break;
    }
    default:
      memcpy(c, &f->def_num, sizeof f->def_num);
      break;
    }
  }
  *out = v;
  return NULL;
oom:
  scale_sigvalue_delete(v);
  return scale__sig_error("out of memory");
}

scale_error_t *scale_sigvalue_new(const scale_sigmodel_t *model, scale_sigvalue_t **out) {
  if (!out) return scale__sig_error("scale_sigvalue_new: out is NULL");
  *out = NULL;
  if (!model) return scale__sig_error("scale_sigvalue_new: model is NULL");
  const struct scale_sigmodel *stack[SIG_MAX_DEPTH];
  return build(model, stack, 0, out);
}

const scale_sigmodel_t *scale_sigvalue_model(const scale_sigvalue_t *v) {
  return v->model;
}

int scale__sig_key_cmp(scale_sigtype_t type, const sig_cell_t *a, const sig_cell_t *b) {
  switch (type) {
  case SCALE_SIGTYPE_STRING: {
    size_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
    int r = n ? memcmp(a->s.p, b->s.p, n) : 0;
    if (r) return r;
    return a->s.len < b->s.len ? -1 : a->s.len > b->s.len;
  }
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    return a->i < b->i ? -1 : a->i > b->i;
  default:
    return a->u < b->u ? -1 : a->u > b->u;
  }
}

static bool grow(sig_slot_t *s, bool keys) {
  if (s->count < s->cap) return true;
  size_t ncap = s->cap ? s->cap * 2 : 4;
  sig_cell_t *nv = realloc(s->vals, ncap * sizeof *nv);
  if (!nv) return false;
  s->vals = nv;
  if (keys) {
    sig_cell_t *nk = realloc(s->keys, ncap * sizeof *nk);
    if (!nk) return false;
    s->keys = nk;
  }
  s->cap = ncap;
  return true;
}

bool scale__sig_slot_append(sig_slot_t *s, const sig_cell_t *val) {
  if (!grow(s, false)) return false;
  s->vals[s->count++] = *val;
  return true;
}

bool scale__sig_slot_put(const sig_field_t *f, sig_slot_t *s, const sig_cell_t *key,
                         const sig_cell_t *val, bool replace, bool *dup) {
  *dup = false;
  size_t lo = 0, hi = s->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = scale__sig_key_cmp(f->type, &s->keys[mid], key);
    if (r == 0) {
      *dup = true;
      if (!replace) return true;
      scale__sig_cell_release(sig_elem_type(f), &s->vals[mid]);
      scale__sig_cell_release(f->type, &s->keys[mid]);
      s->keys[mid] = *key;
      s->vals[mid] = *val;
      return true;
    }
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  /* Appending in order (the common case when decoding sorted input) is
   * O(1); otherwise shift. */
  if (!grow(s, true)) return false;
  memmove(&s->keys[lo + 1], &s->keys[lo], (s->count - lo) * sizeof *s->keys);
  memmove(&s->vals[lo + 1], &s->vals[lo], (s->count - lo) * sizeof *s->vals);
  s->keys[lo] = *key;
  s->vals[lo] = *val;
  s->count++;
  return true;
}

/* ------------------------------------------------------------ checks */

scale_error_t *scale__sig_check(const struct scale_sigmodel *m, const sig_field_t *f, bool is_key,
                                const sig_cell_t *c) {
  scale_sigtype_t t = is_key ? f->type : sig_elem_type(f);
  if (t == SCALE_SIGTYPE_ENUM) {
    const sig_enum_t *e = &m->sig->enums[f->ref];
    if (c->u >= e->value_count)
      return scale__sig_error("%s.%s: invalid enum value %llu (enum %s has %zu values)", m->name,
                              f->name, (unsigned long long)c->u, e->name, e->value_count);
    return NULL;
  }
  if (t == SCALE_SIGTYPE_STRING && !scale__utf8_valid((const uint8_t *)c->s.p, c->s.len))
    return scale__sig_error("%s.%s: string is not valid UTF-8", m->name, f->name);
  if (f->shape != SCALE_SIGSHAPE_SCALAR) return NULL;
  if (t == SCALE_SIGTYPE_STRING) {
    if (f->has_regex) {
      int rc;
#ifdef REG_STARTEND
      regmatch_t pm[1];
      pm[0].rm_so = 0;
      pm[0].rm_eo = (regoff_t)c->s.len;
      rc = regexec(&f->regex, c->s.p ? c->s.p : "", 1, pm, REG_STARTEND);
#else
      rc = strlen(c->s.p ? c->s.p : "") == c->s.len
               ? regexec(&f->regex, c->s.p ? c->s.p : "", 0, NULL, 0)
               : REG_NOMATCH;
#endif
      if (rc != 0)
        return scale__sig_error("%s.%s: value does not match the regex_validator expression %s",
                                m->name, f->name, f->regex_text);
    }
    if (f->has_length_min && c->s.len < f->length_min)
      return scale__sig_error("%s.%s: length %zu is below the minimum %llu", m->name, f->name,
                              c->s.len, (unsigned long long)f->length_min);
    if (f->has_length_max && c->s.len > f->length_max)
      return scale__sig_error("%s.%s: length %zu is above the maximum %llu", m->name, f->name,
                              c->s.len, (unsigned long long)f->length_max);
    return NULL;
  }
  if (!f->has_limit) return NULL;
  bool below = false, above = false;
  switch (t) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    below = f->has_limit_min && c->i < f->limit_min.i;
    above = f->has_limit_max && c->i > f->limit_max.i;
    if (below || above)
      return scale__sig_error("%s.%s: %lld is %s the limit %lld", m->name, f->name, (long long)c->i,
                              below ? "below" : "above",
                              (long long)(below ? f->limit_min.i : f->limit_max.i));
    break;
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
    below = f->has_limit_min && c->u < f->limit_min.u;
    above = f->has_limit_max && c->u > f->limit_max.u;
    if (below || above)
      return scale__sig_error("%s.%s: %llu is %s the limit %llu", m->name, f->name,
                              (unsigned long long)c->u, below ? "below" : "above",
                              (unsigned long long)(below ? f->limit_min.u : f->limit_max.u));
    break;
  case SCALE_SIGTYPE_FLOAT32:
  case SCALE_SIGTYPE_FLOAT64:
    /* NaN compares false both ways: it passes, as in Go's generated code. */
    below = f->has_limit_min && c->f < f->limit_min.f;
    above = f->has_limit_max && c->f > f->limit_max.f;
    if (below || above)
      return scale__sig_error("%s.%s: %g is %s the limit %g", m->name, f->name, c->f,
                              below ? "below" : "above", below ? f->limit_min.f : f->limit_max.f);
    break;
  default:
    break;
  }
  return NULL;
}

/* ------------------------------------------------------------ API */

static scale_error_t *find(const scale_sigvalue_t *v, const char *field, scale_sigshape_t want,
                           const sig_field_t **f, size_t *idx) {
  if (!v || !field) return scale__sig_error("value or field name is NULL");
  long i = scale_sigmodel_field_index(v->model, field);
  if (i < 0) return scale__sig_error("model %s has no field %s", v->model->name, field);
  *f = &v->model->fields[i];
  *idx = (size_t)i;
  if ((*f)->shape != want) {
    static const char *const shapes[] = {"a scalar", "an array", "a map"};
    return scale__sig_error("%s.%s is %s field (%s), not %s", v->model->name, field,
                            shapes[(*f)->shape], scale__schema_kind_name((*f)->type, (*f)->shape),
                            shapes[want]);
  }
  return NULL;
}

static void to_scalar(scale_sigtype_t t, const sig_cell_t *c, scale_sigscalar_t *out) {
  memset(out, 0, sizeof *out);
  out->type = t;
  switch (t) {
  case SCALE_SIGTYPE_STRING:
  case SCALE_SIGTYPE_BYTES:
    out->as.bytes.data = c->s.p ? c->s.p : "";
    out->as.bytes.len = c->s.len;
    break;
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    out->as.i = c->i;
    break;
  case SCALE_SIGTYPE_FLOAT32:
  case SCALE_SIGTYPE_FLOAT64:
    out->as.f = c->f;
    break;
  case SCALE_SIGTYPE_BOOL:
    out->as.b = c->b;
    break;
  case SCALE_SIGTYPE_MODEL:
    out->as.model = c->m;
    break;
  default:
    out->as.u = c->u;
    break;
  }
}

/* Scalar -> new cell (copying strings), with type and range checks, then
 * the field checks; for scalar strings the case modifier is applied. A
 * MODEL cell borrows the caller's pointer (taken over by the caller of
 * this on success). */
static scale_error_t *from_scalar(const scale_sigvalue_t *v, const sig_field_t *f, bool is_key,
                                  const scale_sigscalar_t *in, sig_cell_t *c) {
  const struct scale_sigmodel *m = v->model;
  scale_sigtype_t t = is_key ? f->type : sig_elem_type(f);
  memset(c, 0, sizeof *c);
  if (!in) return scale__sig_error("%s.%s: value is NULL", m->name, f->name);
  if (in->type != t)
    return scale__sig_error("%s.%s: expected a %s value, got %s", m->name, f->name,
                            scale__schema_type_name(t), scale__schema_type_name(in->type));
  switch (t) {
  case SCALE_SIGTYPE_STRING:
  case SCALE_SIGTYPE_BYTES:
    if (in->as.bytes.len && !in->as.bytes.data)
      return scale__sig_error("%s.%s: data is NULL", m->name, f->name);
    if (!scale__sig_cell_set_bytes(c, in->as.bytes.data, in->as.bytes.len))
      return scale__sig_error("out of memory");
    break;
  case SCALE_SIGTYPE_INT32:
    if (in->as.i < INT32_MIN || in->as.i > INT32_MAX)
      return scale__sig_error("%s.%s: %lld does not fit in int32", m->name, f->name,
                              (long long)in->as.i);
    c->i = in->as.i;
    break;
  case SCALE_SIGTYPE_INT64:
    c->i = in->as.i;
    break;
  case SCALE_SIGTYPE_UINT32:
    if (in->as.u > UINT32_MAX)
      return scale__sig_error("%s.%s: %llu does not fit in uint32", m->name, f->name,
                              (unsigned long long)in->as.u);
    c->u = in->as.u;
    break;
  case SCALE_SIGTYPE_FLOAT32:
    /* Out-of-range double -> float is undefined in C; Go gives infinity. */
    if (isfinite(in->as.f) && fabs(in->as.f) > FLT_MAX)
      c->f = in->as.f > 0 ? INFINITY : -INFINITY;
    else
      c->f = (float)in->as.f;
    break;
  case SCALE_SIGTYPE_FLOAT64:
    c->f = in->as.f;
    break;
  case SCALE_SIGTYPE_BOOL:
    c->b = in->as.b;
    break;
  case SCALE_SIGTYPE_MODEL: {
    const struct scale_sigmodel *want = &m->sig->models[sig_elem_ref(f)];
    if (!in->as.model && f->shape != SCALE_SIGSHAPE_SCALAR)
      return scale__sig_error("%s.%s: elements of a model array or map cannot be nil", m->name,
                              f->name);
    if (in->as.model && in->as.model->model != want)
      return scale__sig_error("%s.%s: expected a %s, got a %s", m->name, f->name, want->name,
                              in->as.model->model->name);
    c->m = in->as.model;
    return NULL;
  }
  default:
    c->u = in->as.u;
    break;
  }
  scale_error_t *e = scale__sig_check(m, f, is_key, c);
  if (e) {
    scale__sig_cell_release(t, c);
    return e;
  }
  if (t == SCALE_SIGTYPE_STRING && !is_key && f->shape == SCALE_SIGSHAPE_SCALAR &&
      f->case_kind != SIG_CASE_NONE) {
    for (size_t i = 0; i < c->s.len; i++) {
      char ch = c->s.p[i];
      if (f->case_kind == SIG_CASE_UPPER && ch >= 'a' && ch <= 'z') c->s.p[i] = (char)(ch - 32);
      if (f->case_kind == SIG_CASE_LOWER && ch >= 'A' && ch <= 'Z') c->s.p[i] = (char)(ch + 32);
    }
  }
  return NULL;
}

scale_error_t *scale_sigvalue_get(const scale_sigvalue_t *v, const char *field,
                                  scale_sigscalar_t *out) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_SCALAR, &f, &i);
  if (e) return e;
  if (!out) return scale__sig_error("out is NULL");
  to_scalar(f->type, &v->slots[i].one, out);
  return NULL;
}

scale_error_t *scale_sigvalue_set(scale_sigvalue_t *v, const char *field,
                                  const scale_sigscalar_t *in) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_SCALAR, &f, &i);
  if (e) return e;
  sig_cell_t c;
  e = from_scalar(v, f, false, in, &c);
  if (e) return e;
  scale__sig_cell_release(f->type, &v->slots[i].one);
  v->slots[i].one = c;
  return NULL;
}

scale_error_t *scale_sigvalue_count(const scale_sigvalue_t *v, const char *field, size_t *count) {
  if (!v || !field || !count) return scale__sig_error("value, field or count is NULL");
  long i = scale_sigmodel_field_index(v->model, field);
  if (i < 0) return scale__sig_error("model %s has no field %s", v->model->name, field);
  if (v->model->fields[i].shape == SCALE_SIGSHAPE_SCALAR)
    return scale__sig_error("%s.%s is a scalar field", v->model->name, field);
  *count = v->slots[i].count;
  return NULL;
}

scale_error_t *scale_sigvalue_elem(const scale_sigvalue_t *v, const char *field, size_t index,
                                   scale_sigscalar_t *out) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_ARRAY, &f, &i);
  if (e) return e;
  if (index >= v->slots[i].count)
    return scale__sig_error("%s.%s: index %zu out of range (%zu elements)", v->model->name, field,
                            index, v->slots[i].count);
  if (!out) return scale__sig_error("out is NULL");
  to_scalar(f->type, &v->slots[i].vals[index], out);
  return NULL;
}

scale_error_t *scale_sigvalue_entry(const scale_sigvalue_t *v, const char *field, size_t index,
                                    scale_sigscalar_t *key, scale_sigscalar_t *val) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_MAP, &f, &i);
  if (e) return e;
  if (index >= v->slots[i].count)
    return scale__sig_error("%s.%s: index %zu out of range (%zu entries)", v->model->name, field,
                            index, v->slots[i].count);
  if (key) to_scalar(f->type, &v->slots[i].keys[index], key);
  if (val) to_scalar(f->value_type, &v->slots[i].vals[index], val);
  return NULL;
}

scale_error_t *scale_sigvalue_append(scale_sigvalue_t *v, const char *field,
                                     const scale_sigscalar_t *elem) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_ARRAY, &f, &i);
  if (e) return e;
  if (v->slots[i].count >= SIG_MAX_ELEMENTS)
    return scale__sig_error("%s.%s: more than %u elements", v->model->name, field,
                            SIG_MAX_ELEMENTS);
  sig_cell_t c;
  e = from_scalar(v, f, false, elem, &c);
  if (e) return e;
  if (!scale__sig_slot_append(&v->slots[i], &c)) {
    if (f->type != SCALE_SIGTYPE_MODEL) scale__sig_cell_release(f->type, &c);
    return scale__sig_error("out of memory");
  }
  return NULL;
}

scale_error_t *scale_sigvalue_put(scale_sigvalue_t *v, const char *field,
                                  const scale_sigscalar_t *key, const scale_sigscalar_t *val) {
  const sig_field_t *f = NULL;
  size_t i = 0;
  scale_error_t *e = find(v, field, SCALE_SIGSHAPE_MAP, &f, &i);
  if (e) return e;
  if (v->slots[i].count >= SIG_MAX_ELEMENTS)
    return scale__sig_error("%s.%s: more than %u entries", v->model->name, field, SIG_MAX_ELEMENTS);
  sig_cell_t k, c;
  e = from_scalar(v, f, true, key, &k);
  if (e) return e;
  e = from_scalar(v, f, false, val, &c);
  if (e) {
    scale__sig_cell_release(f->type, &k);
    return e;
  }
  bool dup;
  if (!scale__sig_slot_put(f, &v->slots[i], &k, &c, true, &dup)) {
    scale__sig_cell_release(f->type, &k);
    if (f->value_type != SCALE_SIGTYPE_MODEL) scale__sig_cell_release(f->value_type, &c);
    return scale__sig_error("out of memory");
  }
  return NULL;
}

scale_error_t *scale_sigvalue_clear(scale_sigvalue_t *v, const char *field) {
  if (!v || !field) return scale__sig_error("value or field name is NULL");
  long i = scale_sigmodel_field_index(v->model, field);
  if (i < 0) return scale__sig_error("model %s has no field %s", v->model->name, field);
  const sig_field_t *f = &v->model->fields[i];
  if (f->shape == SCALE_SIGSHAPE_SCALAR)
    return scale__sig_error("%s.%s is a scalar field", v->model->name, field);
  slot_release(f, &v->slots[i]);
  return NULL;
}
