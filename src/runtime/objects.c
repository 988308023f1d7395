/*
 * Tables, globals and functions as store-owned objects, plus the value
 * conversions between the API's tagged values and the 64-bit slots the
 * execution tiers use.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

/* ---- values ------------------------------------------------------- */

uint64_t scale__val_to_slot(const scale_val_t *v) {
  uint64_t s = 0;
  switch (v->kind) {
  case SCALE_I32:
    s = (uint32_t)v->of.i32;
    break;
  case SCALE_I64:
    s = (uint64_t)v->of.i64;
    break;
  case SCALE_F32: {
    uint32_t b;
    memcpy(&b, &v->of.f32, 4);
    s = b;
    break;
  }
  case SCALE_F64:
    memcpy(&s, &v->of.f64, 8);
    break;
  case SCALE_FUNCREF:
    s = (uint64_t)(uintptr_t)v->of.funcref;
    break;
  case SCALE_EXTERNREF:
    s = (uint64_t)(uintptr_t)v->of.externref;
    break;
  default:
    break;
  }
  return s;
}

scale_val_t scale__slot_to_val(uint64_t slot, uint8_t kind) {
  scale_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = (scale_valkind_t)kind;
  switch (kind) {
  case SCALE_I32:
    v.of.i32 = (int32_t)(uint32_t)slot;
    break;
  case SCALE_I64:
    v.of.i64 = (int64_t)slot;
    break;
  case SCALE_F32: {
    uint32_t b = (uint32_t)slot;
    memcpy(&v.of.f32, &b, 4);
    break;
  }
  case SCALE_F64:
    memcpy(&v.of.f64, &slot, 8);
    break;
  case SCALE_FUNCREF:
    v.of.funcref = (scale_func_t *)(uintptr_t)slot;
    break;
  case SCALE_EXTERNREF:
    v.of.externref = (void *)(uintptr_t)slot;
    break;
  default:
    break;
  }
  return v;
}

/* ---- references ---------------------------------------------------- */

/* Only its address matters: a reference whose fn is this names a scale_func_t. */
void scale__foreign_fn(void) {}

/* ---- tables ------------------------------------------------------- */

static void table_release(void *arg) {
  scale_table_t *t = arg;
  free(t->data);
}

scale_error_t *scale__table_create(scale_store_t *store, wasm_tabletype_t type, void *init,
                                   scale_table_t **out) {
  uint32_t cap = store->engine->config.max_table_elems;
  if (type.limits.has_max && type.limits.min > type.limits.max)
    return scale__error_new(-1, "size minimum must not be greater than maximum");
  if (type.limits.min > cap)
    return scale__error_new(-1, "table limit exceeded: %u elements requested, the cap is %u",
                            type.limits.min, cap);
  scale_table_t *t = scale__store_alloc(store, sizeof *t);
  if (!t) return scale__error_new(-1, "out of memory");
  t->elem_type = type.elem_type;
  t->size = type.limits.min;
  t->max_size = type.limits.has_max ? type.limits.max : UINT32_MAX;
  t->has_max = type.limits.has_max;
  t->grow_cap = cap;
  if (t->size) {
    t->data = malloc((size_t)t->size * scale__table_entry_size(t));
    if (!t->data) return scale__error_new(-1, "out of memory");
    for (uint32_t i = 0; i < t->size; i++)
      scale__table_store(t, i, (uint64_t)(uintptr_t)init);
  }
  if (!scale__store_on_delete(store, table_release, t)) {
    free(t->data);
    t->data = NULL;
    return scale__error_new(-1, "out of memory");
  }
  *out = t;
  return NULL;
}

int64_t scale__table_grow(scale_table_t *t, uint32_t delta, void *init, uint32_t max_cap) {
  uint32_t old = t->size;
  if (delta == 0) return old;
  uint64_t n = (uint64_t)old + delta;
  if (n > t->max_size || n > max_cap) return -1;
  void *e = realloc(t->data, (size_t)n * scale__table_entry_size(t));
  if (!e) return -1;
  t->data = e;
  t->size = (uint32_t)n;
  for (uint64_t i = old; i < n; i++)
    scale__table_store(t, (uint32_t)i, (uint64_t)(uintptr_t)init);
  return old;
}

static bool ref_kind_ok(const scale_table_t *t, const scale_val_t *v) {
  return (uint8_t)v->kind == t->elem_type;
}

scale_error_t *scale_table_new(scale_store_t *store, const scale_tabletype_t *type,
                               scale_val_t init, scale_table_t **out) {
  if (type->elem != SCALE_FUNCREF && type->elem != SCALE_EXTERNREF)
    return scale__error_new(-1, "table element type must be funcref or externref");
  if (init.kind != type->elem)
    return scale__error_new(-1, "table initial value is %s, the table holds %s",
                            scale_valkind_name(init.kind), scale_valkind_name(type->elem));
  wasm_tabletype_t t = {(uint8_t)type->elem,
                        {type->limits.min, type->limits.max, type->limits.has_max}};
  return scale__table_create(store, t, (void *)(uintptr_t)scale__val_to_slot(&init), out);
}

