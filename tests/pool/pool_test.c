/*
 * Instance pools: a lease starts in the snapshot's state (memory contents
 * and size, globals, tables, funcref globals, dropped segments), a reset
 * really undoes what the previous holder did, an unreusable lease is never
 * handed out again, max_instances refuses instead of blocking, the pool's
 * linker takes host functions only, and many threads share one pool.
 * Modules come from wat/, assembled by wat2wasm at build time.
 */
#include <pthread.h>

#include "util.h"

static scale_engine_t *engine;
static scale_module_t *module;
static scale_linker_t *linker;

static scale_trap_t *host_add1(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)nargs;
  (void)nresults;
  results[0] = scale_val_i32(args[0].of.i32 + 1);
  return NULL;
}

static scale_pool_t *make_pool(uint32_t max_idle, uint32_t max_instances) {
  scale_pool_config_t cfg;
  scale_pool_config_default(&cfg);
  cfg.max_idle = max_idle;
  cfg.max_instances = max_instances;
  cfg.init_export = "_initialize";
  scale_pool_t *pool = NULL;
  scale_trap_t *trap = NULL;
  ok_or_die(scale_pool_new(linker, module, &cfg, &pool, &trap), "pool_new");
  if (trap) {
    fprintf(stderr, "pool_new trapped: %s\n", scale_trap_message(trap));
    exit(2);
  }
  return pool;
}

static int32_t call(scale_lease_t *l, const char *name, int nargs, int32_t a, int32_t b,
                    int32_t c) {
  int32_t r = -12345;
  int code =
      call_i32(scale_lease_store(l), scale_lease_instance(l), name, &r, NULL, 0, nargs, a, b, c);
  return code ? -1000 - code : r;
}

/* Everything a fresh lease must show: the snapshot taken after _initialize. */
static void check_fresh(scale_lease_t *l) {
  CHECK(call(l, "size", 0, 0, 0, 0) == 2);
  CHECK(call(l, "get_g", 0, 0, 0, 0) == 7);
  CHECK(call(l, "load", 1, 0, 0, 0) == 's');      /* active data segment */
  CHECK(call(l, "load", 1, 100, 0, 0) == 'i');    /* written by _initialize */
  CHECK(call(l, "load", 1, 70000, 0, 0) == 0x5a); /* in the page _initialize grew */
  CHECK(call(l, "load", 1, 5000, 0, 0) == 0);
  CHECK(call(l, "table_size", 0, 0, 0, 0) == 4);
  CHECK(call(l, "call_t", 1, 0, 0, 0) == 11);
  CHECK(call(l, "call_t", 1, 1, 0, 0) == 22);
  CHECK(call(l, "call_t", 1, 2, 0, 0) == 22); /* table.set by _initialize */
  CHECK(call(l, "fr_is_null", 0, 0, 0, 0) == 0);
  CHECK(call(l, "call_fr", 0, 0, 0, 0) == 11);
  CHECK(call(l, "init_pd1", 0, 0, 0, 0) == -1000 - SCALE_TRAP_MEMORY_OOB); /* dropped at init */
  CHECK(call(l, "init_pd2", 0, 0, 0, 0) == -12345);                        /* no result, ok */
  CHECK(call(l, "init_pe", 0, 0, 0, 0) == -12345);
  CHECK(call(l, "host", 1, 41, 0, 0) == 42);
}

/* Undo everything check_fresh looks at (check_fresh itself set t[3] and memory[200..]). */
static void dirty(scale_lease_t *l) {
  call(l, "fill", 3, 0, 0xee, 2 * 65536); /* every byte of both pages */
  call(l, "set_g", 1, 99, 0, 0);
  CHECK(call(l, "grow", 1, 3, 0, 0) == 2);
  call(l, "store", 2, 5 * 65536 - 1, 0x77, 0); /* last byte of the grown memory */
  CHECK(call(l, "table_grow", 1, 10, 0, 0) == 4);
  call(l, "table_clear", 1, 0, 0, 0);
  call(l, "table_copy", 2, 1, 0, 0); /* t[1] = t[0] = null */
  call(l, "clear_fr", 0, 0, 0, 0);
  call(l, "drop_pd2", 0, 0, 0, 0);
  call(l, "drop_pe", 0, 0, 0, 0);
  CHECK(call(l, "size", 0, 0, 0, 0) == 5);
  CHECK(call(l, "get_g", 0, 0, 0, 0) == 99);
  CHECK(call(l, "load", 1, 0, 0, 0) == 0xee);
  CHECK(call(l, "call_t", 1, 1, 0, 0) == -1000 - SCALE_TRAP_UNINITIALIZED_ELEMENT);
  CHECK(call(l, "init_pd2", 0, 0, 0, 0) == -1000 - SCALE_TRAP_MEMORY_OOB);
  CHECK(call(l, "init_pe", 0, 0, 0, 0) == -1000 - SCALE_TRAP_TABLE_OOB);
}

