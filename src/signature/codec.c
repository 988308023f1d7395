/*
 * Polyglot encode/decode of model instances, driven by the schema tables
 * at run time (no generated code). Wire order is upstream's: fields grouped
 * by type (model.wire), declaration order within a group; maps in sorted
 * key order. Decode is strict and bounded (limits.h): it must fail cleanly
 * on any bytes a guest can produce, and never allocate past SIG_MAX_ALLOC.
 */
#include <stdlib.h>
#include <string.h>

#include "scale/polyglot.h"
#include "signature/limits.h"
#include "signature/value.h"

static scale_pg_kind_t kind_of(scale_sigtype_t t) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    return SCALE_PG_STRING;
  case SCALE_SIGTYPE_BYTES:
    return SCALE_PG_BYTES;
  case SCALE_SIGTYPE_INT32:
    return SCALE_PG_I32;
  case SCALE_SIGTYPE_INT64:
    return SCALE_PG_I64;
  case SCALE_SIGTYPE_UINT32:
    return SCALE_PG_U32;
  case SCALE_SIGTYPE_UINT64:
    return SCALE_PG_U64;
  case SCALE_SIGTYPE_FLOAT32:
    return SCALE_PG_F32;
  case SCALE_SIGTYPE_FLOAT64:
    return SCALE_PG_F64;
  case SCALE_SIGTYPE_BOOL:
    return SCALE_PG_BOOL;
  case SCALE_SIGTYPE_ENUM:
    return SCALE_PG_U32;
  case SCALE_SIGTYPE_MODEL:
    return SCALE_PG_ANY;
  }
  return SCALE_PG_NIL;
}

/* ------------------------------------------------------------ encode */

static bool enc_model(scale_pg_buf_t *b, const scale_sigvalue_t *v, unsigned depth);

static bool enc_cell(scale_pg_buf_t *b, scale_sigtype_t t, const sig_cell_t *c, unsigned depth) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    scale_pg_put_string(b, c->s.p ? c->s.p : "", c->s.len);
    break;
  case SCALE_SIGTYPE_BYTES:
    scale_pg_put_bytes(b, c->s.p ? c->s.p : "", c->s.len);
    break;
  case SCALE_SIGTYPE_INT32:
    scale_pg_put_i32(b, (int32_t)c->i);
    break;
  case SCALE_SIGTYPE_INT64:
    scale_pg_put_i64(b, c->i);
    break;
  case SCALE_SIGTYPE_UINT32:
    scale_pg_put_u32(b, (uint32_t)c->u);
    break;
  case SCALE_SIGTYPE_UINT64:
    scale_pg_put_u64(b, c->u);
    break;
  case SCALE_SIGTYPE_FLOAT32:
    scale_pg_put_f32(b, (float)c->f);
    break;
  case SCALE_SIGTYPE_FLOAT64:
    scale_pg_put_f64(b, c->f);
    break;
  case SCALE_SIGTYPE_BOOL:
    scale_pg_put_bool(b, c->b);
    break;
  case SCALE_SIGTYPE_ENUM:
    scale_pg_put_u32(b, (uint32_t)c->u);
    break;
  case SCALE_SIGTYPE_MODEL:
    if (!c->m) {
      scale_pg_put_nil(b);
      return true;
    }
    return enc_model(b, c->m, depth + 1);
  }
  return true;
}

static bool enc_model(scale_pg_buf_t *b, const scale_sigvalue_t *v, unsigned depth) {
  if (depth >= SIG_MAX_DEPTH) return false;
  const struct scale_sigmodel *m = v->model;
  for (size_t w = 0; w < m->field_count; w++) {
    size_t i = m->wire[w];
    const sig_field_t *f = &m->fields[i];
    const sig_slot_t *s = &v->slots[i];
    switch (f->shape) {
    case SCALE_SIGSHAPE_SCALAR:
      if (!enc_cell(b, f->type, &s->one, depth)) return false;
      break;
    case SCALE_SIGSHAPE_ARRAY:
      scale_pg_put_slice(b, kind_of(f->type), (uint32_t)s->count);
      for (size_t k = 0; k < s->count; k++)
        if (!enc_cell(b, f->type, &s->vals[k], depth)) return false;
      break;
    case SCALE_SIGSHAPE_MAP:
      scale_pg_put_map(b, kind_of(f->type), kind_of(f->value_type), (uint32_t)s->count);
      for (size_t k = 0; k < s->count; k++) {
        enc_cell(b, f->type, &s->keys[k], depth);
        if (!enc_cell(b, f->value_type, &s->vals[k], depth)) return false;
      }
      break;
    }
  }
  return true;
}

