/*
 * Per-call limits: wall-clock deadlines (firing, staying fired until
 * re-armed, one store's deadline leaving other stores alone, stores
 * deleted while armed), the one-shot interrupt beside them, and the
 * engine's memory cap (memory.grow past it returns -1, instantiation past
 * it fails with "memory limit exceeded"). Also the address space a memory
 * reserves for AOT code, read from the runtime's memory object.
 */
#include <pthread.h>

#include "runtime/runtime.h"
#include "util.h"

static scale_engine_t *engine;
static scale_module_t *module;

/* pool.wat imports host.add1; these tests never call it. */
static scale_trap_t *host_add1(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  (void)env;
  (void)caller;
  (void)nargs;
  (void)nresults;
  results[0] = scale_val_i32(args[0].of.i32 + 1);
  return NULL;
}

struct inst {
  scale_store_t *store;
  scale_instance_t *inst;
};

static struct inst instantiate(void) {
  struct inst r;
  r.store = scale_store_new(engine);
  scale_linker_t *l = scale_linker_new(engine);
  scale_valkind_t i32 = SCALE_I32;
  scale_functype_t *t = scale_functype_new(&i32, 1, &i32, 1);
  ok_or_die(scale_linker_define_func(l, "host", "add1", t, host_add1, NULL), "define");
  scale_functype_delete(t);
  scale_trap_t *trap = NULL;
  ok_or_die(scale_linker_instantiate(l, r.store, module, &r.inst, &trap), "instantiate");
  if (trap) exit(2);
  scale_linker_delete(l);
  return r;
}

static int run(struct inst *i, const char *name, char *msg, int nargs, int32_t a, int32_t b) {
  int32_t r;
  return call_i32(i->store, i->inst, name, &r, msg, msg ? 64 : 0, nargs, a, b);
}

static void test_deadline(void) {
  struct inst i = instantiate();
  char msg[64] = "";
  double t0 = now_s();
  scale_store_set_deadline(i.store, 50 * 1000000ull);
  CHECK(run(&i, "spin", msg, 0, 0, 0) == SCALE_TRAP_DEADLINE);
  double took = now_s() - t0;
  CHECK(strcmp(msg, "deadline exceeded") == 0);
  CHECK(took >= 0.045 && took < 5.0);
  /* Fired stays fired: the next call traps at once, even a short one. */
  CHECK(run(&i, "get_g", msg, 0, 0, 0) == SCALE_TRAP_DEADLINE);
  /* An interrupt does not turn a fired deadline into a one-shot. */
  scale_store_interrupt(i.store);
  CHECK(run(&i, "get_g", NULL, 0, 0, 0) == SCALE_TRAP_DEADLINE);
  /* Disarming clears it; re-arming makes it fire again. */
  scale_store_set_deadline(i.store, 0);
  CHECK(run(&i, "get_g", NULL, 0, 0, 0) == 0);
  scale_store_set_deadline(i.store, 20 * 1000000ull);
  CHECK(run(&i, "spin", NULL, 0, 0, 0) == SCALE_TRAP_DEADLINE);
  scale_store_set_deadline(i.store, 10ull * 1000000000ull); /* far away: does not fire */
  CHECK(run(&i, "work", NULL, 2, 100000, 64) == 0);
  CHECK(run(&i, "get_g", NULL, 0, 0, 0) == 0);
  /* Re-arming replaces the old deadline: a later one pushed earlier still fires. */
  scale_store_set_deadline(i.store, 30 * 1000000ull);
  t0 = now_s();
  CHECK(run(&i, "spin", NULL, 0, 0, 0) == SCALE_TRAP_DEADLINE);
  took = now_s() - t0;
  CHECK(took < 5.0);
  /* The interrupt stays one-shot. */
  scale_store_set_deadline(i.store, 0);
  scale_store_interrupt(i.store);
  CHECK(run(&i, "spin", msg, 0, 0, 0) == SCALE_TRAP_INTERRUPTED);
  CHECK(strcmp(msg, "interrupted") == 0);
  CHECK(run(&i, "get_g", NULL, 0, 0, 0) == 0);
  /* Deleted while armed: the watchdog must forget the store (ASan catches a use after free). */
  scale_store_set_deadline(i.store, 5 * 1000000ull);
  scale_store_delete(i.store);
  for (int k = 0; k < 20; k++) {
    struct inst j = instantiate();
    scale_store_set_deadline(j.store, (uint64_t)(k % 4) * 1000000ull + 1);
    if (k % 2) sleep_ms(2);
    scale_store_delete(j.store);
  }
  sleep_ms(20);
}

/* Two stores on two threads: each traps at its own deadline, not the other's. */
struct spinner {
  uint64_t deadline_ns; /* 0: no deadline, run a bounded loop instead */
  int code;
  double took;
};

static void *spinner_main(void *arg) {
  struct spinner *s = arg;
  struct inst i = instantiate();
  double t0 = now_s();
  if (s->deadline_ns) {
    scale_store_set_deadline(i.store, s->deadline_ns);
    s->code = run(&i, "spin", NULL, 0, 0, 0);
  } else {
    s->code = run(&i, "work", NULL, 2, 3000000, 64);
  }
  s->took = now_s() - t0;
  scale_store_delete(i.store);
  return NULL;
}

