/*
 * Behaviour of the public embedding API: calls and their argument checks,
 * traps and recovery, host functions (results, traps, re-entry), linking
 * errors, memories, globals, tables, fuel, interruption and call depth.
 * Modules come from the .wat files in wat/, assembled by wat2wasm at build time.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/check.h"
#include "scale.h"

/* ---- host functions ------------------------------------------------ */

static scale_trap_t *host_double(void *env, scale_caller_t *caller, const scale_val_t *args,
                                 size_t nargs, scale_val_t *results, size_t nresults) {
  (void)caller;
  (void)nargs;
  (void)nresults;
  int *calls = env;
  (*calls)++;
  results[0] = scale_val_i32(args[0].of.i32 * 2);
  return NULL;
}

static scale_trap_t *host_fail(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)args;
  (void)nargs;
  (void)results;
  (void)nresults;
  return scale_trap_new("the host said no");
}

/* Calls the guest's "add" export from inside a host call: re-entry. */
static scale_trap_t *host_reenter(void *env, scale_caller_t *caller, const scale_val_t *args,
                                  size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)nargs;
  (void)nresults;
  scale_extern_t add;
  if (!scale_caller_export(caller, "add", &add) || add.kind != SCALE_EXTERN_FUNC)
    return scale_trap_new("no add export");
  scale_val_t in[2] = {args[0], scale_val_i32(100)};
  scale_trap_t *trap = NULL;
  scale_error_t *err =
      scale_func_call(scale_caller_store(caller), add.of.func, in, 2, results, 1, &trap);
  if (err) {
    scale_error_delete(err);
    return scale_trap_new("re-entry failed");
  }
  return trap;
}

static scale_func_t *export_func(scale_instance_t *inst, const char *name) {
  scale_extern_t ext;
  if (!scale_instance_export(inst, name, &ext) || ext.kind != SCALE_EXTERN_FUNC) return NULL;
  return ext.of.func;
}

static scale_trap_t *call1(scale_store_t *store, scale_instance_t *inst, const char *name,
                           scale_val_t arg, scale_val_t *result) {
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_func_call(store, export_func(inst, name), &arg, 1, result, 1, &trap);
  if (err) {
    fprintf(stderr, "unexpected error calling %s: %s\n", name, scale_error_message(err));
    scale_error_delete(err);
    failed++;
  }
  return trap;
}

struct interrupter {
  scale_store_t *store;
};

static void *interrupt_later(void *arg) {
  struct interrupter *it = arg;
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);
  scale_store_interrupt(it->store);
  return NULL;
}