scale_error_t *scale_signature_encode(const scale_sigmodel_t *model, const scale_sigvalue_t *value,
                                      uint8_t **out, size_t *len) {
  if (!model || !out || !len) return scale__sig_error("scale_signature_encode: NULL argument");
  *out = NULL;
  *len = 0;
  if (value && value->model != model)
    return scale__sig_error("cannot encode a %s as a %s", value->model->name, model->name);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  bool ok = true;
  if (!value)
    scale_pg_put_nil(&b);
  else
    ok = enc_model(&b, value, 0);
  if (!ok) {
    scale_pg_buf_free(&b);
    return scale__sig_error("cannot encode %s: models nested more than %u deep", model->name,
                            SIG_MAX_DEPTH);
  }
  if (scale_pg_buf_failed(&b)) {
    scale_pg_buf_free(&b);
    return scale__sig_error("cannot encode %s: out of memory or a value over 4 GiB", model->name);
  }
  *out = b.data;
  *len = b.len;
  return NULL;
}

/* ------------------------------------------------------------ decode */

typedef struct dec {
  scale_pg_reader_t r;
  size_t alloc;    /* bytes allocated so far for the tree */
  size_t elements; /* array elements + map entries so far */
  bool guest;      /* the failure is a guest Error value */
} dec_t;

static scale_error_t *status_error(const dec_t *d, const struct scale_sigmodel *m,
                                   const sig_field_t *f, scale_pg_status_t st, scale_sigtype_t t) {
  int k = scale_pg_peek(&d->r);
  if (st == SCALE_PG_WRONG_KIND)
    return scale__sig_error("%s.%s: expected %s, found %s at offset %zu", m->name, f->name,
                            scale__schema_type_name(t),
                            k < 0 ? "end of data" : scale_pg_kind_name((uint8_t)k), d->r.pos);
  return scale__sig_error("%s.%s: %s at offset %zu", m->name, f->name, scale_pg_status_text(st),
                          d->r.pos);
}

static bool charge(dec_t *d, size_t bytes) {
  if (bytes > SIG_MAX_ALLOC - d->alloc) return false;
  d->alloc += bytes;
  return true;
}

static scale_error_t *dec_model(dec_t *d, const struct scale_sigmodel *m, unsigned depth,
                                bool element, scale_sigvalue_t **out);

