/*
 * Resets, byte for byte, on both tiers: a pooled instance comes back with
 * exactly the snapshot's memory after the previous holder wrote scattered
 * pages (more runs than one kernel scan returns), wrote more than a reset
 * copies back (the rest is dropped), grew memory and wrote past the image,
 * or wrote from the host. Also: SCALE_RESET is honoured, a forked child
 * resets its own instances (not its parent's view of them), and the
 * lock-free deadline path neither fires a cleared deadline nor misses an
 * armed one, with several threads at once (run under TSan too).
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "util.h"

#define IMAGE (48u * 65536u) /* reset.wat's snapshot size */

static const char *test_dir;

static scale_pool_t *make_pool(scale_engine_t *engine, scale_module_t *module) {
  scale_linker_t *linker = scale_linker_new(engine);
  scale_pool_config_t cfg;
  scale_pool_config_default(&cfg);
  cfg.max_idle = 1; /* every acquire gets the one instance just reset */
  cfg.init_export = "_initialize";
  scale_pool_t *pool = NULL;
  scale_trap_t *trap = NULL;
  ok_or_die(scale_pool_new(linker, module, &cfg, &pool, &trap), "pool_new");
  if (trap) exit(2);
  scale_linker_delete(linker);
  return pool;
}

static int32_t call(scale_lease_t *l, const char *name, int nargs, int32_t a, int32_t b, int32_t c,
                    int32_t d) {
  int32_t r = -12345;
  int code =
      call_i32(scale_lease_store(l), scale_lease_instance(l), name, &r, NULL, 0, nargs, a, b, c, d);
  return code ? -1000 - code : r;
}

static scale_memory_t *memory_of(scale_lease_t *l) {
  scale_extern_t ext;
  CHECK(scale_instance_export(scale_lease_instance(l), "memory", &ext));
  return ext.of.memory;
}

/* The lease shows exactly the snapshot: size, every byte, the global. */
static void check_snapshot(scale_lease_t *l, const uint8_t *want, const char *after) {
  scale_memory_t *m = memory_of(l);
  CHECK(scale_memory_size(m) == IMAGE);
  CHECK(call(l, "size", 0, 0, 0, 0, 0) == 48);
  CHECK(call(l, "get_g", 0, 0, 0, 0, 0) == 5);
  const uint8_t *got = scale_memory_data(m);
  for (size_t i = 0; i < IMAGE; i++)
    if (got[i] != want[i]) {
      fprintf(stderr, "after %s: byte %zu is %u, the snapshot has %u\n", after, i, got[i], want[i]);
      CHECK(got[i] == want[i]);
      break;
    }
}

/* Release (reset) and take the same instance back. */
static scale_lease_t *cycle(scale_pool_t *pool, scale_lease_t *l) {
  scale_store_t *store = scale_lease_store(l);
  scale_pool_release(pool, l, true);
  ok_or_die(scale_pool_acquire(pool, &l), "acquire");
  CHECK(scale_lease_store(l) == store);
  return l;
}

static void test_bytes(scale_tier_t tier) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = tier;
  scale_engine_t *engine = NULL;
  ok_or_die(scale_engine_new(&cfg, &engine), "engine_new");
  scale_module_t *module = load_module(engine, test_dir, "reset.wasm");
  CHECK(scale_module_tier(module) == tier);
  scale_pool_t *pool = make_pool(engine, module);
  scale_lease_t *l = NULL;
  ok_or_die(scale_pool_acquire(pool, &l), "acquire");
  uint8_t *want = malloc(IMAGE);
  if (!want) exit(2);
  memcpy(want, scale_memory_data(memory_of(l)), IMAGE);
  CHECK(memcmp(want, "start of the image", 18) == 0);
  CHECK(memcmp(want + 2000000, "init", 4) == 0);

  /* Every other host page, by guest code: hundreds of separate runs. */
  call(l, "stripe", 4, 0, (int32_t)IMAGE, 8192, 0x11);
  call(l, "set_g", 1, 77, 0, 0, 0);
  l = cycle(pool, l);
  check_snapshot(l, want, "striped writes");

  /* All of it (past the copy budget: part copied back, part dropped), twice. */
  for (int i = 0; i < 2; i++) {
    call(l, "fill", 3, 0, 0xa5, (int32_t)IMAGE, 0);
    l = cycle(pool, l);
    check_snapshot(l, want, "a fill of the whole image");
  }

  /* Growing, and data written past the image by the guest and by the host. */
  for (int i = 0; i < 3; i++) {
    CHECK(call(l, "grow", 1, 10, 0, 0, 0) == 48);
    CHECK(call(l, "load", 1, (int32_t)IMAGE + 100, 0, 0, 0) == 0);
    call(l, "stripe", 4, (int32_t)IMAGE, (int32_t)IMAGE + 10 * 65536, 4096 * (i + 1), 0x22);
    scale_memory_data(memory_of(l))[IMAGE + 10 * 65536 - 1] = 0x33;
    call(l, "store", 2, 5, 0x44, 0, 0);
    l = cycle(pool, l);
    check_snapshot(l, want, "growing");
    CHECK(call(l, "load", 1, (int32_t)IMAGE, 0, 0, 0) == -1000 - SCALE_TRAP_MEMORY_OOB);
  }
  /* Grown again, the pages past the image read zero. */
  CHECK(call(l, "grow", 1, 12, 0, 0, 0) == 48);
  const uint8_t *grown = scale_memory_data(memory_of(l)) + IMAGE;
  bool zero = true;
  for (size_t i = 0; i < 12 * 65536; i++)
    zero = zero && grown[i] == 0;
  CHECK(zero);

  /* Random pages written from the host, many cycles. */
  uint32_t seed = 12345;
  for (int round = 0; round < 20; round++) {
    l = cycle(pool, l);
    uint8_t *data = scale_memory_data(memory_of(l));
    for (int k = 0; k < 40; k++) {
      seed = seed * 1103515245u + 12345u;
      data[(seed >> 4) % IMAGE] ^= 0xff;
    }
    if (round % 5 == 0) CHECK(call(l, "grow", 1, 1, 0, 0, 0) == 48);
    l = cycle(pool, l);
    check_snapshot(l, want, "random writes");
  }
  free(want);
  scale_pool_release(pool, l, true);
  scale_pool_delete(pool);
  scale_module_delete(module);
  scale_engine_delete(engine);
}

