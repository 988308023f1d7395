/*
 * The AOT tier through the public API: the same module run natively must
 * behave as on the interpreter (results, traps, host calls and re-entry,
 * tables mixing native and host functions, shared state), limits must stop
 * native code (fuel, interrupt from another thread, deep recursion, memory
 * cap), the cache must rebuild an altered object, a missing C compiler must
 * degrade to the interpreter, and many threads may run one compiled module.
 * Needs wasm2c and a C compiler (as CI has); the cache is a private folder.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/check.h"
#include "scale.h"

static uint8_t *wasm_bytes;
static size_t wasm_len;

static void read_module(const char *dir) {
  wasm_bytes = check_read_file(dir, "limits.wasm", &wasm_len);
}

static scale_trap_t *host_twice(void *env, scale_caller_t *caller, const scale_val_t *args,
                                size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)nargs;
  (void)nresults;
  /* Re-enter the guest from inside a host call: add(x, x). */
  scale_extern_t add;
  if (!scale_caller_export(caller, "add", &add)) return scale_trap_new("no add export");
  scale_val_t a[2] = {args[0], args[0]};
  scale_trap_t *trap = NULL;
  scale_error_t *err =
      scale_func_call(scale_caller_store(caller), add.of.func, a, 2, results, 1, &trap);
  if (err) {
    scale_error_delete(err);
    return scale_trap_new("re-entry failed");
  }
  return trap;
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

typedef struct world {
  scale_engine_t *engine;
  scale_module_t *module;
  scale_store_t *store;
  scale_linker_t *linker;
  scale_instance_t *inst;
} world_t;

static scale_engine_t *engine_new(scale_tier_t tier, uint32_t max_pages) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = tier;
  cfg.aot_opt = 1;
  if (max_pages) cfg.max_memory_pages = max_pages;
  scale_engine_t *e = NULL;
  scale_error_t *err = scale_engine_new(&cfg, &e);
  if (err) {
    fprintf(stderr, "engine: %s\n", scale_error_message(err));
    exit(2);
  }
  return e;
}

/* Instantiate the test module; compile first when `aot`; a fuel budget set
 * before instantiation gets the fuel-metering native build. */
static bool world_open_fuel(world_t *w, scale_engine_t *engine, bool aot, uint64_t fuel) {
  memset(w, 0, sizeof *w);
  w->engine = engine;
  scale_error_t *err = scale_module_new(engine, wasm_bytes, wasm_len, &w->module);
  if (!err && aot) err = scale_module_compile(w->module);
  if (err) {
    fprintf(stderr, "module: %s\n", scale_error_message(err));
    scale_error_delete(err);
    return false;
  }
  w->store = scale_store_new(engine);
  scale_store_set_fuel(w->store, fuel);
  w->linker = scale_linker_new(engine);
  scale_valkind_t i32 = SCALE_I32;
  scale_functype_t *t1 = scale_functype_new(&i32, 1, &i32, 1);
  scale_functype_t *t0 = scale_functype_new(NULL, 0, NULL, 0);
  scale_linker_define_func(w->linker, "host", "twice", t1, host_twice, NULL);
  scale_linker_define_func(w->linker, "host", "fail", t0, host_fail, NULL);
  scale_functype_delete(t1);
  scale_functype_delete(t0);
  scale_trap_t *trap = NULL;
  err = scale_linker_instantiate(w->linker, w->store, w->module, &w->inst, &trap);
  if (err || trap) {
    fprintf(stderr, "instantiate: %s\n", err ? scale_error_message(err) : scale_trap_message(trap));
    scale_error_delete(err);
    scale_trap_delete(trap);
    return false;
  }
  return true;
}

static bool world_open(world_t *w, scale_engine_t *engine, bool aot) {
  return world_open_fuel(w, engine, aot, UINT64_MAX);
}

static void world_close(world_t *w) {
  scale_linker_delete(w->linker);
  scale_store_delete(w->store);
  scale_module_delete(w->module);
}

static scale_func_t *export_func(world_t *w, const char *name) {
  scale_extern_t e;
  if (!scale_instance_export(w->inst, name, &e) || e.kind != SCALE_EXTERN_FUNC) {
    fprintf(stderr, "no export %s\n", name);
    exit(2);
  }
  return e.of.func;
}

