/*
 * Module-level validation: index spaces, limits, segments, exports, the
 * start function, and then every function body (code.c).
 *
 * Runs in time linear in the module (export names are sorted once); it
 * never changes the module, so a module may be validated from any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/validate/validate.h"

#define MAX_PAGES 65536u

static const char MISMATCH[] = "type mismatch";

static bool fail(scale__vctx_t *v, size_t offset, const char *msg) {
  return scale__validate_fail(v, offset, msg);
}

static bool table_limits(scale__vctx_t *v, const wasm_limits_t *l) {
  if (l->has_max && l->min > l->max)
    return fail(v, 0, "size minimum must not be greater than maximum");
  return true;
}

static bool memory_limits(scale__vctx_t *v, const wasm_limits_t *l) {
  static const char range[] = "memory size must be at most 65536 pages (4GiB)";
  if (l->min > MAX_PAGES) return fail(v, 0, range);
  if (l->has_max && l->max > MAX_PAGES) return fail(v, 0, range);
  return table_limits(v, l);
}

/* Resolve the index spaces once so instruction checks are O(1). */
static bool resolve(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  v->func_total = wasm_module_total_funcs(m);
  v->table_total = wasm_module_total_tables(m);
  v->memory_total = wasm_module_total_memories(m);
  v->global_total = wasm_module_total_globals(m);
  v->func_types = calloc(v->func_total ? v->func_total : 1, sizeof *v->func_types);
  v->tables = calloc(v->table_total ? v->table_total : 1, sizeof *v->tables);
  v->globals = calloc(v->global_total ? v->global_total : 1, sizeof *v->globals);
  if (!v->func_types || !v->tables || !v->globals) return fail(v, 0, "out of memory");

  uint32_t nf = 0, nt = 0, ng = 0;
  for (uint32_t i = 0; i < m->import_count; i++) {
    const wasm_import_t *im = &m->imports[i];
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
      if (im->desc.func_type >= m->type_count) return fail(v, 0, "unknown type");
      v->func_types[nf++] = &m->types[im->desc.func_type];
      break;
    case WASM_EXTERN_TABLE:
      if (!table_limits(v, &im->desc.table.limits)) return false;
      v->tables[nt++] = im->desc.table;
      break;
    case WASM_EXTERN_MEMORY:
      if (!memory_limits(v, &im->desc.memory)) return false;
      break;
    case WASM_EXTERN_GLOBAL:
      v->globals[ng++] = im->desc.global;
      break;
    }
  }
  for (uint32_t i = 0; i < m->func_count; i++) {
    if (m->funcs[i].type_index >= m->type_count)
      return fail(v, m->funcs[i].code_offset, "unknown type");
    v->func_types[nf++] = &m->types[m->funcs[i].type_index];
  }
  for (uint32_t i = 0; i < m->table_count; i++) {
    if (!table_limits(v, &m->tables[i].limits)) return false;
    v->tables[nt++] = m->tables[i];
  }
  for (uint32_t i = 0; i < m->memory_count; i++)
    if (!memory_limits(v, &m->memories[i])) return false;
  for (uint32_t i = 0; i < m->global_count; i++)
    v->globals[ng++] = m->globals[i].type;
  return true;
}

static bool globals(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  for (uint32_t i = 0; i < m->global_count; i++)
    if (!scale__validate_const(v, &m->globals[i].init, m->globals[i].type.type,
                               m->imported_global_count))
      return false;
  return true;
}

static bool elems(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  for (uint32_t i = 0; i < m->elem_count; i++) {
    const wasm_elem_t *e = &m->elems[i];
    for (uint32_t k = 0; k < e->count; k++) {
      const wasm_const_expr_t *it = &e->items[k];
      if (it->kind == WASM_CONST_REF_FUNC) {
        /* A bare function index (segment flags 0-3) or a lone `ref.func x`. */
        if (it->index >= v->func_total) return fail(v, it->offset, "unknown function");
        if (e->elem_type != WASM_FUNCREF) return fail(v, it->offset, MISMATCH);
        continue;
      }
      if (!scale__validate_const(v, it, e->elem_type, m->imported_global_count)) return false;
    }
    if (e->mode == WASM_SEGMENT_ACTIVE) {
      if (e->table_index >= v->table_total) return fail(v, e->offset.offset, "unknown table");
      if (v->tables[e->table_index].elem_type != e->elem_type)
        return fail(v, e->offset.offset, MISMATCH);
      if (!scale__validate_const(v, &e->offset, WASM_I32, m->imported_global_count)) return false;
    }
  }
  return true;
}

