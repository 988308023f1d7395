/*
 * interp_run: run a WASI command module on the interpreter and report the
 * time spent in _start. A private driver for interpreter work (correctness
 * of the bench workloads and speed ratios) while the CLI is not there.
 *   interp_run FILE.wasm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scale.h"

/* Minimal WASI preview1 for the bench workloads (the library's WASI may not be linked yet). */
static int g_exit_status = -1;

static scale_trap_t *w_fd_write(void *env, scale_caller_t *caller, const scale_val_t *args,
                                size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)nargs;
  (void)nresults;
  scale_extern_t m;
  if (!scale_caller_export(caller, "memory", &m)) return scale_trap_new("no memory");
  uint8_t *mem = scale_memory_data(m.of.memory);
  size_t size = scale_memory_size(m.of.memory);
  uint32_t iov = (uint32_t)args[1].of.i32, cnt = (uint32_t)args[2].of.i32;
  uint32_t out = (uint32_t)args[3].of.i32, total = 0;
  for (uint32_t i = 0; i < cnt; i++) {
    uint32_t p, l;
    if ((uint64_t)iov + 8 * i + 8 > size) return scale_trap_new("bad iovec");
    memcpy(&p, mem + iov + 8 * i, 4);
    memcpy(&l, mem + iov + 8 * i + 4, 4);
    if ((uint64_t)p + l > size) return scale_trap_new("bad iovec");
    fwrite(mem + p, 1, l, args[0].of.i32 == 2 ? stderr : stdout);
    total += l;
  }
  if ((uint64_t)out + 4 <= size) memcpy(mem + out, &total, 4);
  results[0] = scale_val_i32(0);
  return NULL;
}

static scale_trap_t *w_errno(void *env, scale_caller_t *caller, const scale_val_t *args,
                             size_t nargs, scale_val_t *results, size_t nresults) {
  (void)caller;
  (void)args;
  (void)nargs;
  (void)nresults;
  results[0] = scale_val_i32((int32_t)(intptr_t)env);
  return NULL;
}

static scale_trap_t *w_exit(void *env, scale_caller_t *caller, const scale_val_t *args,
                            size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)nargs;
  (void)results;
  (void)nresults;
  g_exit_status = args[0].of.i32;
  return scale_trap_new("exit");
}

static void define_wasi(scale_linker_t *l) {
  const scale_valkind_t i32 = SCALE_I32, i64 = SCALE_I64;
  scale_valkind_t p4[4] = {i32, i32, i32, i32}, p2[2] = {i32, i32}, p1[1] = {i32};
  scale_valkind_t ps[4] = {i32, i64, i32, i32};
  const char *W = "wasi_snapshot_preview1";
  scale_linker_define_func(l, W, "fd_write", scale_functype_new(p4, 4, p1, 1), w_fd_write, NULL);
  scale_linker_define_func(l, W, "fd_close", scale_functype_new(p1, 1, p1, 1), w_errno, (void *)0);
  scale_linker_define_func(l, W, "fd_fdstat_get", scale_functype_new(p2, 2, p1, 1), w_errno,
                           (void *)8);
  scale_linker_define_func(l, W, "fd_seek", scale_functype_new(ps, 4, p1, 1), w_errno, (void *)70);
  scale_linker_define_func(l, W, "proc_exit", scale_functype_new(p1, 1, NULL, 0), w_exit, NULL);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, scale_error_t *err) {
  fprintf(stderr, "%s: %s\n", what, scale_error_message(err));
  scale_error_delete(err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: interp_run FILE.wasm\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *bytes = malloc((size_t)n);
  if (!bytes || fread(bytes, 1, (size_t)n, f) != (size_t)n) return 1;
  fclose(f);
  scale_engine_t *engine;
  scale_error_t *err = scale_engine_new(NULL, &engine);
  if (err) return fail("engine", err);
  double t0 = now();
  scale_module_t *module;
  err = scale_module_new(engine, bytes, (size_t)n, &module);
  if (err) return fail("module", err);
  double t1 = now();
  scale_store_t *store = scale_store_new(engine);
  /* INTERP_FUEL=N runs with a fuel budget (checks fuel metering). */
  const char *fuel = getenv("INTERP_FUEL");
  if (fuel) scale_store_set_fuel(store, strtoull(fuel, NULL, 10));
  scale_linker_t *linker = scale_linker_new(engine);
  define_wasi(linker);
  scale_instance_t *inst;
  scale_trap_t *trap = NULL;
  err = scale_linker_instantiate(linker, store, module, &inst, &trap);
  if (err) return fail("instantiate", err);
  int rc = 0;
  scale_extern_t ext;
  double t2 = now(), t3 = t2;
  if (!trap && scale_instance_export(inst, "_start", &ext) && ext.kind == SCALE_EXTERN_FUNC) {
    err = scale_func_call(store, ext.of.func, NULL, 0, NULL, 0, &trap);
    t3 = now();
    if (err) return fail("call", err);
  }
  if (trap) {
    int32_t status;
    if (scale_trap_exit_status(trap, &status)) {
      rc = status;
    } else if (g_exit_status >= 0) {
      rc = g_exit_status;
    } else {
      fprintf(stderr, "trap: %s\n", scale_trap_message(trap));
      rc = 1;
    }
    scale_trap_delete(trap);
  }
  fflush(stdout);
  if (fuel) fprintf(stderr, "fuel left %llu\n", (unsigned long long)scale_store_fuel(store));
  fprintf(stderr, "compile %.4f s, run %.4f s\n", t1 - t0, t3 - t2);
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  scale_engine_delete(engine);
  free(bytes);
  return rc;
}