static void test_basic(scale_engine_t *engine, const char *dir) {
  size_t len;
  uint8_t *bytes = check_read_file(dir, "basic.wasm", &len);
  scale_module_t *module = NULL;
  scale_error_t *err = scale_module_new(engine, bytes, len, &module);
  CHECK(err == NULL);
  free(bytes);
  if (err) {
    fprintf(stderr, "basic.wasm: %s\n", scale_error_message(err));
    scale_error_delete(err);
    return;
  }

  /* Introspection. */
  CHECK(scale_module_import_count(module) == 3);
  scale_externdesc_t d;
  scale_module_import(module, 0, &d);
  CHECK(d.kind == SCALE_EXTERN_FUNC && d.module_len == 3 && memcmp(d.module, "env", 3) == 0 &&
        d.name_len == 6 && memcmp(d.name, "double", 6) == 0);
  CHECK(scale_functype_param_count(d.type.func) == 1 &&
        scale_functype_result(d.type.func, 0) == SCALE_I32);
  bool saw_memory = false;
  for (size_t i = 0; i < scale_module_export_count(module); i++) {
    scale_module_export(module, i, &d);
    if (d.kind == SCALE_EXTERN_MEMORY) {
      saw_memory = d.type.memory.limits.min == 1 && d.type.memory.limits.max == 4;
    }
  }
  CHECK(saw_memory);

  /* Linking: a missing import is named in the error. */
  scale_store_t *store = scale_store_new(engine);
  scale_linker_t *linker = scale_linker_new(engine);
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  err = scale_linker_instantiate(linker, store, module, &inst, &trap);
  CHECK(err && strstr(scale_error_message(err), "unknown import") &&
        strstr(scale_error_message(err), "double"));
  scale_error_delete(err);

  /* A wrongly typed import is refused. */
  scale_valkind_t i32 = SCALE_I32, i64 = SCALE_I64;
  scale_functype_t *wrong = scale_functype_new(&i64, 1, &i32, 1);
  scale_linker_t *bad = scale_linker_new(engine);
  int calls = 0;
  CHECK(scale_linker_define_func(bad, "env", "double", wrong, host_double, &calls) == NULL);
  err = scale_linker_instantiate(bad, store, module, &inst, &trap);
  CHECK(err && strstr(scale_error_message(err), "incompatible import type"));
  scale_error_delete(err);
  scale_linker_delete(bad);
  scale_functype_delete(wrong);

  scale_functype_t *i32_i32 = scale_functype_new(&i32, 1, &i32, 1);
  scale_functype_t *void_void = scale_functype_new(NULL, 0, NULL, 0);
  CHECK(scale_linker_define_func(linker, "env", "double", i32_i32, host_double, &calls) == NULL);
  err = scale_linker_define_func(linker, "env", "double", i32_i32, host_double, &calls);
  CHECK(err && strstr(scale_error_message(err), "already defined"));
  scale_error_delete(err);
  CHECK(scale_linker_define_func(linker, "env", "fail", void_void, host_fail, NULL) == NULL);
  CHECK(scale_linker_define_func(linker, "env", "reenter", i32_i32, host_reenter, NULL) == NULL);
  err = scale_linker_instantiate(linker, store, module, &inst, &trap);
  CHECK(err == NULL && trap == NULL && inst != NULL);
  if (err || trap || !inst) {
    if (err) fprintf(stderr, "instantiate: %s\n", scale_error_message(err));
    scale_error_delete(err);
    scale_trap_delete(trap);
    goto done;
  }

  /* Calls and argument checks. */
  scale_val_t args[2] = {scale_val_i32(2), scale_val_i32(3)}, res[2];
  err = scale_func_call(store, export_func(inst, "add"), args, 2, res, 1, &trap);
  CHECK(!err && !trap && res[0].kind == SCALE_I32 && res[0].of.i32 == 5);
  err = scale_func_call(store, export_func(inst, "add"), args, 1, res, 1, &trap);
  CHECK(err && strstr(scale_error_message(err), "takes 2 arguments"));
  scale_error_delete(err);
  scale_val_t wrong_args[2] = {scale_val_i64(2), scale_val_i32(3)};
  err = scale_func_call(store, export_func(inst, "add"), wrong_args, 2, res, 1, &trap);
  CHECK(err && strstr(scale_error_message(err), "argument 1 is i64"));
  scale_error_delete(err);

  /* Multi-value results come back in order. */
  scale_val_t margs[2] = {scale_val_i64(-9), scale_val_f64(2.5)};
  err = scale_func_call(store, export_func(inst, "multi"), margs, 2, res, 2, &trap);
  CHECK(!err && !trap && res[0].kind == SCALE_F64 && res[0].of.f64 == 2.5 &&
        res[1].kind == SCALE_I64 && res[1].of.i64 == -9);

  /* A trap is reported, and the store keeps working afterwards. */
  scale_val_t dargs[2] = {scale_val_i32(1), scale_val_i32(0)};
  err = scale_func_call(store, export_func(inst, "div"), dargs, 2, res, 1, &trap);
  CHECK(!err && trap && scale_trap_code(trap) == SCALE_TRAP_INT_DIV_ZERO &&
        strcmp(scale_trap_message(trap), "integer divide by zero") == 0);
  scale_trap_delete(trap);
  err = scale_func_call(store, export_func(inst, "add"), args, 2, res, 1, &trap);
  CHECK(!err && !trap && res[0].of.i32 == 5);

  /* Host functions: results, traps with their message, re-entry. */
  trap = call1(store, inst, "call_double", scale_val_i32(21), res);
  CHECK(!trap && res[0].of.i32 == 42 && calls == 1);
  err = scale_func_call(store, export_func(inst, "call_fail"), NULL, 0, NULL, 0, &trap);
  CHECK(!err && trap && scale_trap_code(trap) == SCALE_TRAP_HOST &&
        strcmp(scale_trap_message(trap), "the host said no") == 0);
  scale_trap_delete(trap);
  trap = call1(store, inst, "call_reenter", scale_val_i32(5), res);
  CHECK(!trap && res[0].of.i32 == 105);

  /* Memory: data segment visible, grow from the guest and the host, cap. */
  scale_extern_t ext;
  CHECK(scale_instance_export(inst, "memory", &ext) && ext.kind == SCALE_EXTERN_MEMORY);
  scale_memory_t *mem = ext.of.memory;
  CHECK(scale_memory_size(mem) == 65536 && memcmp(scale_memory_data(mem) + 16, "hello", 5) == 0);
  trap = call1(store, inst, "load8", scale_val_i32(17), res);
  CHECK(!trap && res[0].of.i32 == 'e');
  trap = call1(store, inst, "grow", scale_val_i32(1), res);
  CHECK(!trap && res[0].of.i32 == 1 && scale_memory_pages(mem) == 2);
  trap = call1(store, inst, "grow", scale_val_i32(3), res);
  CHECK(!trap && res[0].of.i32 == -1 && scale_memory_pages(mem) == 2);
  uint32_t old = 0;
  CHECK(scale_memory_grow(mem, 2, &old) && old == 2 && scale_memory_pages(mem) == 4);
  CHECK(!scale_memory_grow(mem, 1, &old));
  scale_memory_data(mem)[4 * 65536 - 1] = 9;
  trap = call1(store, inst, "load8", scale_val_i32(4 * 65536 - 1), res);
  CHECK(!trap && res[0].of.i32 == 9);
  trap = call1(store, inst, "load8", scale_val_i32(4 * 65536), res);
  CHECK(trap && scale_trap_code(trap) == SCALE_TRAP_MEMORY_OOB);
  scale_trap_delete(trap);

  /* Globals. */
  CHECK(scale_instance_export(inst, "counter", &ext) && ext.kind == SCALE_EXTERN_GLOBAL);
  scale_global_t *counter = ext.of.global;
  CHECK(scale_global_get(counter).of.i32 == 7);
  err = scale_func_call(store, export_func(inst, "bump"), NULL, 0, res, 1, &trap);
  CHECK(!err && !trap && res[0].of.i32 == 8 && scale_global_get(counter).of.i32 == 8);
  CHECK(scale_global_set(counter, scale_val_i32(100)) == NULL);
  err = scale_func_call(store, export_func(inst, "bump"), NULL, 0, res, 1, &trap);
  CHECK(!err && !trap && res[0].of.i32 == 101);
  CHECK(scale_instance_export(inst, "answer", &ext) && ext.kind == SCALE_EXTERN_GLOBAL);
  err = scale_global_set(ext.of.global, scale_val_i64(1));
  CHECK(err && strstr(scale_error_message(err), "immutable"));
  scale_error_delete(err);
  CHECK(scale_global_get(ext.of.global).of.i64 == 42);

  /* Tables hold the element segment's function. */
  CHECK(scale_instance_export(inst, "table", &ext) && ext.kind == SCALE_EXTERN_TABLE);
  scale_val_t ref;
  CHECK(scale_table_size(ext.of.table) == 2);
  CHECK(scale_table_get(ext.of.table, 0, &ref) && ref.kind == SCALE_FUNCREF &&
        ref.of.funcref == export_func(inst, "add"));
  CHECK(scale_table_get(ext.of.table, 1, &ref) && ref.of.funcref == NULL);
  CHECK(!scale_table_get(ext.of.table, 2, &ref));

  /* Fuel stops a loop; the store works again with fuel restored. */
  scale_store_set_fuel(store, 100000);
  err = scale_func_call(store, export_func(inst, "spin"), NULL, 0, NULL, 0, &trap);
  CHECK(!err && trap && scale_trap_code(trap) == SCALE_TRAP_FUEL_EXHAUSTED);
  scale_trap_delete(trap);
  scale_store_set_fuel(store, UINT64_MAX);
  err = scale_func_call(store, export_func(inst, "add"), args, 2, res, 1, &trap);
  CHECK(!err && !trap && res[0].of.i32 == 5);

  /* Another thread can interrupt a runaway guest. */
  struct interrupter it = {store};
  pthread_t th;
  pthread_create(&th, NULL, interrupt_later, &it);
  err = scale_func_call(store, export_func(inst, "spin"), NULL, 0, NULL, 0, &trap);
  pthread_join(th, NULL);
  CHECK(!err && trap && scale_trap_code(trap) == SCALE_TRAP_INTERRUPTED);
  scale_trap_delete(trap);

  /* Unbounded recursion is "call stack exhausted", not a crash. */
  trap = call1(store, inst, "recurse", scale_val_i32(0), res);
  CHECK(trap && scale_trap_code(trap) == SCALE_TRAP_STACK_EXHAUSTED &&
        strcmp(scale_trap_message(trap), "call stack exhausted") == 0);
  scale_trap_delete(trap);

  /* Regression: instances outlive scale_module_delete (each holds a reference);
   * the module's code used to be freed under them. */
  scale_module_delete(module);
  module = NULL;
  err = scale_func_call(store, export_func(inst, "add"), args, 2, res, 1, &trap);
  CHECK(!err && !trap && res[0].of.i32 == 5);

done:
  scale_functype_delete(i32_i32);
  scale_functype_delete(void_void);
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
}

