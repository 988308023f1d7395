/*
 * The `spectest` host module every suite may import from. Values follow
 * the spec's reference interpreter (shared/spectest/README.md): immutable
 * globals holding 666 / 666.6, a 10..20 funcref table, a 1..2 page memory
 * and print functions that do nothing (the runner's output is its report,
 * not the guest's prints).
 */
#include "spectest.h"

static scale_trap_t *print_nothing(void *env, scale_caller_t *caller, const scale_val_t *args,
                                   size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)results, (void)nresults;
  return NULL;
}

static scale_error_t *define_extern(scale_linker_t *linker, const char *name, scale_extern_t ext) {
  return scale_linker_define(linker, "spectest", name, ext);
}

static scale_error_t *define_global(scale_linker_t *linker, scale_store_t *store, const char *name,
                                    scale_val_t init) {
  scale_globaltype_t type = {init.kind, false};
  scale_global_t *global = NULL;
  scale_error_t *err = scale_global_new(store, &type, init, &global);
  if (err) return err;
  scale_extern_t ext = {.kind = SCALE_EXTERN_GLOBAL, .of.global = global};
  return define_extern(linker, name, ext);
}

static scale_error_t *define_print(scale_linker_t *linker, scale_store_t *store, const char *name,
                                   const scale_valkind_t *params, size_t nparams) {
  scale_functype_t *type = scale_functype_new(params, nparams, NULL, 0);
  if (!type) return NULL; /* out of memory: the import then fails to link, visibly */
  scale_func_t *func = scale_func_new(store, type, print_nothing, NULL, NULL);
  scale_functype_delete(type);
  if (!func) return NULL;
  scale_extern_t ext = {.kind = SCALE_EXTERN_FUNC, .of.func = func};
  return define_extern(linker, name, ext);
}

scale_error_t *spec_host_define(scale_linker_t *linker, scale_store_t *store) {
  static const scale_valkind_t i32[] = {SCALE_I32};
  static const scale_valkind_t i64[] = {SCALE_I64};
  static const scale_valkind_t f32[] = {SCALE_F32};
  static const scale_valkind_t f64[] = {SCALE_F64};
  static const scale_valkind_t i32_f32[] = {SCALE_I32, SCALE_F32};
  static const scale_valkind_t f64_f64[] = {SCALE_F64, SCALE_F64};
  static const struct {
    const char *name;
    const scale_valkind_t *params;
    size_t nparams;
  } prints[] = {
      {"print", NULL, 0},
      {"print_i32", i32, 1},
      {"print_i64", i64, 1},
      {"print_f32", f32, 1},
      {"print_f64", f64, 1},
      {"print_i32_f32", i32_f32, 2},
      {"print_f64_f64", f64_f64, 2},
  };
  scale_error_t *err = NULL;

  for (size_t i = 0; i < sizeof prints / sizeof prints[0] && !err; i++)
    err = define_print(linker, store, prints[i].name, prints[i].params, prints[i].nparams);
  if (!err) err = define_global(linker, store, "global_i32", scale_val_i32(666));
  if (!err) err = define_global(linker, store, "global_i64", scale_val_i64(666));
  if (!err) err = define_global(linker, store, "global_f32", scale_val_f32(666.6f));
  if (!err) err = define_global(linker, store, "global_f64", scale_val_f64(666.6));
  if (err) return err;

  scale_tabletype_t ttype = {SCALE_FUNCREF, {10, 20, true}};
  scale_val_t null_func = {.kind = SCALE_FUNCREF, .of.funcref = NULL};
  scale_table_t *table = NULL;
  err = scale_table_new(store, &ttype, null_func, &table);
  if (!err)
    err = define_extern(linker, "table",
                        (scale_extern_t){.kind = SCALE_EXTERN_TABLE, .of.table = table});
  if (err) return err;

  scale_memorytype_t mtype = {{1, 2, true}};
  scale_memory_t *memory = NULL;
  err = scale_memory_new(store, &mtype, &memory);
  if (!err)
    err = define_extern(linker, "memory",
                        (scale_extern_t){.kind = SCALE_EXTERN_MEMORY, .of.memory = memory});
  return err;
}