static void test_deadline_isolation(void) {
  struct spinner s[3] = {{40 * 1000000ull, -1, 0}, {250 * 1000000ull, -1, 0}, {0, -1, 0}};
  pthread_t t[3];
  for (int k = 0; k < 3; k++)
    if (pthread_create(&t[k], NULL, spinner_main, &s[k]) != 0) exit(2);
  for (int k = 0; k < 3; k++)
    pthread_join(t[k], NULL);
  CHECK(s[0].code == SCALE_TRAP_DEADLINE);
  CHECK(s[1].code == SCALE_TRAP_DEADLINE);
  CHECK(s[2].code == 0); /* no deadline: finished its work */
  CHECK(s[0].took >= 0.035 && s[0].took < 5.0);
  CHECK(s[1].took >= 0.24 && s[1].took < 10.0);
  if (s[1].took < 0.24) fprintf(stderr, "the 250 ms store stopped after %.3f s\n", s[1].took);
}

/* ---- the engine's memory cap --------------------------------------- */

static void test_memory_cap(const char *dir) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.max_memory_pages = 4;
  scale_engine_t *e = NULL;
  ok_or_die(scale_engine_new(&cfg, &e), "engine_new");
  scale_module_t *capped = load_module(e, dir, "capped.wasm");
  scale_module_t *toobig = load_module(e, dir, "toobig.wasm");
  scale_store_t *s = scale_store_new(e);
  scale_linker_t *l = scale_linker_new(e);
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  ok_or_die(scale_linker_instantiate(l, s, capped, &inst, &trap), "instantiate capped");
  int32_t r = 0;
  CHECK(call_i32(s, inst, "grow", &r, NULL, 0, 1, 4) == 0 && r == -1); /* 1 + 4 > 4 */
  CHECK(call_i32(s, inst, "grow", &r, NULL, 0, 1, 3) == 0 && r == 1);  /* exactly the cap */
  CHECK(call_i32(s, inst, "grow", &r, NULL, 0, 1, 1) == 0 && r == -1);
  CHECK(call_i32(s, inst, "size", &r, NULL, 0, 0) == 0 && r == 4);
  scale_extern_t mem;
  CHECK(scale_instance_export(inst, "memory", &mem));
  uint32_t old = 0;
  CHECK(!scale_memory_grow(mem.of.memory, 1, &old));
  /* Instantiation past the cap is an error naming the limit, not a trap. */
  scale_error_t *err = scale_linker_instantiate(l, s, toobig, &inst, &trap);
  CHECK(err != NULL && trap == NULL);
  if (err) {
    CHECK(strncmp(scale_error_message(err), "memory limit exceeded", 21) == 0);
    scale_error_delete(err);
  }
  /* And so is a pool's template. */
  scale_pool_t *pool = NULL;
  err = scale_pool_new(l, toobig, NULL, &pool, &trap);
  CHECK(err != NULL && pool == NULL);
  if (err) {
    CHECK(strncmp(scale_error_message(err), "memory limit exceeded", 21) == 0);
    scale_error_delete(err);
  }
  /* Pooled instances obey the same cap. */
  ok_or_die(scale_pool_new(l, capped, NULL, &pool, &trap), "pool_new capped");
  scale_lease_t *lease = NULL;
  ok_or_die(scale_pool_acquire(pool, &lease), "acquire");
  CHECK(call_i32(scale_lease_store(lease), scale_lease_instance(lease), "grow", &r, NULL, 0, 1,
                 4) == 0 &&
        r == -1);
  CHECK(call_i32(scale_lease_store(lease), scale_lease_instance(lease), "grow", &r, NULL, 0, 1,
                 3) == 0 &&
        r == 1);
  scale_pool_release(pool, lease, true);
  scale_pool_delete(pool);
  scale_linker_delete(l);
  scale_store_delete(s);
  scale_module_delete(capped);
  scale_module_delete(toobig);
  scale_engine_delete(e);
}

/* Under AOT (at least), every memory reserves 8 GiB + 64 KiB whatever its maximum. */
static void test_aot_reservation(void) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_AOT;
  scale_engine_t *e = NULL;
  ok_or_die(scale_engine_new(&cfg, &e), "engine_new aot");
  scale_store_t *s = scale_store_new(e);
  scale_memorytype_t mt = {{1, 2, true}};
  scale_memory_t *m = NULL;
  ok_or_die(scale_memory_new(s, &mt, &m), "memory_new");
  CHECK(m->reserved >= ((size_t)8 << 30) + 65536);
  CHECK(scale_memory_pages(m) == 1 && scale_memory_data(m)[65535] == 0);
  CHECK(scale_memory_grow(m, 1, NULL) && !scale_memory_grow(m, 1, NULL)); /* max still 2 */
  scale_store_delete(s);
  scale_engine_delete(e);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: limits_test <dir with the .wasm files>\n");
    return 2;
  }
  ok_or_die(scale_engine_new(NULL, &engine), "engine_new");
  module = load_module(engine, argv[1], "pool.wasm");
  test_deadline();
  test_deadline_isolation();
  test_memory_cap(argv[1]);
  test_aot_reservation();
  scale_module_delete(module);
  scale_engine_delete(engine);
  return report("pool.limits");
}