uint32_t scale_table_size(const scale_table_t *t) {
  return t->size;
}

scale_tabletype_t scale_table_type(const scale_table_t *t) {
  scale_tabletype_t r;
  r.elem = (scale_valkind_t)t->elem_type;
  r.limits.min = t->size;
  r.limits.has_max = t->has_max;
  r.limits.max = t->has_max ? t->max_size : 0;
  return r;
}

bool scale_table_get(const scale_table_t *t, uint32_t i, scale_val_t *out) {
  if (i >= t->size) return false;
  *out = scale__slot_to_val(scale__table_load(t, i), t->elem_type);
  return true;
}

bool scale_table_set(scale_table_t *t, uint32_t i, scale_val_t v) {
  if (i >= t->size || !ref_kind_ok(t, &v)) return false;
  scale__table_store(t, i, scale__val_to_slot(&v));
  return true;
}

bool scale_table_grow(scale_table_t *t, uint32_t delta, scale_val_t init, uint32_t *old_size) {
  if (!ref_kind_ok(t, &init)) return false;
  int64_t r = scale__table_grow(t, delta, (void *)(uintptr_t)scale__val_to_slot(&init), UINT32_MAX);
  if (r < 0) return false;
  if (old_size) *old_size = (uint32_t)r;
  return true;
}

/* ---- globals ------------------------------------------------------ */

scale_global_t *scale__global_create(scale_store_t *store, wasm_globaltype_t type, uint64_t value) {
  scale_global_t *g = scale__store_alloc(store, sizeof *g);
  if (!g) return NULL;
  g->type.kind = (scale_valkind_t)type.type;
  g->type.mutable_ = type.mutable_;
  scale__global_store(g, value);
  return g;
}

scale_error_t *scale_global_new(scale_store_t *store, const scale_globaltype_t *type,
                                scale_val_t init, scale_global_t **out) {
  if (init.kind != type->kind)
    return scale__error_new(-1, "global initial value is %s, the global holds %s",
                            scale_valkind_name(init.kind), scale_valkind_name(type->kind));
  wasm_globaltype_t t = {(uint8_t)type->kind, type->mutable_};
  scale_global_t *g = scale__global_create(store, t, scale__val_to_slot(&init));
  if (!g) return scale__error_new(-1, "out of memory");
  *out = g;
  return NULL;
}

scale_globaltype_t scale_global_type(const scale_global_t *g) {
  return g->type;
}

scale_val_t scale_global_get(const scale_global_t *g) {
  return scale__slot_to_val(scale__global_load(g), (uint8_t)g->type.kind);
}

scale_error_t *scale_global_set(scale_global_t *g, scale_val_t v) {
  if (!g->type.mutable_) return scale__error_new(-1, "global is immutable");
  if (v.kind != g->type.kind)
    return scale__error_new(-1, "global holds %s, not %s", scale_valkind_name(g->type.kind),
                            scale_valkind_name(v.kind));
  scale__global_store(g, scale__val_to_slot(&v));
  return NULL;
}

/* ---- functions ---------------------------------------------------- */

static void func_finalize(void *arg) {
  scale_func_t *f = arg;
  if (f->finalize) f->finalize(f->env);
}

scale_func_t *scale_func_new(scale_store_t *store, const scale_functype_t *type, scale_host_fn_t fn,
                             void *env, void (*finalize)(void *env)) {
  if (!type || !fn) return NULL;
  const scale_functype_t *interned =
      scale__engine_intern(store->engine, type->kinds, type->param_count,
                           type->kinds + type->param_count, type->result_count);
  if (!interned) return NULL;
  scale_func_t *f = scale__store_alloc(store, sizeof *f);
  if (!f) return NULL;
  f->type = interned;
  f->store = store;
  f->host = fn;
  f->env = env;
  f->finalize = finalize;
  f->ref = (scale__ref_t){interned->id, scale__foreign_fn, f};
  if (finalize && !scale__store_on_delete(store, func_finalize, f)) return NULL;
  return f;
}

scale_func_t *scale__func_create_wasm(scale_store_t *store, scale_instance_t *instance,
                                      uint32_t func_index, const scale_functype_t *type,
                                      const struct scale__code *code) {
  scale_func_t *f = scale__store_alloc(store, sizeof *f);
  if (!f) return NULL;
  f->type = type;
  f->store = store;
  f->instance = instance;
  f->code = code;
  f->func_index = func_index;
  f->ref = (scale__ref_t){type->id, scale__foreign_fn, f};
  return f;
}

const scale_functype_t *scale_func_type(const scale_func_t *func) {
  return func->type;
}