static void test_reset(void) {
  scale_pool_t *pool = make_pool(1, 0);
  scale_lease_t *a = NULL;
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  check_fresh(a);
  scale_store_t *store = scale_lease_store(a);
  dirty(a);
  scale_pool_release(pool, a, true);
  scale_lease_t *b = NULL;
  ok_or_die(scale_pool_acquire(pool, &b), "acquire");
  CHECK(scale_lease_store(b) == store); /* the one idle instance, reset */
  check_fresh(b);
  /* Pages past the snapshot come back zero when grown again, not with the old bytes. */
  CHECK(call(b, "grow", 1, 3, 0, 0) == 2);
  CHECK(call(b, "load", 1, 5 * 65536 - 1, 0, 0) == 0);
  CHECK(call(b, "load", 1, 3 * 65536, 0, 0) == 0);
  /* Host access to the memory sees the same. */
  scale_extern_t mem;
  CHECK(scale_instance_export(scale_lease_instance(b), "memory", &mem));
  CHECK(scale_memory_pages(mem.of.memory) == 5);
  CHECK(scale_memory_data(mem.of.memory)[0] == 's');
  scale_pool_release(pool, b, true);
  /* And again after a reset from the grown state, several times. */
  for (int i = 0; i < 5; i++) {
    ok_or_die(scale_pool_acquire(pool, &b), "acquire");
    check_fresh(b);
    dirty(b);
    scale_pool_release(pool, b, true);
  }
  scale_pool_delete(pool);
}

static void finalize_flag(void *env) {
  (*(int *)env)++;
}

/* Tie a marker to a lease's store: its finalizer runs when the store is deleted. */
static void mark(scale_lease_t *l, int *flag) {
  scale_functype_t *t = scale_functype_new(NULL, 0, NULL, 0);
  CHECK(scale_func_new(scale_lease_store(l), t, host_add1, flag, finalize_flag) != NULL);
  scale_functype_delete(t);
}

static void test_unreusable(void) {
  scale_pool_t *pool = make_pool(4, 0);
  int kept = 0, dropped = 0;
  scale_lease_t *a = NULL, *b = NULL;
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  ok_or_die(scale_pool_acquire(pool, &b), "acquire");
  mark(a, &dropped);
  mark(b, &kept);
  scale_store_t *kept_store = scale_lease_store(b);
  CHECK(call(a, "trap", 0, 0, 0, 0) == -1000 - SCALE_TRAP_UNREACHABLE);
  scale_pool_release(pool, a, false);
  CHECK(dropped == 1); /* destroyed with its store at once */
  scale_pool_release(pool, b, true);
  CHECK(kept == 0);
  /* Only the reusable one is idle: every acquire now gets it or a new instance. */
  scale_lease_t *c = NULL, *d = NULL;
  ok_or_die(scale_pool_acquire(pool, &c), "acquire");
  ok_or_die(scale_pool_acquire(pool, &d), "acquire");
  CHECK(scale_lease_store(c) == kept_store);
  CHECK(scale_lease_store(d) != kept_store);
  check_fresh(c);
  check_fresh(d);
  scale_pool_release(pool, c, true);
  scale_pool_release(pool, d, true);
  CHECK(kept == 0);
  scale_pool_delete(pool);
  CHECK(kept == 1);
  CHECK(dropped == 1);
}

