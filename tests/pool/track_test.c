/*
 * Write tracking of pooled memories (src/runtime/track.c) where it could go wrong: system
 * calls writing into pages the instance never wrote (the kernel reports EFAULT on a
 * read-only page instead of faulting) through WASI random_get and fd_read, and through the
 * public scale_memory_prepare_write; the first writes from guest code on both tiers and from
 * the host; and resets that restore every tracked page.
 */
#include <unistd.h>

#include "runtime/runtime.h"
#include "util.h"

#define UNTOUCHED 140000 /* page 2 of the image: nothing writes it before the calls below */

static const char *test_dir;

/* stdin for the guest: read(2) from a pipe straight into guest memory. */
static long read_pipe(void *env, uint8_t *buf, size_t cap) {
  return (long)read(*(int *)env, buf, cap);
}

static int32_t call(scale_lease_t *l, const char *name, int nargs, int32_t a, int32_t b) {
  int32_t r = -12345;
  int code =
      call_i32(scale_lease_store(l), scale_lease_instance(l), name, &r, NULL, 0, nargs, a, b, 0, 0);
  return code ? -1000 - code : r;
}

static scale_memory_t *memory_of(scale_lease_t *l) {
  scale_extern_t ext;
  CHECK(scale_instance_export(scale_lease_instance(l), "memory", &ext));
  return ext.of.memory;
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

static void test_tier(scale_tier_t tier) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = tier;
  scale_engine_t *engine = NULL;
  ok_or_die(scale_engine_new(&cfg, &engine), "engine_new");
  scale_module_t *module = load_module(engine, test_dir, "track.wasm");
  CHECK(scale_module_tier(module) == tier);
  int fds[2];
  CHECK(pipe(fds) == 0);
  scale_wasi_t *wasi = scale_wasi_new();
  scale_wasi_set_input(wasi, read_pipe, &fds[0]);
  scale_linker_t *linker = scale_linker_new(engine);
  ok_or_die(scale_linker_define_wasi(linker, wasi), "define_wasi");
  scale_pool_config_t pc;
  scale_pool_config_default(&pc);
  pc.max_idle = 1;
  scale_pool_t *pool = NULL;
  scale_trap_t *trap = NULL;
  ok_or_die(scale_pool_new(linker, module, &pc, &pool, &trap), "pool_new");
  CHECK(!trap);

  for (int round = 0; round < 3; round++) { /* the first on fresh pages, then after resets */
    scale_lease_t *l = NULL;
    ok_or_die(scale_pool_acquire(pool, &l), "acquire");
    scale_memory_t *mem = memory_of(l);
    uint8_t *data = scale_memory_data(mem);
    CHECK(memcmp(data, "tracked image", 13) == 0);
    CHECK(memcmp(data + 200000, "far page", 8) == 0);
    CHECK(all_zero(data + UNTOUCHED, 8192));

    /* getrandom(2) into a page never written: 64 random bytes are not all zero. */
    CHECK(call(l, "random", 2, UNTOUCHED + 100, 64) == 0);
    CHECK(!all_zero(data + UNTOUCHED + 100, 64));
    /* read(2) from stdin into the next page, across a page boundary. */
    CHECK(write(fds[1], "from the pipe", 13) == 13);
    CHECK(call(l, "read", 2, UNTOUCHED + 4096 - 5, 13) == 13);
    CHECK(memcmp(data + UNTOUCHED + 4096 - 5, "from the pipe", 13) == 0);
    /* The host, with a system call of its own, after preparing the range. */
    CHECK(scale_memory_prepare_write(mem, 3 * 65536 + 10, 9000));
    CHECK(!scale_memory_prepare_write(mem, 4 * 65536 - 10, 11)); /* past the end */
    CHECK(write(fds[1], "host read", 9) == 9);
    CHECK(read(fds[0], data + 3 * 65536 + 10, 9) == 9);
    CHECK(memcmp(data + 3 * 65536 + 10, "host read", 9) == 0);
    /* Plain writes: guest code and host code, on fresh pages and on the image's data. */
    call(l, "store", 2, 70000, 0x5a);
    CHECK(call(l, "load", 1, 70000, 0) == 0x5a);
    data[200000] = 'F';
    data[130000] = 0x77;
    scale_pool_release(pool, l, true);
  }
  /* After the last reset, every page is the image again. */
  scale_lease_t *l = NULL;
  ok_or_die(scale_pool_acquire(pool, &l), "acquire");
  const uint8_t *data = scale_memory_data(memory_of(l));
  CHECK(memcmp(data + 200000, "far page", 8) == 0);
  CHECK(all_zero(data + 65536, 200000 - 65536) && all_zero(data + 200008, 4 * 65536 - 200008));
  scale_pool_release(pool, l, true);

  scale_pool_delete(pool);
  scale_linker_delete(linker);
  scale_wasi_delete(wasi);
  close(fds[0]);
  close(fds[1]);
  scale_module_delete(module);
  scale_engine_delete(engine);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: track_test <dir with the .wasm files>\n");
    return 2;
  }
  test_dir = argv[1];
  const char *want = getenv("SCALE_RESET");
  scale__reset_mode_t mode = scale__reset_mode();
  printf("pool.track: reset mode %s\n", scale__reset_mode_name(mode));
  /* Tracking needs only mprotect and our fault handler: it must be chosen where supported. */
  if (scale__track_supported() && (!want || !*want || !strcmp(want, "track")))
    CHECK(mode == SCALE__RESET_TRACK);
  test_tier(SCALE_TIER_INTERP);
  if (!UNDER_TSAN) test_tier(SCALE_TIER_AOT);
  return report("pool.track");
}