/* Call export `name` with i32 args; returns the trap (owned) or NULL, result in *out. */
static scale_trap_t *call(world_t *w, const char *name, const int32_t *args, size_t n,
                          int32_t *out) {
  scale_func_t *f = export_func(w, name);
  scale_val_t a[4], r[1];
  for (size_t i = 0; i < n; i++)
    a[i] = scale_val_i32(args[i]);
  size_t nr = scale_functype_result_count(scale_func_type(f));
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_func_call(w->store, f, a, n, r, nr, &trap);
  if (err) {
    fprintf(stderr, "call %s: %s\n", name, scale_error_message(err));
    scale_error_delete(err);
    exit(2);
  }
  if (!trap && nr && out) *out = r[0].of.i32;
  return trap;
}

static bool trap_is(scale_trap_t *t, scale_trap_code_t code, const char *text) {
  bool ok = t && scale_trap_code(t) == code && strstr(scale_trap_message(t), text);
  if (!ok && t) fprintf(stderr, "  trap was: %s\n", scale_trap_message(t));
  scale_trap_delete(t);
  return ok;
}

/* ---- behaviour ------------------------------------------------------ */

static void test_behaviour(scale_engine_t *engine) {
  world_t w;
  if (!world_open(&w, engine, true)) {
    failed++;
    return;
  }
  CHECK(scale_module_tier(w.module) == SCALE_TIER_AOT);
  int32_t r = 0;
  CHECK(!call(&w, "add", (int32_t[]){40, 2}, 2, &r) && r == 42);
  CHECK(!call(&w, "sum", (int32_t[]){100}, 1, &r) && r == 5050);
  /* host import that re-enters the guest */
  CHECK(!call(&w, "call_twice", (int32_t[]){21}, 1, &r) && r == 42);
  /* a host trap crosses native frames and arrives intact */
  CHECK(trap_is(call(&w, "call_fail", NULL, 0, NULL), SCALE_TRAP_HOST, "the host said no"));
  /* the store keeps working after a trap */
  CHECK(!call(&w, "add", (int32_t[]){1, 2}, 2, &r) && r == 3);
  /* memory: bounds come from guard pages */
  CHECK(!call(&w, "store", (int32_t[]){65532, 0x01020304}, 2, NULL));
  CHECK(!call(&w, "load", (int32_t[]){65532}, 1, &r) && r == 0x01020304);
  CHECK(trap_is(call(&w, "load", (int32_t[]){65533}, 1, &r), SCALE_TRAP_MEMORY_OOB,
                "out of bounds memory access"));
  CHECK(trap_is(call(&w, "load", (int32_t[]){-1}, 1, &r), SCALE_TRAP_MEMORY_OOB,
                "out of bounds memory access"));
  /* the host sees what native code wrote, and the other way round */
  scale_extern_t mem;
  CHECK(scale_instance_export(w.inst, "mem", &mem) && mem.kind == SCALE_EXTERN_MEMORY);
  uint8_t *data = scale_memory_data(mem.of.memory);
  CHECK(data[65532] == 4 && data[65535] == 1);
  data[100] = 0x2a;
  CHECK(!call(&w, "load", (int32_t[]){100}, 1, &r) && r == 0x2a);
  /* globals live in the runtime's objects */
  CHECK(!call(&w, "bump", NULL, 0, &r) && r == 8);
  scale_extern_t g;
  CHECK(scale_instance_export(w.inst, "counter", &g) && scale_global_get(g.of.global).of.i32 == 8);
  CHECK(!scale_global_set(g.of.global, scale_val_i32(100)));
  CHECK(!call(&w, "bump", NULL, 0, &r) && r == 101);
  /* tables mix native functions and a host import; each kind of bad entry traps as the spec says */
  CHECK(!call(&w, "indirect", (int32_t[]){0, 5, 6}, 3, &r) && r == 11);
  CHECK(!call(&w, "indirect", (int32_t[]){2, 5, 6}, 3, &r) && r == -1);
  {
    scale_trap_t *t = call(&w, "indirect1", (int32_t[]){1, 4}, 2, &r);
    if (t) fprintf(stderr, "  indirect1 trap: %s\n", scale_trap_message(t));
    CHECK(!t && r == 8);
    scale_trap_delete(t);
  }
  CHECK(trap_is(call(&w, "indirect", (int32_t[]){1, 5, 6}, 3, &r), SCALE_TRAP_INDIRECT_TYPE,
                "indirect call type mismatch"));
  CHECK(trap_is(call(&w, "indirect", (int32_t[]){3, 5, 6}, 3, &r), SCALE_TRAP_UNINITIALIZED_ELEMENT,
                "uninitialized element"));
  CHECK(trap_is(call(&w, "indirect", (int32_t[]){4, 5, 6}, 3, &r), SCALE_TRAP_UNDEFINED_ELEMENT,
                "undefined element"));
  /* the host reads native table entries as function objects, and writes its own */
  scale_extern_t tab;
  CHECK(scale_instance_export(w.inst, "table", &tab) && tab.kind == SCALE_EXTERN_TABLE);
  scale_val_t v;
  CHECK(scale_table_get(tab.of.table, 0, &v) && v.kind == SCALE_FUNCREF &&
        v.of.funcref == export_func(&w, "add"));
  CHECK(scale_table_set(
      tab.of.table, 3, (scale_val_t){.kind = SCALE_FUNCREF, .of.funcref = export_func(&w, "add")}));
  CHECK(!call(&w, "indirect", (int32_t[]){3, 20, 22}, 3, &r) && r == 42);
  world_close(&w);
}

