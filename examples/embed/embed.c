/*
 * Embedding Scale in a C program, start to finish:
 *
 *   1. load a module from a file,
 *   2. give it a host function to import (env.report),
 *   3. instantiate it and call one of its exports (sum_to).
 *
 * Usage: embed calc.wasm [N]
 */
#include <stdio.h>
#include <stdlib.h>

#include "scale.h"

/* The host function the guest imports as env.report(i32 step, i32 sum). */
static scale_trap_t *report(void *env, scale_caller_t *caller, const scale_val_t *args,
                            size_t nargs, scale_val_t *results, size_t nresults) {
  (void)caller, (void)nargs, (void)results, (void)nresults;
  int *calls = env; /* the pointer given to scale_linker_define_func */
  ++*calls;
  printf("  step %d: sum so far %d\n", args[0].of.i32, args[1].of.i32);
  return NULL; /* NULL: no trap, the guest goes on */
}

/* Read a whole file; the module bytes are copied by scale_module_new. */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = malloc(1 << 20);
  *len = buf ? fread(buf, 1, 1 << 20, f) : 0;
  fclose(f);
  return buf;
}

/* Print and release an error; always returns 1 (the exit code). */
static int fail(const char *what, scale_error_t *err) {
  fprintf(stderr, "error: %s: %s\n", what, err ? scale_error_message(err) : "out of memory");
  scale_error_delete(err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: embed calc.wasm [N]\n");
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 5;

  /* 1. An engine (configuration, shared by everything) and the module. */
  size_t len;
  uint8_t *bytes = read_file(argv[1], &len);
  if (!bytes) {
    fprintf(stderr, "error: cannot open '%s'\n", argv[1]);
    return 1;
  }
  scale_engine_t *engine;
  scale_error_t *err = scale_engine_new(NULL, &engine);
  if (err) return fail("engine", err);
  scale_module_t *module;
  err = scale_module_new(engine, bytes, len, &module);
  free(bytes);
  if (err) return fail("module", err);

  /* 2. A store holds the instance; a linker names the host function. */
  scale_store_t *store = scale_store_new(engine);
  scale_linker_t *linker = scale_linker_new(engine);
  int calls = 0;
  scale_valkind_t params[] = {SCALE_I32, SCALE_I32};
  scale_functype_t *type = scale_functype_new(params, 2, NULL, 0);
  err = scale_linker_define_func(linker, "env", "report", type, report, &calls);
  scale_functype_delete(type); /* the linker keeps its own copy */
  if (err) return fail("define env.report", err);

  /* 3. Instantiate and call sum_to(n). */
  scale_instance_t *instance;
  scale_trap_t *trap;
  err = scale_linker_instantiate(linker, store, module, &instance, &trap);
  if (err) return fail("instantiate", err);
  scale_extern_t sum_to;
  if (trap || !scale_instance_export(instance, "sum_to", &sum_to) ||
      sum_to.kind != SCALE_EXTERN_FUNC) {
    fprintf(stderr, "error: no function 'sum_to' to call\n");
    return 1;
  }
  printf("calling sum_to(%d)\n", n);
  scale_val_t arg = scale_val_i32(n), result;
  err = scale_func_call(store, sum_to.of.func, &arg, 1, &result, 1, &trap);
  if (err) return fail("call", err);
  if (trap) {
    fprintf(stderr, "error: trap: %s\n", scale_trap_message(trap));
    scale_trap_delete(trap);
    return 1;
  }
  printf("sum_to(%d) = %d, after %d calls to the host\n", n, result.of.i32, calls);

  /* Deleting the store frees the instance and everything else in it. */
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  scale_engine_delete(engine);
  return 0;
}