static void test_limits(const char *dir) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.max_memory_pages = 2;
  scale_engine_t *engine = NULL;
  CHECK(scale_engine_new(&cfg, &engine) == NULL);
  size_t len;
  uint8_t *bytes = check_read_file(dir, "bigmem.wasm", &len);
  scale_module_t *module = NULL;
  CHECK(scale_module_new(engine, bytes, len, &module) == NULL);
  free(bytes);
  scale_store_t *store = scale_store_new(engine);
  scale_linker_t *linker = scale_linker_new(engine);
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_linker_instantiate(linker, store, module, &inst, &trap);
  CHECK(err && strstr(scale_error_message(err), "memory limit exceeded"));
  scale_error_delete(err);
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  scale_engine_delete(engine);

  cfg.max_memory_pages = 70000;
  err = scale_engine_new(&cfg, &engine);
  CHECK(err != NULL);
  scale_error_delete(err);
}

static void test_malformed(scale_engine_t *engine) {
  static const uint8_t not_wasm[] = {0x00, 0x61, 0x73, 0x6e, 1, 0, 0, 0};
  scale_module_t *m = NULL;
  scale_error_t *err = scale_module_new(engine, not_wasm, sizeof not_wasm, &m);
  CHECK(err && strstr(scale_error_message(err), "magic header not detected") &&
        scale_error_offset(err) >= 0);
  scale_error_delete(err);
  static const uint8_t truncated[] = {0x00, 0x61, 0x73, 0x6d, 1, 0};
  err = scale_module_new(engine, truncated, sizeof truncated, &m);
  CHECK(err && strstr(scale_error_message(err), "unexpected end"));
  scale_error_delete(err);
  /* A body that adds an i64 to an i32: invalid, with an offset inside the body. */
  static const uint8_t invalid[] = {0x00, 0x61, 0x73, 0x6d, 1, 0,    0, 0,    1, 5,    1,
                                    0x60, 0,    1,    0x7f, /* type () -> i32 */
                                    3,    2,    1,    0,    /* func 0: type 0 */
                                    10,   9,    1,    7,    0, 0x41, 1, 0x42, 1, 0x6a, 0x0b};
  err = scale_module_new(engine, invalid, sizeof invalid, &m);
  CHECK(err && strstr(scale_error_message(err), "type mismatch") && scale_error_offset(err) > 20);
  scale_error_delete(err);
  err = scale_module_validate(engine, invalid, sizeof invalid);
  CHECK(err && strstr(scale_error_message(err), "type mismatch"));
  scale_error_delete(err);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  scale_engine_t *engine = NULL;
  scale_error_t *err = scale_engine_new(NULL, &engine);
  if (err) {
    fprintf(stderr, "engine: %s\n", scale_error_message(err));
    return 2;
  }
  test_basic(engine, dir);
  test_limits(dir);
  test_malformed(engine);
  scale_engine_delete(engine);
  printf("runtime: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