/* A child's resets must scan the child's address space, whatever the parent opened. */
static void test_fork(void) {
  scale_engine_t *engine = NULL;
  ok_or_die(scale_engine_new(NULL, &engine), "engine_new");
  scale_module_t *module = load_module(engine, test_dir, "reset.wasm");
  scale_pool_t *pool = make_pool(engine, module);
  scale_lease_t *l = NULL;
  ok_or_die(scale_pool_acquire(pool, &l), "acquire");
  call(l, "store", 2, 4096, 0x55, 0, 0);
  l = cycle(pool, l); /* the parent has scanned: its pagemap file is open */
  CHECK(call(l, "load", 1, 4096, 0, 0, 0) == 0);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int bad = 0;
    for (int i = 0; i < 3; i++) {
      call(l, "store", 2, 8192 + i, 0x66, 0, 0);
      scale_pool_release(pool, l, true);
      if (scale_pool_acquire(pool, &l)) _exit(3);
      bad += call(l, "load", 1, 8192 + i, 0, 0, 0) != 0;
    }
    _exit(bad ? 1 : 0);
  }
  CHECK(pid > 0);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  scale_pool_release(pool, l, true);
  scale_pool_delete(pool);
  scale_module_delete(module);
  scale_engine_delete(engine);
}

static void test_mode(void) {
  const char *want = getenv("SCALE_RESET");
  scale__reset_mode_t mode = scale__reset_mode();
  printf("pool.reset: reset mode %s (SCALE_RESET=%s)\n", scale__reset_mode_name(mode),
         want ? want : "");
  if (!want) return;
  /* Forced ways fall through only to the ones after them. */
  if (strcmp(want, "madvise") == 0) CHECK(mode == SCALE__RESET_MADVISE);
  if (strcmp(want, "pagemap") == 0) CHECK(mode != SCALE__RESET_SCAN && mode != SCALE__RESET_TRACK);
  if (strcmp(want, "scan") == 0) CHECK(mode != SCALE__RESET_TRACK);
  if (strcmp(want, "track") == 0) CHECK(mode == SCALE__RESET_TRACK || !scale__track_supported());
}

/* ---- deadlines armed and cleared without the watchdog's lock ----------- */

static scale_engine_t *dl_engine;
static scale_module_t *dl_module;
static _Atomic int spurious, missed;

static void *deadline_worker(void *arg) {
  (void)arg;
  scale_store_t *store = scale_store_new(dl_engine);
  scale_linker_t *linker = scale_linker_new(dl_engine);
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  ok_or_die(scale_linker_instantiate(linker, store, dl_module, &inst, &trap), "instantiate");
  scale_linker_delete(linker);
  for (int i = 0; i < 300; i++) {
    /* Armed (sometimes already due) and cleared: never fires afterwards. */
    scale_store_set_deadline(store, (uint64_t)(i % 5) * 20000u + 1);
    scale__deadline_clear(store);
    int32_t r;
    if (call_i32(store, inst, "get_g", &r, NULL, 0, 0)) spurious++;
    /* Re-armed later and later (the lock-free path): still fires when due. */
    scale_store_set_deadline(store, 1000000000u);
    scale_store_set_deadline(store, 2000000000u);
    if (i % 50 == 0) {
      scale_store_set_deadline(store, 2000000u); /* earlier: takes the lock */
      if (call_i32(store, inst, "spin", NULL, NULL, 0, 0) != SCALE_TRAP_DEADLINE) missed++;
    }
  }
  scale_store_delete(store); /* while queued: the watchdog must let go of it */
  return NULL;
}

static void test_deadlines(void) {
  ok_or_die(scale_engine_new(NULL, &dl_engine), "engine_new");
  dl_module = load_module(dl_engine, test_dir, "reset.wasm");
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    if (pthread_create(&t[i], NULL, deadline_worker, NULL) != 0) exit(2);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  CHECK(spurious == 0);
  CHECK(missed == 0);
  scale_module_delete(dl_module);
  scale_engine_delete(dl_engine);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reset_test <dir with the .wasm files>\n");
    return 2;
  }
  test_dir = argv[1];
  test_mode();
  test_bytes(SCALE_TIER_INTERP);
  if (!UNDER_TSAN) test_bytes(SCALE_TIER_AOT);
  test_fork();
  test_deadlines();
  return report("pool.reset");
}