static bool datas(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  for (uint32_t i = 0; i < m->data_seg_count; i++) {
    const wasm_data_t *d = &m->datas[i];
    if (d->mode != WASM_SEGMENT_ACTIVE) continue;
    if (d->memory_index >= v->memory_total) return fail(v, d->offset.offset, "unknown memory");
    if (!scale__validate_const(v, &d->offset, WASM_I32, m->imported_global_count)) return false;
  }
  return true;
}

static bool start(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  if (!m->has_start) return true;
  if (m->start_func >= v->func_total) return fail(v, 0, "unknown function");
  const wasm_functype_t *t = v->func_types[m->start_func];
  if (t->param_count || t->result_count) return fail(v, 0, "start function");
  return true;
}

static int export_cmp(const void *a, const void *b) {
  const wasm_export_t *x = *(const wasm_export_t *const *)a;
  const wasm_export_t *y = *(const wasm_export_t *const *)b;
  if (x->name_len != y->name_len) return x->name_len < y->name_len ? -1 : 1;
  return x->name_len ? memcmp(x->name, y->name, x->name_len) : 0;
}

static bool exports(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  for (uint32_t i = 0; i < m->export_count; i++) {
    const wasm_export_t *ex = &m->exports[i];
    switch (ex->kind) {
    case WASM_EXTERN_FUNC:
      if (ex->index >= v->func_total) return fail(v, 0, "unknown function");
      break;
    case WASM_EXTERN_TABLE:
      if (ex->index >= v->table_total) return fail(v, 0, "unknown table");
      break;
    case WASM_EXTERN_MEMORY:
      if (ex->index >= v->memory_total) return fail(v, 0, "unknown memory");
      break;
    case WASM_EXTERN_GLOBAL:
      if (ex->index >= v->global_total) return fail(v, 0, "unknown global");
      break;
    }
  }
  if (m->export_count < 2) return true;
  const wasm_export_t **sorted = malloc(m->export_count * sizeof *sorted);
  if (!sorted) return fail(v, 0, "out of memory");
  for (uint32_t i = 0; i < m->export_count; i++)
    sorted[i] = &m->exports[i];
  qsort(sorted, m->export_count, sizeof *sorted, export_cmp);
  bool ok = true;
  for (uint32_t i = 1; i < m->export_count && ok; i++)
    if (export_cmp(&sorted[i - 1], &sorted[i]) == 0)
      ok = fail(v, (size_t)((const uint8_t *)sorted[i]->name - m->bytes), "duplicate export name");
  free(sorted);
  return ok;
}

static bool funcs(scale__vctx_t *v) {
  const wasm_module_t *m = v->m;
  for (uint32_t i = 0; i < m->func_count; i++) {
    if (scale__validate_func(v, i)) continue;
    /* The reference decoder reads every body before any type check: a
     * malformed later body is the error it would report. */
    uint32_t at = i;
    if (v->type_error) {
      wasm_diag_t saved = *v->diag;
      v->diag->message = NULL;
      for (at = i + 1; at < m->func_count; at++)
        if (!scale__validate_scan(v, at)) break;
      if (at == m->func_count) {
        *v->diag = saved;
        at = i;
      }
    }
    snprintf(v->diag->detail, sizeof v->diag->detail, "in function %u",
             m->imported_func_count + at);
    return false;
  }
  return true;
}

bool wasm_module_validate(const wasm_module_t *m, wasm_diag_t *diag) {
  wasm_diag_t scratch;
  if (!diag) diag = &scratch;
  memset(diag, 0, sizeof *diag);
  scale__vctx_t v;
  memset(&v, 0, sizeof v);
  v.m = m;
  v.diag = diag;
  bool ok =
      resolve(&v) && globals(&v) && elems(&v) && datas(&v) && funcs(&v) && start(&v) && exports(&v);
  if (ok && v.memory_total > 1) ok = fail(&v, 0, "multiple memories");
  free(v.func_types);
  free(v.tables);
  free(v.globals);
  free(v.vals);
  free(v.ctrls);
  free(v.locals);
  return ok;
}