static void test_limits_reset_on_acquire(void) {
  scale_pool_t *pool = make_pool(1, 0);
  scale_lease_t *a = NULL;
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  scale_store_t *s = scale_lease_store(a);
  scale_store_set_fuel(s, 3);
  scale_store_interrupt(s);
  scale_pool_release(pool, a, true);
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  CHECK(scale_lease_store(a) == s);
  CHECK(scale_store_fuel(s) == UINT64_MAX);
  CHECK(call(a, "work", 2, 1000, 4096, 0) == 499500);
  scale_store_set_deadline(s, 1000000); /* 1 ms, left to fire while idle */
  sleep_ms(20);
  CHECK(call(a, "get_g", 0, 0, 0, 0) == -1000 - SCALE_TRAP_DEADLINE);
  scale_pool_release(pool, a, true);
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  CHECK(call(a, "get_g", 0, 0, 0, 0) == 7);
  /* Armed at release: it must not fire into the idle instance's next lease. */
  scale_store_set_deadline(scale_lease_store(a), 30000000);
  scale_pool_release(pool, a, true);
  sleep_ms(60);
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  CHECK(scale_lease_store(a) == s);
  CHECK(call(a, "get_g", 0, 0, 0, 0) == 7);
  /* The holder's own deadline still works on a pooled store. */
  scale_store_set_deadline(s, 30000000);
  CHECK(call(a, "spin", 0, 0, 0, 0) == -1000 - SCALE_TRAP_DEADLINE);
  scale_pool_release(pool, a, false);
  scale_pool_delete(pool);
}

static void test_exhausted(void) {
  scale_pool_t *pool = make_pool(1, 2);
  scale_lease_t *a = NULL, *b = NULL, *c = NULL;
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  ok_or_die(scale_pool_acquire(pool, &b), "acquire");
  scale_error_t *e = scale_pool_acquire(pool, &c);
  CHECK(e != NULL);
  if (e) {
    CHECK(strncmp(scale_error_message(e), "pool exhausted", 14) == 0);
    scale_error_delete(e);
  }
  scale_pool_release(pool, a, false); /* destroyed: frees a slot */
  ok_or_die(scale_pool_acquire(pool, &c), "acquire after release");
  scale_pool_release(pool, b, true);
  scale_pool_release(pool, c, true); /* max_idle 1: this one is destroyed */
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  ok_or_die(scale_pool_acquire(pool, &b), "acquire");
  check_fresh(a);
  check_fresh(b);
  scale_pool_release(pool, a, true);
  scale_pool_release(pool, b, true);
  scale_pool_delete(pool);
}

static void test_linker_checks(void) {
  /* An extern of a store in the linker is refused, naming it. */
  scale_linker_t *l = scale_linker_new(engine);
  scale_store_t *s = scale_store_new(engine);
  scale_memorytype_t mt = {{1, 0, false}};
  scale_memory_t *m = NULL;
  ok_or_die(scale_memory_new(s, &mt, &m), "memory_new");
  scale_extern_t ext;
  ext.kind = SCALE_EXTERN_MEMORY;
  ext.of.memory = m;
  ok_or_die(scale_linker_define(l, "env", "mem", ext), "define");
  scale_pool_t *pool = NULL;
  scale_trap_t *trap = NULL;
  scale_error_t *e = scale_pool_new(l, module, NULL, &pool, &trap);
  CHECK(e != NULL && trap == NULL && pool == NULL);
  if (e) {
    CHECK(strstr(scale_error_message(e), "'env' 'mem'") != NULL);
    CHECK(strstr(scale_error_message(e), "extern of a store") != NULL);
    scale_error_delete(e);
  }
  scale_linker_delete(l);
  scale_store_delete(s);
  /* WASI definitions are host functions: accepted (the module then lacks "host.add1"). */
  l = scale_linker_new(engine);
  scale_wasi_t *wasi = scale_wasi_new();
  ok_or_die(scale_linker_define_wasi(l, wasi), "define_wasi");
  e = scale_pool_new(l, module, NULL, &pool, &trap);
  CHECK(e != NULL);
  if (e) {
    CHECK(strstr(scale_error_message(e), "unknown import") != NULL);
    scale_error_delete(e);
  }
  scale_linker_delete(l);
  scale_wasi_delete(wasi);
  /* A missing init export is an error, a trapping one a trap. */
  scale_pool_config_t cfg;
  scale_pool_config_default(&cfg);
  cfg.init_export = "nope";
  e = scale_pool_new(linker, module, &cfg, &pool, &trap);
  CHECK(e != NULL && strstr(scale_error_message(e), "'nope'") != NULL);
  scale_error_delete(e);
  cfg.init_export = "trap";
  e = scale_pool_new(linker, module, &cfg, &pool, &trap);
  CHECK(e == NULL && trap != NULL);
  if (trap) CHECK(strcmp(scale_trap_message(trap), "unreachable") == 0);
  scale_trap_delete(trap);
  cfg.init_export = "get_g";
  e = scale_pool_new(linker, module, &cfg, &pool, &trap);
  CHECK(e != NULL && strstr(scale_error_message(e), "no parameters") != NULL);
  scale_error_delete(e);
  /* Without an init export the snapshot is the state right after instantiation. */
  ok_or_die(scale_pool_new(linker, module, NULL, &pool, &trap), "pool_new");
  scale_lease_t *a = NULL;
  ok_or_die(scale_pool_acquire(pool, &a), "acquire");
  CHECK(call(a, "get_g", 0, 0, 0, 0) == 0);
  CHECK(call(a, "size", 0, 0, 0, 0) == 1);
  CHECK(call(a, "init_pd1", 0, 0, 0, 0) == -12345);
  scale_pool_release(pool, a, true);
  scale_pool_delete(pool);
}

