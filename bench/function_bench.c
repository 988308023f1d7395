/*
 * function_bench: the cost of one Scale function call through a chain, on
 * both tiers. A Context{Data string} round trip (host encode, lease a fresh
 * instance from the pool, resize + write + run, copy out, release = reset
 * to the snapshot, host decode) with 16 B and 16 KiB payloads, and a chain
 * of three functions; then the same call split into its parts: host codec
 * only, guest only (resize + write + run on a held instance), and pool
 * acquire + release around it.
 *
 * Usage: function_bench [--tier interp|aot] <guest dir> (built by the function_guests target:
 * build/tests/function/guests). Figures are the minimum of 5 runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "scale.h"

#define RUNS 5

static const char *dir;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, scale_error_t *e) {
  fprintf(stderr, "%s: %s\n", what, e ? scale_error_message(e) : "failed");
  exit(1);
}

static scale_function_t *load(scale_engine_t *engine, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
  scale_function_t *fn;
  scale_error_t *e = scale_function_load(engine, path, NULL, &fn);
  if (e) die(path, e);
  return fn;
}

static scale_chain_t *chain_of(scale_engine_t *engine, const char *const *names, size_t n) {
  scale_function_t *fns[4];
  for (size_t i = 0; i < n; i++)
    fns[i] = load(engine, names[i]);
  scale_chain_t *ch;
  scale_error_t *e = scale_chain_new(fns, n, NULL, &ch);
  if (e) die("chain", e);
  for (size_t i = 0; i < n; i++)
    scale_function_delete(fns[i]);
  return ch;
}

/* One full round trip: encode, run the chain, decode. */
static void round_trip(scale_chain_t *ch, const char *data, size_t len, scale_pg_buf_t *b) {
  scale_pg_buf_reset(b);
  scale_pg_put_string(b, data, len);
  scale_bytes_t out = {NULL, 0};
  scale_error_t *e = scale_chain_run(ch, b->data, b->len, NULL, NULL, &out);
  if (e) die("run", e);
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, out.data, out.len);
  const char *s;
  size_t n;
  if (scale_pg_get_string(&r, out.len, &s, &n) != SCALE_PG_OK || n < len) die("decode", NULL);
  scale_bytes_free(&out);
}

/*
 * Best ns per round trip of each of @p n chains, timed in turns (chain 0,
 * 1, ..., 0, 1, ...) so that a disturbance of the shared machine hits them
 * alike and their differences stay meaningful.
 */
static void time_chains(scale_chain_t *const *ch, size_t n, const char *data, size_t len, int iters,
                        double *best) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  for (size_t c = 0; c < n; c++) {
    best[c] = 1e30;
    for (int i = 0; i < iters / 10 + 1; i++)
      round_trip(ch[c], data, len, &b); /* warm the pool */
  }
  for (int r = 0; r < 2 * RUNS; r++)
    for (size_t c = 0; c < n; c++) {
      uint64_t t0 = now_ns();
      for (int i = 0; i < iters; i++)
        round_trip(ch[c], data, len, &b);
      double ns = (double)(now_ns() - t0) / iters;
      if (ns < best[c]) best[c] = ns;
    }
  scale_pg_buf_free(&b);
}

static double time_chain(scale_chain_t *ch, const char *data, size_t len, int iters) {
  double best;
  time_chains(&ch, 1, data, len, iters, &best);
  return best;
}

/* Host encode + decode alone (what scale_chain_run adds nothing to). */
static double time_codec(const char *data, size_t len, int iters) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  double best = 1e30;
  for (int r = 0; r < RUNS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      scale_pg_buf_reset(&b);
      scale_pg_put_string(&b, data, len);
      uint8_t *copy = malloc(b.len); /* the output copy scale_chain_run hands back */
      memcpy(copy, b.data, b.len);
      scale_pg_reader_t rd;
      scale_pg_reader_init(&rd, copy, b.len);
      const char *s;
      size_t n;
      if (scale_pg_get_string(&rd, b.len, &s, &n) != SCALE_PG_OK) die("codec", NULL);
      free(copy);
    }
    double ns = (double)(now_ns() - t0) / iters;
    if (ns < best) best = ns;
  }
  scale_pg_buf_free(&b);
  return best;
}

static scale_trap_t *no_next(void *env, scale_caller_t *c, const scale_val_t *a, size_t na,
                             scale_val_t *res, size_t nr) {
  return scale_trap_new("no next in this benchmark");
}

/*
 * The guest's share (resize + write + run on a held instance) and the
 * pool's (acquire + release with reset), through the pool API directly.
 */