/* ---- limits -------------------------------------------------------- */

static void *interrupt_later(void *arg) {
  usleep(50 * 1000);
  scale_store_interrupt(arg);
  return NULL;
}

static void test_limits(scale_engine_t *engine) {
  world_t w;
  if (!world_open(&w, engine, true)) {
    failed++;
    return;
  }
  /* fuel stops an infinite loop */
  scale_store_set_fuel(w.store, 1000000);
  CHECK(trap_is(call(&w, "spin", NULL, 0, NULL), SCALE_TRAP_FUEL_EXHAUSTED, "fuel exhausted"));
  CHECK(scale_store_fuel(w.store) == 0);
  /* enough fuel: the call completes and uses some */
  scale_store_set_fuel(w.store, 1000000);
  int32_t r = 0;
  CHECK(!call(&w, "sum", (int32_t[]){1000}, 1, &r) && r == 500500);
  uint64_t left = scale_store_fuel(w.store);
  CHECK(left < 1000000 && left > 1000000 - 100000);
  scale_store_set_fuel(w.store, UINT64_MAX);
  /* another thread interrupts an infinite loop */
  pthread_t th;
  pthread_create(&th, NULL, interrupt_later, w.store);
  CHECK(trap_is(call(&w, "spin", NULL, 0, NULL), SCALE_TRAP_INTERRUPTED, "interrupted"));
  pthread_join(th, NULL);
  CHECK(!call(&w, "add", (int32_t[]){1, 1}, 2, &r) && r == 2); /* one-shot */
  /* a deadline stops native code, and stays fired until re-armed */
  scale_store_set_deadline(w.store, 50u * 1000u * 1000u);
  CHECK(trap_is(call(&w, "spin", NULL, 0, NULL), SCALE_TRAP_DEADLINE, "deadline exceeded"));
  CHECK(trap_is(call(&w, "add", (int32_t[]){1, 1}, 2, &r), SCALE_TRAP_DEADLINE, "deadline"));
  scale_store_set_deadline(w.store, 0);
  CHECK(!call(&w, "add", (int32_t[]){1, 1}, 2, &r) && r == 2);
  /* a loop whose only check is its callee's prologue stops too */
  scale_store_set_deadline(w.store, 50u * 1000u * 1000u);
  CHECK(trap_is(call(&w, "spin_call", NULL, 0, NULL), SCALE_TRAP_DEADLINE, "deadline exceeded"));
  scale_store_set_deadline(w.store, 0);
  pthread_t th3;
  pthread_create(&th3, NULL, interrupt_later, w.store);
  CHECK(trap_is(call(&w, "spin_call", NULL, 0, NULL), SCALE_TRAP_INTERRUPTED, "interrupted"));
  pthread_join(th3, NULL);
  /* recursion without any loop (only function entries to check) stops too */
  CHECK(!call(&w, "fibr", (int32_t[]){20}, 1, &r) && r == 6765);
  scale_store_set_deadline(w.store, 50u * 1000u * 1000u);
  CHECK(
      trap_is(call(&w, "fibr", (int32_t[]){60}, 1, &r), SCALE_TRAP_DEADLINE, "deadline exceeded"));
  scale_store_set_deadline(w.store, 0);
  pthread_t th2;
  pthread_create(&th2, NULL, interrupt_later, w.store);
  CHECK(trap_is(call(&w, "fibr", (int32_t[]){60}, 1, &r), SCALE_TRAP_INTERRUPTED, "interrupted"));
  pthread_join(th2, NULL);
  CHECK(!call(&w, "fibr", (int32_t[]){10}, 1, &r) && r == 55);
  /* unbounded recursion ends in a trap, not a crash, and the store goes on */
  CHECK(trap_is(call(&w, "deep", (int32_t[]){0}, 1, &r), SCALE_TRAP_STACK_EXHAUSTED,
                "call stack exhausted"));
  CHECK(!call(&w, "add", (int32_t[]){2, 2}, 2, &r) && r == 4);
  /* memory.grow up to the engine's cap (4 pages here), then -1 */
  CHECK(!call(&w, "grow", (int32_t[]){3}, 1, &r) && r == 1);
  CHECK(!call(&w, "grow", (int32_t[]){1}, 1, &r) && r == -1);
  CHECK(!call(&w, "store", (int32_t[]){4 * 65536 - 4, 7}, 2, NULL));
  CHECK(trap_is(call(&w, "load", (int32_t[]){4 * 65536 - 3}, 1, &r), SCALE_TRAP_MEMORY_OOB,
                "out of bounds"));
  world_close(&w);
}

