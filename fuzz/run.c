/*
 * libFuzzer target: compile, instantiate and run arbitrary modules.
 *
 * Every import is satisfied by a made-up extern of the declared type (host
 * functions return zeros, memories and tables start empty at their minimum,
 * globals hold zero), then every exported function is called with zero
 * arguments. Fuel and a 256-page memory cap bound each input's time and
 * memory: bad inputs must end in errors or traps, never in a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Instruction budget per call (and for the start function). */
#define FUZZ_FUEL 100000u
/* Exports called per input: keeps one input's time bounded. */
#define FUZZ_MAX_CALLS 64u
#define FUZZ_MAX_PAGES 256u
#define FUZZ_MAX_TABLE 100000u

static scale_engine_t *engine;

static scale_val_t zero_of(scale_valkind_t kind) {
  scale_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = kind;
  return v;
}

/* env is the import's function type, borrowed from the module. */
static scale_trap_t *host_zero(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  const scale_functype_t *type = env;
  (void)caller, (void)args, (void)nargs;
  for (size_t i = 0; i < nresults; i++)
    results[i] = zero_of(scale_functype_result(type, i));
  return NULL;
}

static char *copy_name(const char *s, size_t len) {
  char *out = malloc(len + 1);
  if (out) {
    memcpy(out, s, len);
    out[len] = '\0';
  }
  return out;
}

/* Define one made-up extern for import @p d; failures just leave it unlinked. */
static void provide_import(scale_linker_t *linker, scale_store_t *store,
                           const scale_externdesc_t *d) {
  char *mod = copy_name(d->module, d->module_len);
  char *name = copy_name(d->name, d->name_len);
  scale_error_t *err = NULL;
  scale_extern_t ext;
  memset(&ext, 0, sizeof ext);
  ext.kind = d->kind;
  if (!mod || !name) goto out;
  switch (d->kind) {
  case SCALE_EXTERN_FUNC:
    err =
        scale_linker_define_func(linker, mod, name, d->type.func, host_zero, (void *)d->type.func);
    goto out;
  case SCALE_EXTERN_TABLE:
    err = scale_table_new(store, &d->type.table, zero_of(d->type.table.elem), &ext.of.table);
    break;
  case SCALE_EXTERN_MEMORY:
    err = scale_memory_new(store, &d->type.memory, &ext.of.memory);
    break;
  case SCALE_EXTERN_GLOBAL:
    err = scale_global_new(store, &d->type.global, zero_of(d->type.global.kind), &ext.of.global);
    break;
  }
  if (!err) err = scale_linker_define(linker, mod, name, ext);
out:
  scale_error_delete(err);
  free(mod);
  free(name);
}

static void call_exports(scale_store_t *store, scale_instance_t *instance,
                         const scale_module_t *module) {
  size_t n = scale_module_export_count(module), calls = 0;
  for (size_t i = 0; i < n && calls < FUZZ_MAX_CALLS; i++) {
    scale_externdesc_t d;
    scale_extern_t ext;
    scale_module_export(module, i, &d);
    if (d.kind != SCALE_EXTERN_FUNC || !scale_instance_export_n(instance, d.name, d.name_len, &ext))
      continue;
    if (ext.kind != SCALE_EXTERN_FUNC) abort(); /* the instance disagrees with its module */
    const scale_functype_t *type = scale_func_type(ext.of.func);
    size_t np = scale_functype_param_count(type), nr = scale_functype_result_count(type);
    scale_val_t *args = calloc(np + 1, sizeof *args);
    scale_val_t *results = calloc(nr + 1, sizeof *results);
    if (args && results) {
      for (size_t j = 0; j < np; j++)
        args[j] = zero_of(scale_functype_param(type, j));
      scale_trap_t *trap = NULL;
      scale_store_set_fuel(store, FUZZ_FUEL);
      scale_error_t *err = scale_func_call(store, ext.of.func, args, np, results, nr, &trap);
      scale_error_delete(err);
      scale_trap_delete(trap);
    }
    free(args);
    free(results);
    calls++;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) {
    scale_config_t cfg;
    scale_config_default(&cfg);
    cfg.max_memory_pages = FUZZ_MAX_PAGES;
    cfg.max_table_elems = FUZZ_MAX_TABLE;
    scale_error_t *err = scale_engine_new(&cfg, &engine);
    if (err) {
      fprintf(stderr, "fuzz_run: cannot create engine: %s\n", scale_error_message(err));
      abort();
    }
  }
  scale_module_t *module = NULL;
  scale_error_t *err = scale_module_new(engine, data, size, &module);
  if (err) {
    scale_error_delete(err);
    return 0;
  }
  scale_store_t *store = scale_store_new(engine);
  scale_linker_t *linker = scale_linker_new(engine);
  if (store && linker) {
    size_t n = scale_module_import_count(module);
    for (size_t i = 0; i < n; i++) {
      scale_externdesc_t d;
      scale_module_import(module, i, &d);
      provide_import(linker, store, &d);
    }
    scale_instance_t *instance = NULL;
    scale_trap_t *trap = NULL;
    scale_store_set_fuel(store, FUZZ_FUEL);
    err = scale_linker_instantiate(linker, store, module, &instance, &trap);
    if (!err && !trap && instance) call_exports(store, instance, module);
    scale_error_delete(err);
    scale_trap_delete(trap);
  }
  /* The store goes first: its host functions borrow types from the module. */
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  return 0;
}
