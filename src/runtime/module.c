/*
 * scale_module_t: a decoded, validated module with its types interned in
 * the engine and every function compiled for the interpreter. Immutable
 * once built, so instances on many threads can share it.
 */
#include <stdlib.h>
#include <string.h>

#include "aot/tier.h"
#include "runtime/runtime.h"
#include "wasm/interp/interp.h"

static scale_error_t *diag_error(const wasm_diag_t *d) {
  if (d->detail[0]) return scale__error_new((int64_t)d->offset, "%s (%s)", d->message, d->detail);
  return scale__error_new((int64_t)d->offset, "%s", d->message);
}

static scale_error_t *decode_and_validate(const uint8_t *bytes, size_t len, wasm_module_t **out) {
  if (!bytes && len) return scale__error_new(-1, "module bytes are NULL");
  if (len > SCALE_MAX_MODULE_BYTES)
    return scale__error_new(-1, "module is %zu bytes, the limit is %u", len,
                            SCALE_MAX_MODULE_BYTES);
  wasm_diag_t d;
  memset(&d, 0, sizeof d);
  wasm_module_t *m = NULL;
  if (!wasm_module_decode(bytes, len, &m, &d)) return diag_error(&d);
  if (!wasm_module_validate(m, &d)) {
    scale_error_t *e = diag_error(&d);
    wasm_module_free(m);
    return e;
  }
  *out = m;
  return NULL;
}

scale_error_t *scale_module_validate(scale_engine_t *engine, const uint8_t *bytes, size_t len) {
  (void)engine;
  wasm_module_t *m = NULL;
  scale_error_t *e = decode_and_validate(bytes, len, &m);
  wasm_module_free(m);
  return e;
}

scale_error_t *scale_module_new(scale_engine_t *engine, const uint8_t *bytes, size_t len,
                                scale_module_t **out) {
  wasm_module_t *w = NULL;
  scale_error_t *e = decode_and_validate(bytes, len, &w);
  if (e) return e;
  scale_module_t *m = calloc(1, sizeof *m);
  if (m) atomic_init(&m->refs, 1);
  if (!m) goto oom;
  m->engine = engine;
  m->wasm = w;
  m->types = calloc(w->type_count ? w->type_count : 1, sizeof *m->types);
  m->codes = calloc(w->func_count ? w->func_count : 1, sizeof *m->codes);
  if (!m->types || !m->codes) goto oom;
  for (uint32_t i = 0; i < w->type_count; i++) {
    const wasm_functype_t *t = &w->types[i];
    m->types[i] = scale__engine_intern(engine, wasm_functype_params(t), t->param_count,
                                       wasm_functype_results(t), t->result_count);
    if (!m->types[i]) goto oom;
  }
  for (uint32_t i = 0; i < w->func_count; i++) {
    wasm_diag_t d;
    memset(&d, 0, sizeof d);
    if (!scale__interp_compile(w, m->types, i, &m->codes[i], &d)) {
      e = d.message ? diag_error(&d) : scale__error_new(-1, "out of memory");
      scale_module_delete(m);
      return e;
    }
  }
  scale__tier_module_created(m);
  *out = m;
  return NULL;
oom:
  if (m) {
    scale_module_delete(m);
  } else {
    wasm_module_free(w);
  }
  return scale__error_new(-1, "out of memory");
}

void scale_module_delete(scale_module_t *m) {
  scale__module_release(m);
}

void scale__module_retain(const scale_module_t *m) {
  atomic_fetch_add_explicit(&((scale_module_t *)m)->refs, 1, memory_order_relaxed);
}

void scale__module_release(const scale_module_t *cm) {
  scale_module_t *m = (scale_module_t *)cm;
  if (!m) return;
  if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
  scale__tier_module_deleting(m);
  if (m->codes)
    for (uint32_t i = 0; i < m->wasm->func_count; i++)
      scale__interp_code_free(m->codes[i]);
  free(m->codes);
  free(m->types);
  wasm_module_free(m->wasm);
  free(m);
}

/* ---- introspection -------------------------------------------------- */

static scale_limits_t limits_of(wasm_limits_t l) {
  scale_limits_t r = {l.min, l.max, l.has_max};
  return r;
}

static scale_tabletype_t tabletype_of(wasm_tabletype_t t) {
  scale_tabletype_t r = {(scale_valkind_t)t.elem_type, limits_of(t.limits)};
  return r;
}

static scale_globaltype_t globaltype_of(wasm_globaltype_t g) {
  scale_globaltype_t r = {(scale_valkind_t)g.type, g.mutable_};
  return r;
}

/* Interned type of function `index`: module->types runs parallel to wasm->types. */
static const scale_functype_t *func_type(const scale_module_t *m, uint32_t index) {
  return m->types[wasm_module_func_type(m->wasm, index) - m->wasm->types];
}

size_t scale_module_import_count(const scale_module_t *m) {
  return m->wasm->import_count;
}

void scale_module_import(const scale_module_t *m, size_t i, scale_externdesc_t *out) {
  const wasm_import_t *im = &m->wasm->imports[i];
  memset(out, 0, sizeof *out);
  out->module = im->module;
  out->module_len = im->module_len;
  out->name = im->name;
  out->name_len = im->name_len;
  out->kind = (scale_externkind_t)im->kind;
  switch (im->kind) {
  case WASM_EXTERN_FUNC:
    out->type.func = m->types[im->desc.func_type];
    break;
  case WASM_EXTERN_TABLE:
    out->type.table = tabletype_of(im->desc.table);
    break;
  case WASM_EXTERN_MEMORY:
    out->type.memory.limits = limits_of(im->desc.memory);
    break;
  default:
    out->type.global = globaltype_of(im->desc.global);
    break;
  }
}

size_t scale_module_export_count(const scale_module_t *m) {
  return m->wasm->export_count;
}

void scale_module_export(const scale_module_t *m, size_t i, scale_externdesc_t *out) {
  const wasm_module_t *w = m->wasm;
  const wasm_export_t *ex = &w->exports[i];
  memset(out, 0, sizeof *out);
  out->name = ex->name;
  out->name_len = ex->name_len;
  out->kind = (scale_externkind_t)ex->kind;
  switch (ex->kind) {
  case WASM_EXTERN_FUNC:
    out->type.func = func_type(m, ex->index);
    break;
  case WASM_EXTERN_TABLE:
    out->type.table = tabletype_of(wasm_module_table_type(w, ex->index));
    break;
  case WASM_EXTERN_MEMORY:
    out->type.memory.limits = limits_of(wasm_module_memory_type(w, ex->index));
    break;
  default:
    out->type.global = globaltype_of(wasm_module_global_type(w, ex->index));
    break;
  }
}