/* Fuel metered by native code (the instance was made while a budget was set). */
static void test_metered(scale_engine_t *engine) {
  world_t w;
  if (!world_open_fuel(&w, engine, true, 5000000)) {
    failed++;
    return;
  }
  int32_t r = 0;
  CHECK(!call(&w, "sum", (int32_t[]){1000}, 1, &r) && r == 500500);
  uint64_t left = scale_store_fuel(w.store);
  CHECK(left < 5000000 && left > 5000000 - 100000);
  CHECK(trap_is(call(&w, "spin", NULL, 0, NULL), SCALE_TRAP_FUEL_EXHAUSTED, "fuel exhausted"));
  CHECK(scale_store_fuel(w.store) == 0);
  scale_store_set_fuel(w.store, 1000);
  CHECK(!call(&w, "add", (int32_t[]){1, 2}, 2, &r) && r == 3);
  /* a host import in between: fuel goes on counting across it */
  CHECK(!call(&w, "call_twice", (int32_t[]){5}, 1, &r) && r == 10);
  CHECK(scale_store_fuel(w.store) < 1000);
  world_close(&w);
}

/* ---- concurrency ----------------------------------------------------- */

typedef struct worker {
  scale_engine_t *engine;
  scale_module_t *module;
  int ok;
} worker_t;

static void *worker_run(void *arg) {
  worker_t *wk = arg;
  for (int round = 0; round < 20; round++) {
    world_t w;
    memset(&w, 0, sizeof w);
    w.engine = wk->engine;
    w.module = wk->module;
    w.store = scale_store_new(wk->engine);
    w.linker = scale_linker_new(wk->engine);
    scale_valkind_t i32 = SCALE_I32;
    scale_functype_t *t1 = scale_functype_new(&i32, 1, &i32, 1);
    scale_functype_t *t0 = scale_functype_new(NULL, 0, NULL, 0);
    scale_linker_define_func(w.linker, "host", "twice", t1, host_twice, NULL);
    scale_linker_define_func(w.linker, "host", "fail", t0, host_fail, NULL);
    scale_functype_delete(t1);
    scale_functype_delete(t0);
    scale_trap_t *trap = NULL;
    scale_error_t *err = scale_linker_instantiate(w.linker, w.store, w.module, &w.inst, &trap);
    int32_t r = 0;
    if (!err && !trap) {
      bool good = true;
      for (int i = 0; i < 200 && good; i++) {
        good = !call(&w, "sum", (int32_t[]){i + 1}, 1, &r) && r == (i + 1) * (i + 2) / 2;
        scale_trap_t *t =
            call(&w, "load", (int32_t[]){70000}, 1, &r); /* traps, each thread alone */
        good = good && t && scale_trap_code(t) == SCALE_TRAP_MEMORY_OOB;
        scale_trap_delete(t);
      }
      if (good) wk->ok++;
    }
    scale_error_delete(err);
    scale_trap_delete(trap);
    scale_linker_delete(w.linker);
    scale_store_delete(w.store);
  }
  return NULL;
}