static scale_error_t *dec_cell(dec_t *d, const struct scale_sigmodel *m, const sig_field_t *f,
                               scale_sigtype_t t, long ref, bool element, unsigned depth,
                               sig_cell_t *c) {
  scale_pg_status_t st = SCALE_PG_OK;
  memset(c, 0, sizeof *c);
  switch (t) {
  case SCALE_SIGTYPE_STRING:
  case SCALE_SIGTYPE_BYTES: {
    const void *p;
    size_t n;
    size_t budget = SIG_MAX_ALLOC - d->alloc;
    if (t == SCALE_SIGTYPE_STRING)
      st = scale_pg_get_string(&d->r, budget, (const char **)&p, &n);
    else
      st = scale_pg_get_bytes(&d->r, budget, (const uint8_t **)&p, &n);
    if (st != SCALE_PG_OK) break;
    if (!charge(d, n + 1))
      return scale__sig_error("%s.%s: decode allocation limit reached", m->name, f->name);
    if (!scale__sig_cell_set_bytes(c, p, n)) return scale__sig_error("out of memory");
    return NULL;
  }
  case SCALE_SIGTYPE_INT32: {
    int32_t x;
    st = scale_pg_get_i32(&d->r, &x);
    c->i = x;
    break;
  }
  case SCALE_SIGTYPE_INT64:
    st = scale_pg_get_i64(&d->r, &c->i);
    break;
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_ENUM: {
    uint32_t x;
    st = scale_pg_get_u32(&d->r, &x);
    c->u = x;
    break;
  }
  case SCALE_SIGTYPE_UINT64:
    st = scale_pg_get_u64(&d->r, &c->u);
    break;
  case SCALE_SIGTYPE_FLOAT32: {
    float x;
    st = scale_pg_get_f32(&d->r, &x);
    c->f = x;
    break;
  }
  case SCALE_SIGTYPE_FLOAT64:
    st = scale_pg_get_f64(&d->r, &c->f);
    break;
  case SCALE_SIGTYPE_BOOL:
    st = scale_pg_get_bool(&d->r, &c->b);
    break;
  case SCALE_SIGTYPE_MODEL: {
    if (depth + 1 >= SIG_MAX_DEPTH)
      return scale__sig_error("%s.%s: models nested more than %u deep", m->name, f->name,
                              SIG_MAX_DEPTH);
    scale_error_t *e = dec_model(d, &m->sig->models[ref], depth + 1, element, &c->m);
    if (e) return e;
    return NULL;
  }
  }
  if (st != SCALE_PG_OK) return status_error(d, m, f, st, t);
  return NULL;
}

static scale_error_t *dec_field(dec_t *d, scale_sigvalue_t *v, size_t i, unsigned depth) {
  const struct scale_sigmodel *m = v->model;
  const sig_field_t *f = &m->fields[i];
  sig_slot_t *s = &v->slots[i];
  scale_error_t *e;
  if (f->shape == SCALE_SIGSHAPE_SCALAR) {
    e = dec_cell(d, m, f, f->type, f->ref, false, depth, &s->one);
    return e ? e : scale__sig_check(m, f, false, &s->one);
  }
  uint32_t count;
  scale_pg_status_t st;
  uint32_t room = (uint32_t)(SIG_MAX_ELEMENTS - d->elements);
  scale_sigtype_t vt = sig_elem_type(f);
  if (f->shape == SCALE_SIGSHAPE_ARRAY)
    st = scale_pg_get_slice(&d->r, kind_of(f->type), room, &count);
  else
    st = scale_pg_get_map(&d->r, kind_of(f->type), kind_of(vt), room, &count);
  if (st == SCALE_PG_TOO_LONG)
    return scale__sig_error("%s.%s: more than %u elements in one decode", m->name, f->name,
                            SIG_MAX_ELEMENTS);
  if (st != SCALE_PG_OK)
    return status_error(d, m, f, st, f->shape == SCALE_SIGSHAPE_ARRAY ? f->type : f->type);
  d->elements += count;
  size_t cell = sizeof(sig_cell_t) * (f->shape == SCALE_SIGSHAPE_MAP ? 2 : 1);
  if (!charge(d, (size_t)count * cell))
    return scale__sig_error("%s.%s: decode allocation limit reached", m->name, f->name);
  if (count) {
    s->vals = calloc(count, sizeof *s->vals);
    if (f->shape == SCALE_SIGSHAPE_MAP) s->keys = calloc(count, sizeof *s->keys);
    if (!s->vals || (f->shape == SCALE_SIGSHAPE_MAP && !s->keys))
      return scale__sig_error("out of memory");
    s->cap = count;
  }
  for (uint32_t k = 0; k < count; k++) {
    sig_cell_t key, val;
    if (f->shape == SCALE_SIGSHAPE_ARRAY) {
      e = dec_cell(d, m, f, f->type, f->ref, true, depth, &val);
      if (!e) e = scale__sig_check(m, f, false, &val);
      if (e) {
        scale__sig_cell_release(f->type, &val);
        return e;
      }
      s->vals[s->count++] = val;
      continue;
    }
    e = dec_cell(d, m, f, f->type, f->ref, false, depth, &key);
    if (!e) e = scale__sig_check(m, f, true, &key);
    if (e) {
      scale__sig_cell_release(f->type, &key);
      return e;
    }
    e = dec_cell(d, m, f, vt, f->value_ref, true, depth, &val);
    if (!e) e = scale__sig_check(m, f, false, &val);
    if (e) {
      scale__sig_cell_release(f->type, &key);
      scale__sig_cell_release(vt, &val);
      return e;
    }
    bool dup;
    scale__sig_slot_put(f, s, &key, &val, false, &dup); /* capacity is reserved */
    if (dup) {
      scale__sig_cell_release(f->type, &key);
      scale__sig_cell_release(vt, &val);
      return scale__sig_error("%s.%s: duplicate map key at offset %zu", m->name, f->name, d->r.pos);
    }
  }
  return NULL;
}