static void time_parts(scale_engine_t *engine, const char *data, size_t len, int iters,
                       double *guest, double *pooled) {
  scale_function_t *fn = load(engine, "passthrough");
  scale_linker_t *lk = scale_linker_new(engine);
  scale_valkind_t p[2] = {SCALE_I32, SCALE_I32};
  scale_functype_t *ft = scale_functype_new(p, 2, NULL, 0);
  scale_linker_define_func(lk, "env", "next", ft, no_next, NULL);
  scale_functype_delete(ft);
  scale_pool_t *pool;
  scale_trap_t *trap;
  scale_pool_config_t pc;
  scale_pool_config_default(&pc);
  pc.init_fn = scale_function_init_instance;
  pc.init_env = fn;
  scale_error_t *e = scale_pool_new(lk, scale_function_module(fn), &pc, &pool, &trap);
  if (e || trap) die("pool", e);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_string(&b, data, len);
  for (int mode = 0; mode < 2; mode++) {
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
      scale_lease_t *l = NULL;
      scale_extern_t resize, run, mem;
      uint64_t t0 = now_ns();
      for (int i = 0; i < iters; i++) {
        if (mode == 1 || !l) {
          if ((e = scale_pool_acquire(pool, &l))) die("acquire", e);
          scale_instance_t *in = scale_lease_instance(l);
          scale_instance_export(in, "resize", &resize);
          scale_instance_export(in, "run", &run);
          scale_instance_export(in, "memory", &mem);
        }
        scale_store_t *st = scale_lease_store(l);
        scale_raw_t s = b.len;
        if ((trap = scale_func_call_raw(st, resize.of.func, &s))) die("resize", NULL);
        memcpy(scale_memory_data(mem.of.memory) + (uint32_t)s, b.data, b.len);
        if ((trap = scale_func_call_raw(st, run.of.func, &s))) die("run", NULL);
        if (mode == 1) scale_pool_release(pool, l, true);
      }
      double ns = (double)(now_ns() - t0) / iters;
      if (mode == 0) scale_pool_release(pool, l, true);
      if (ns < best) best = ns;
    }
    *(mode == 0 ? guest : pooled) = best;
  }
  scale_pg_buf_free(&b);
  scale_pool_delete(pool);
  scale_linker_delete(lk);
  scale_function_delete(fn);
}

static void bench_tier(scale_tier_t tier) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = tier;
  scale_engine_t *engine;
  scale_error_t *e = scale_engine_new(&cfg, &engine);
  if (e) die("engine", e);
  const char *tn = tier == SCALE_TIER_AOT ? "tier 1 (aot)" : "tier 0 (interp)";
  static char big[16384];
  memset(big, 'x', sizeof big);
  const char *small = "0123456789abcdef";

  const char *pass = "passthrough";
  scale_chain_t *c1 = chain_of(engine, &pass, 1);
  const char *one[1] = {"marker_a"};
  const char *three[3] = {"marker_a", "marker_b", "marker_c"};
  scale_chain_t *m1 = chain_of(engine, one, 1);
  scale_chain_t *m3 = chain_of(engine, three, 3);

  int it = tier == SCALE_TIER_AOT ? 20000 : 10000;
  double rt16 = time_chain(c1, small, 16, it);
  double rt16k = time_chain(c1, big, sizeof big, it / 20);
  scale_chain_t *const pair[2] = {m1, m3};
  double chains[2];
  time_chains(pair, 2, small, 16, it / 4, chains);
  double ch1 = chains[0], ch3 = chains[1];
  double codec16 = time_codec(small, 16, it), codec16k = time_codec(big, sizeof big, it / 20);
  double g16, p16, g16k, p16k;
  time_parts(engine, small, 16, it, &g16, &p16);
  time_parts(engine, big, sizeof big, it / 20, &g16k, &p16k);

  struct rusage ru0, ru1;
  scale_pg_buf_t fb;
  scale_pg_buf_init(&fb);
  getrusage(RUSAGE_SELF, &ru0);
  for (int i = 0; i < 1000; i++)
    round_trip(c1, small, 16, &fb);
  getrusage(RUSAGE_SELF, &ru1);
  scale_pg_buf_free(&fb);
  printf("%s\n", tn);
  printf("  page faults per 16 B call %.1f\n", (double)(ru1.ru_minflt - ru0.ru_minflt) / 1000);
  printf("  round trip 16 B         %8.0f ns/call  (host codec %.0f ns = %.0f%%, guest "
         "resize+write+run %.0f ns = %.0f%%, pool acquire+reset %.0f ns = %.0f%%)\n",
         rt16, codec16, 100 * codec16 / rt16, g16, 100 * g16 / rt16, p16 - g16,
         100 * (p16 - g16) / rt16);
  printf("  round trip 16 KiB       %8.0f ns/call  (host codec %.0f ns = %.0f%%, guest "
         "resize+write+run %.0f ns = %.0f%%, pool acquire+reset %.0f ns = %.0f%%)\n",
         rt16k, codec16k, 100 * codec16k / rt16k, g16k, 100 * g16k / rt16k, p16k - g16k,
         100 * (p16k - g16k) / rt16k);
  printf("  chain of 1 (next->host) %8.0f ns/call\n", ch1);
  printf("  chain of 3              %8.0f ns/call  (%.0f ns per extra function; host codec %.0f "
         "ns = %.0f%%, the rest guests, next() and pool)\n",
         ch3, (ch3 - ch1) / 2, codec16, 100 * codec16 / ch3);
  scale_chain_delete(c1);
  scale_chain_delete(m1);
  scale_chain_delete(m3);
  scale_engine_delete(engine);
}

int main(int argc, char **argv) {
  /* --tier interp|aot: one tier only (e.g. to profile it under callgrind). */
  bool interp = true, aot = true;
  if (argc == 4 && strcmp(argv[1], "--tier") == 0) {
    interp = strcmp(argv[2], "interp") == 0;
    aot = strcmp(argv[2], "aot") == 0;
    argv += 2;
    argc -= 2;
  }
  if (argc != 2 || (!interp && !aot)) {
    fprintf(stderr, "usage: function_bench [--tier interp|aot] <guest dir>\n");
    return 2;
  }
  dir = argv[1];
  if (interp) bench_tier(SCALE_TIER_INTERP);
  if (aot) bench_tier(SCALE_TIER_AOT);
  return 0;
}