static void test_threads(scale_engine_t *engine) {
  scale_module_t *m = NULL;
  scale_error_t *err = scale_module_new(engine, wasm_bytes, wasm_len, &m);
  if (!err) err = scale_module_compile(m);
  CHECK(!err);
  scale_error_delete(err);
  if (!m) return;
  worker_t wk[2] = {{engine, m, 0}, {engine, m, 0}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, worker_run, &wk[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  CHECK(wk[0].ok == 20 && wk[1].ok == 20);
  scale_module_delete(m);
}

/* ---- cache and fallback ------------------------------------------------ */

/* The one object file in the cache folder (this test's cache holds one module). */
static bool cached_object(const char *dir, char *path, size_t cap) {
  DIR *d = opendir(dir);
  if (!d) return false;
  struct dirent *e;
  bool found = false;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".so") && strlen(e->d_name) > 3 &&
        strcmp(e->d_name + strlen(e->d_name) - 3, ".so") == 0) {
      snprintf(path, cap, "%s/%s", dir, e->d_name);
      found = true;
    }
  closedir(d);
  return found;
}

static void test_cache(const char *cache) {
  scale_engine_t *engine = engine_new(SCALE_TIER_INTERP, 0);
  world_t w;
  CHECK(world_open(&w, engine, true));
  world_close(&w);
  char so[4200];
  CHECK(cached_object(cache, so, sizeof so));
  struct stat st;
  CHECK(stat(cache, &st) == 0 && (st.st_mode & 0777) == 0700);
  /* alter the cached object: the next compile must notice, rebuild and still work */
  FILE *f = fopen(so, "r+b");
  CHECK(f != NULL);
  if (f) {
    fseek(f, 200, SEEK_SET);
    fputc(0x5a, f);
    fputc(0xa5, f);
    fclose(f);
  }
  struct stat before;
  stat(so, &before);
  CHECK(world_open(&w, engine, true));
  int32_t r = 0;
  CHECK(!call(&w, "add", (int32_t[]){2, 3}, 2, &r) && r == 5);
  world_close(&w);
  struct stat after;
  CHECK(stat(so, &after) == 0 && after.st_ino != before.st_ino); /* a new file took its place */
  scale_engine_delete(engine);
}

static void test_no_compiler(void) {
  setenv("SCALE_CC", "/nonexistent/cc", 1);
  /* explicit compile: a clear error */
  scale_engine_t *engine = engine_new(SCALE_TIER_INTERP, 0);
  scale_module_t *m = NULL;
  scale_error_t *err = scale_module_new(engine, wasm_bytes, wasm_len, &m);
  CHECK(!err);
  /* a different build option, so the cache cannot serve it */
  err = m ? scale_module_compile(m) : NULL;
  CHECK(err && strstr(scale_error_message(err), "compiler"));
  scale_error_delete(err);
  scale_module_delete(m);
  scale_engine_delete(engine);
  unsetenv("SCALE_CC");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: tier_test DIR_WITH_LIMITS_WASM\n");
    return 2;
  }
  read_module(argv[1]);
  char cache[] = "/tmp/scale-tier-test-XXXXXX";
  if (!mkdtemp(cache)) return 2;
  char sub[600];
  snprintf(sub, sizeof sub, "%s/cache", cache);
  setenv("SCALE_CACHE", sub, 1);

  test_cache(sub);
  scale_engine_t *engine = engine_new(SCALE_TIER_INTERP, 4);
  test_behaviour(engine);
  test_limits(engine);
  test_metered(engine);
  test_threads(engine);
  scale_engine_delete(engine);
  /* A tier-AOT engine compiles on module creation; AUTO in the background. */
  engine = engine_new(SCALE_TIER_AUTO, 0);
  scale_module_t *m = NULL;
  scale_error_t *err = scale_module_new(engine, wasm_bytes, wasm_len, &m);
  CHECK(!err);
  if (m) {
    CHECK(!scale_module_compile(m)); /* waits for the background build */
    CHECK(scale_module_tier(m) == SCALE_TIER_AOT);
    scale_module_delete(m);
  }
  scale_error_delete(err);
  scale_engine_delete(engine);
  /* Poisoned cache key (new options) + no compiler. */
  snprintf(sub, sizeof sub, "%s/cache2", cache);
  setenv("SCALE_CACHE", sub, 1);
  test_no_compiler();

  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
  if (system(cmd) != 0) fprintf(stderr, "tier_test: could not remove %s\n", cache);
  printf("tier: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