/* ---- many threads, one pool ---------------------------------------- */

#define THREADS 4
#define CYCLES 150

struct worker {
  scale_pool_t *pool;
  int id;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  for (int i = 0; i < CYCLES; i++) {
    scale_lease_t *l = NULL;
    ok_or_die(scale_pool_acquire(w->pool, &l), "acquire");
    /* Fresh state, whatever the previous holder (maybe another thread) did. */
    CHECK(call(l, "get_g", 0, 0, 0, 0) == 7);
    CHECK(call(l, "size", 0, 0, 0, 0) == 2);
    CHECK(call(l, "load", 1, 100, 0, 0) == 'i');
    CHECK(call(l, "load", 1, 4096, 0, 0) == 0);
    int32_t n = 100 + w->id * 10 + i % 7;
    CHECK(call(l, "work", 2, n, 4096, 0) == n * (n - 1) / 2);
    call(l, "set_g", 1, w->id * 100000 + i, 0, 0);
    CHECK(call(l, "get_g", 0, 0, 0, 0) == w->id * 100000 + i);
    if (i % 3 == 0) CHECK(call(l, "grow", 1, 1, 0, 0) == 2);
    CHECK(call(l, "host", 1, i, 0, 0) == i + 1);
    bool trapped = i % 10 == 9 && call(l, "trap", 0, 0, 0, 0) != 0;
    scale_pool_release(w->pool, l, !trapped);
  }
  return NULL;
}

static void test_threads(void) {
  scale_pool_t *pool = make_pool(2, 0); /* fewer idle than threads: destroys happen too */
  pthread_t t[THREADS];
  struct worker w[THREADS];
  for (int i = 0; i < THREADS; i++) {
    w[i].pool = pool;
    w[i].id = i;
    if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) exit(2);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(t[i], NULL);
  scale_pool_delete(pool);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pool_test <dir with the .wasm files>\n");
    return 2;
  }
  ok_or_die(scale_engine_new(NULL, &engine), "engine_new");
  module = load_module(engine, argv[1], "pool.wasm");
  linker = scale_linker_new(engine);
  scale_valkind_t i32 = SCALE_I32;
  scale_functype_t *t = scale_functype_new(&i32, 1, &i32, 1);
  ok_or_die(scale_linker_define_func(linker, "host", "add1", t, host_add1, NULL), "define");
  scale_functype_delete(t);

  test_reset();
  test_unreusable();
  test_limits_reset_on_acquire();
  test_exhausted();
  test_linker_checks();
  test_threads();

  scale_linker_delete(linker);
  scale_module_delete(module);
  scale_engine_delete(engine);
  return report("pool");
}
