/*
 * Instantiation, following Wasm 2.0: resolve and type-check imports,
 * allocate what the module defines, evaluate global initialisers, apply
 * active element then data segments in order (each bounds-checked as a
 * whole; earlier writes stay when a later one traps), then run start.
 */
#include <stdlib.h>
#include <string.h>

#include "aot/tier.h"
#include "runtime/linker.h"
#include "runtime/runtime.h"

static uint64_t eval_const(const scale_instance_t *inst, const wasm_const_expr_t *c) {
  switch (c->kind) {
  case WASM_CONST_I32:
  case WASM_CONST_I64:
  case WASM_CONST_F32:
  case WASM_CONST_F64:
    return c->bits;
  case WASM_CONST_GLOBAL_GET:
    return scale__global_load(inst->globals[c->index]);
  case WASM_CONST_REF_NULL:
    return 0;
  case WASM_CONST_REF_FUNC:
    return (uint64_t)(uintptr_t)inst->funcs[c->index];
  }
  return 0;
}

static bool limits_match(uint32_t have_min, bool have_has_max, uint32_t have_max,
                         wasm_limits_t want) {
  if (have_min < want.min) return false;
  if (want.has_max) {
    if (!have_has_max || have_max > want.max) return false;
  }
  return true;
}

static scale_error_t *import_error(const wasm_import_t *im, const char *what) {
  return scale__error_new(-1, "%s: '%.*s' '%.*s'", what, (int)im->module_len, im->module,
                          (int)im->name_len, im->name);
}

/* Resolve one import into the instance's index spaces. */
static scale_error_t *link_import(scale_linker_t *l, scale_store_t *store, scale_instance_t *inst,
                                  const wasm_import_t *im, uint32_t counts[4]) {
  const struct scale__link *e =
      l ? scale__linker_find(l, im->module, im->module_len, im->name, im->name_len) : NULL;
  if (!e) return import_error(im, "unknown import");
  const scale_module_t *m = inst->module;
  if (e->is_host) {
    if (im->kind != WASM_EXTERN_FUNC || e->type != m->types[im->desc.func_type])
      return import_error(im, "incompatible import type");
    scale_func_t *f = scale_func_new(store, e->type, e->fn, e->env, NULL);
    if (!f) return scale__error_new(-1, "out of memory");
    inst->funcs[counts[0]++] = f;
    return NULL;
  }
  if ((uint8_t)e->ext.kind != im->kind) return import_error(im, "incompatible import type");
  switch (im->kind) {
  case WASM_EXTERN_FUNC: {
    scale_func_t *f = e->ext.of.func;
    if (f->store != store) return import_error(im, "import from another store");
    if (f->type != m->types[im->desc.func_type])
      return import_error(im, "incompatible import type");
    inst->funcs[counts[0]++] = f;
    break;
  }
  case WASM_EXTERN_TABLE: {
    scale_table_t *t = e->ext.of.table;
    if (t->elem_type != im->desc.table.elem_type ||
        !limits_match(t->size, t->has_max, t->max_size, im->desc.table.limits))
      return import_error(im, "incompatible import type");
    inst->tables[counts[1]++] = t;
    break;
  }
  case WASM_EXTERN_MEMORY: {
    scale_memory_t *mem = e->ext.of.memory;
    if (!limits_match(mem->pages, mem->has_max, mem->declared_max, im->desc.memory))
      return import_error(im, "incompatible import type");
    inst->memories[counts[2]++] = mem;
    break;
  }
  default: {
    scale_global_t *g = e->ext.of.global;
    if ((uint8_t)g->type.kind != im->desc.global.type ||
        g->type.mutable_ != im->desc.global.mutable_)
      return import_error(im, "incompatible import type");
    inst->globals[counts[3]++] = g;
    break;
  }
  }
  return NULL;
}

static scale_error_t *allocate(scale_store_t *store, scale_instance_t *inst) {
  const wasm_module_t *w = inst->module->wasm;
  size_t nf = wasm_module_total_funcs(w), nt = wasm_module_total_tables(w);
  size_t nm = wasm_module_total_memories(w), ng = wasm_module_total_globals(w);
  inst->funcs = scale__store_alloc(store, (nf ? nf : 1) * sizeof *inst->funcs);
  inst->tables = scale__store_alloc(store, (nt ? nt : 1) * sizeof *inst->tables);
  inst->memories = scale__store_alloc(store, (nm ? nm : 1) * sizeof *inst->memories);
  inst->globals = scale__store_alloc(store, (ng ? ng : 1) * sizeof *inst->globals);
  inst->elem_dropped = scale__store_alloc(store, w->elem_count + 1);
  inst->data_dropped = scale__store_alloc(store, w->data_seg_count + 1);
  if (!inst->funcs || !inst->tables || !inst->memories || !inst->globals || !inst->elem_dropped ||
      !inst->data_dropped)
    return scale__error_new(-1, "out of memory");
  return NULL;
}