/* A model at the cursor: 00 = nil, 06 = guest error, else the fields. In
 * an array or map (@p element) nil is not representable upstream. */
static scale_error_t *dec_model(dec_t *d, const struct scale_sigmodel *m, unsigned depth,
                                bool element, scale_sigvalue_t **out) {
  *out = NULL;
  int k = scale_pg_peek(&d->r);
  if (k == SCALE_PG_NIL) {
    if (element)
      return scale__sig_error("nil %s element at offset %zu (not allowed in an array or map)",
                              m->name, d->r.pos);
    scale_pg_get_nil(&d->r);
    return NULL;
  }
  if (k == SCALE_PG_ERROR) {
    const char *msg;
    size_t len;
    scale_pg_status_t st = scale_pg_get_error(&d->r, 4096, &msg, &len);
    if (st == SCALE_PG_TOO_LONG) {
      d->guest = true;
      return scale__sig_error("guest error (message over 4096 bytes)");
    }
    if (st != SCALE_PG_OK)
      return scale__sig_error("%s: malformed error value: %s at offset %zu", m->name,
                              scale_pg_status_text(st), d->r.pos);
    d->guest = true;
    char buf[4097];
    memcpy(buf, msg, len);
    buf[len] = '\0';
    /* Embedded NULs would cut the message; show them as spaces. */
    for (size_t i = 0; i < len; i++)
      if (buf[i] == '\0') buf[i] = ' ';
    scale_error_t *e = scale_error_new(buf);
    return e ? e : scale__sig_error("out of memory");
  }
  if (!charge(d, sizeof(scale_sigvalue_t) + m->field_count * sizeof(sig_slot_t)))
    return scale__sig_error("%s: decode allocation limit reached", m->name);
  scale_sigvalue_t *v = scale__sigvalue_empty(m);
  if (!v) return scale__sig_error("out of memory");
  for (size_t w = 0; w < m->field_count; w++) {
    scale_error_t *e = dec_field(d, v, m->wire[w], depth);
    if (e) {
      scale_sigvalue_delete(v);
      return e;
    }
  }
  *out = v;
  return NULL;
}

scale_error_t *scale_signature_decode(const scale_sigmodel_t *model, const void *data, size_t len,
                                      scale_sigvalue_t **out, bool *guest_error) {
  if (guest_error) *guest_error = false;
  if (!model || !out || (!data && len))
    return scale__sig_error("scale_signature_decode: NULL argument");
  *out = NULL;
  dec_t d;
  memset(&d, 0, sizeof d);
  scale_pg_reader_init(&d.r, data ? data : "", len);
  scale_sigvalue_t *v;
  scale_error_t *e = dec_model(&d, model, 0, false, &v);
  if (e) {
    if (guest_error) *guest_error = d.guest;
    return e;
  }
  if (scale_pg_remaining(&d.r) != 0) {
    scale_sigvalue_delete(v);
    return scale__sig_error("%s: %zu trailing bytes after the model at offset %zu", model->name,
                            scale_pg_remaining(&d.r), d.r.pos);
  }
  *out = v;
  return NULL;
}
