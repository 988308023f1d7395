/*
 * Index-space helpers over a decoded module, and its destruction.
 *
 * Imported entities come first in every index space, then definitions.
 * The accessors expect an index already checked by the validator.
 */
#include "wasm/module.h"

#include <stdlib.h>

uint32_t wasm_module_total_funcs(const wasm_module_t *m) {
  return m->imported_func_count + m->func_count;
}

uint32_t wasm_module_total_tables(const wasm_module_t *m) {
  return m->imported_table_count + m->table_count;
}

uint32_t wasm_module_total_memories(const wasm_module_t *m) {
  return m->imported_memory_count + m->memory_count;
}

uint32_t wasm_module_total_globals(const wasm_module_t *m) {
  return m->imported_global_count + m->global_count;
}

/* The n-th import of `kind`, or NULL when the module has no such import. */
static const wasm_import_t *nth_import(const wasm_module_t *m, uint8_t kind, uint32_t n) {
  uint32_t base = 0;
  if (kind > WASM_EXTERN_FUNC) base += m->imported_func_count;
  if (kind > WASM_EXTERN_TABLE) base += m->imported_table_count;
  if (kind > WASM_EXTERN_MEMORY) base += m->imported_memory_count;
  if (!m->import_by_kind || (uint64_t)base + n >= m->import_count) return NULL;
  const wasm_import_t *im = &m->imports[m->import_by_kind[base + n]];
  return im->kind == kind ? im : NULL;
}

const wasm_functype_t *wasm_module_func_type(const wasm_module_t *m, uint32_t index) {
  uint32_t type_index;
  if (index < m->imported_func_count) {
    const wasm_import_t *im = nth_import(m, WASM_EXTERN_FUNC, index);
    type_index = im ? im->desc.func_type : UINT32_MAX;
  } else if (index - m->imported_func_count < m->func_count) {
    type_index = m->funcs[index - m->imported_func_count].type_index;
  } else {
    return NULL;
  }
  return type_index < m->type_count ? &m->types[type_index] : NULL;
}

wasm_tabletype_t wasm_module_table_type(const wasm_module_t *m, uint32_t index) {
  wasm_tabletype_t none = {0};
  if (index < m->imported_table_count) {
    const wasm_import_t *im = nth_import(m, WASM_EXTERN_TABLE, index);
    return im ? im->desc.table : none;
  }
  index -= m->imported_table_count;
  return index < m->table_count ? m->tables[index] : none;
}

wasm_limits_t wasm_module_memory_type(const wasm_module_t *m, uint32_t index) {
  wasm_limits_t none = {0};
  if (index < m->imported_memory_count) {
    const wasm_import_t *im = nth_import(m, WASM_EXTERN_MEMORY, index);
    return im ? im->desc.memory : none;
  }
  index -= m->imported_memory_count;
  return index < m->memory_count ? m->memories[index] : none;
}

wasm_globaltype_t wasm_module_global_type(const wasm_module_t *m, uint32_t index) {
  wasm_globaltype_t none = {0};
  if (index < m->imported_global_count) {
    const wasm_import_t *im = nth_import(m, WASM_EXTERN_GLOBAL, index);
    return im ? im->desc.global : none;
  }
  index -= m->imported_global_count;
  return index < m->global_count ? m->globals[index].type : none;
}

void wasm_module_free(wasm_module_t *m) {
  if (!m) return;
  if (m->types)
    for (uint32_t i = 0; i < m->type_count; i++)
      free(m->types[i].types);
  free(m->types);
  free(m->imports);
  if (m->funcs)
    for (uint32_t i = 0; i < m->func_count; i++)
      free(m->funcs[i].local_decls);
  free(m->funcs);
  free(m->tables);
  free(m->memories);
  free(m->globals);
  free(m->exports);
  if (m->elems)
    for (uint32_t i = 0; i < m->elem_count; i++)
      free(m->elems[i].items);
  free(m->elems);
  free(m->datas);
  free(m->declared_funcs);
  free(m->import_by_kind);
  free(m->bytes);
  free(m);
}