static scale_error_t *define(scale_store_t *store, scale_instance_t *inst) {
  const scale_module_t *m = inst->module;
  const wasm_module_t *w = m->wasm;
  for (uint32_t i = 0; i < w->func_count; i++) {
    uint32_t index = w->imported_func_count + i;
    scale_func_t *f =
        scale__func_create_wasm(store, inst, index, m->types[w->funcs[i].type_index], m->codes[i]);
    if (!f) return scale__error_new(-1, "out of memory");
    inst->funcs[index] = f;
  }
  for (uint32_t i = 0; i < w->table_count; i++) {
    scale_error_t *e =
        scale__table_create(store, w->tables[i], NULL, &inst->tables[w->imported_table_count + i]);
    if (e) return e;
  }
  for (uint32_t i = 0; i < w->memory_count; i++) {
    scale_error_t *e =
        scale__memory_create(store, w->memories[i], &inst->memories[w->imported_memory_count + i]);
    if (e) return e;
  }
  for (uint32_t i = 0; i < w->global_count; i++) {
    /* Initialisers may read imported globals (and, in newer specs, earlier ones). */
    uint64_t v = eval_const(inst, &w->globals[i].init);
    scale_global_t *g = scale__global_create(store, w->globals[i].type, v);
    if (!g) return scale__error_new(-1, "out of memory");
    inst->globals[w->imported_global_count + i] = g;
  }
  return NULL;
}

/* Apply active segments; returns a trap code or 0. */
static int init_segments(scale_instance_t *inst) {
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < w->elem_count; i++) {
    const wasm_elem_t *el = &w->elems[i];
    if (el->mode == WASM_SEGMENT_DECLARATIVE) {
      inst->elem_dropped[i] = true;
      continue;
    }
    if (el->mode != WASM_SEGMENT_ACTIVE) continue;
    scale_table_t *t = inst->tables[el->table_index];
    uint32_t off = (uint32_t)eval_const(inst, &el->offset);
    if ((uint64_t)off + el->count > t->size) return SCALE_TRAP_TABLE_OOB;
    for (uint32_t j = 0; j < el->count; j++)
      scale__table_store(t, off + j, eval_const(inst, &el->items[j]));
    inst->elem_dropped[i] = true;
  }
  for (uint32_t i = 0; i < w->data_seg_count; i++) {
    const wasm_data_t *d = &w->datas[i];
    if (d->mode != WASM_SEGMENT_ACTIVE) continue;
    scale_memory_t *mem = inst->memories[d->memory_index];
    uint32_t off = (uint32_t)eval_const(inst, &d->offset);
    if ((uint64_t)off + d->len > mem->size) return SCALE_TRAP_MEMORY_OOB;
    if (d->len) memcpy(mem->data + off, d->bytes, d->len);
    inst->data_dropped[i] = true;
  }
  return 0;
}

static void release_module(void *module) {
  scale__module_release(module);
}

scale_error_t *scale__instantiate_bare(scale_linker_t *linker, scale_store_t *store,
                                       const scale_module_t *module, scale_instance_t **out) {
  if (!store || !module || !out) return scale__error_new(-1, "invalid argument");
  if (module->engine != store->engine)
    return scale__error_new(-1, "module and store belong to different engines");
  scale_instance_t *inst = scale__store_alloc(store, sizeof *inst);
  if (!inst) return scale__error_new(-1, "out of memory");
  /* The instance keeps the module's code and types alive past scale_module_delete. */
  if (!scale__store_on_delete(store, release_module, (void *)module))
    return scale__error_new(-1, "out of memory");
  scale__module_retain(module);
  inst->store = store;
  inst->module = module;
  inst->types = module->types;
  scale_error_t *e = allocate(store, inst);
  if (e) return e;
  const wasm_module_t *w = module->wasm;
  uint32_t counts[4] = {0, 0, 0, 0};
  for (uint32_t i = 0; i < w->import_count; i++) {
    e = link_import(linker, store, inst, &w->imports[i], counts);
    if (e) return e;
  }
  e = define(store, inst);
  if (e) return e;
  e = scale__tier_attach(inst);
  if (e) return e;
  *out = inst;
  return NULL;
}

scale_error_t *scale_linker_instantiate(scale_linker_t *linker, scale_store_t *store,
                                        const scale_module_t *module, scale_instance_t **out,
                                        scale_trap_t **trap) {
  *trap = NULL;
  scale_instance_t *inst = NULL;
  scale_error_t *e = scale__instantiate_bare(linker, store, module, &inst);
  if (e) return e;
  int code = init_segments(inst);
  if (code) {
    *trap = scale__trap_from_code((scale_trap_code_t)code);
    return NULL;
  }
  const wasm_module_t *w = module->wasm;
  if (w->has_start) {
    e = scale_func_call(store, inst->funcs[w->start_func], NULL, 0, NULL, 0, trap);
    if (e || *trap) return e;
  }
  *out = inst;
  return NULL;
}

bool scale_instance_export_n(scale_instance_t *inst, const char *name, size_t name_len,
                             scale_extern_t *out) {
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < w->export_count; i++) {
    const wasm_export_t *ex = &w->exports[i];
    if (ex->name_len != name_len || memcmp(ex->name, name, name_len) != 0) continue;
    out->kind = (scale_externkind_t)ex->kind;
    switch (ex->kind) {
    case WASM_EXTERN_FUNC:
      out->of.func = inst->funcs[ex->index];
      break;
    case WASM_EXTERN_TABLE:
      out->of.table = inst->tables[ex->index];
      break;
    case WASM_EXTERN_MEMORY:
      out->of.memory = inst->memories[ex->index];
      break;
    default:
      out->of.global = inst->globals[ex->index];
      break;
    }
    return true;
  }
  return false;
}

bool scale_instance_export(scale_instance_t *inst, const char *name, scale_extern_t *out) {
  return scale_instance_export_n(inst, name, strlen(name), out);
}

const scale_module_t *scale_instance_module(const scale_instance_t *inst) {
  return inst->module;
}
