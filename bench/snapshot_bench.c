/*
 * snapshot_bench: what an instance pool saves over instantiating per request.
 * The module has 1 MiB of memory initialised by one data segment and a "dirty" export that
 * writes 64 KiB contiguously (as a request touching some of its heap would).
 *   (a) pool cycle: scale_pool_release(reusable) + scale_pool_acquire after a dirty call,
 *       i.e. resetting the instance to its snapshot and handing it out again (median, µs);
 *   (b) instantiation from scratch: scale_store_new + scale_linker_instantiate +
 *       scale_store_delete (median, µs);
 *   (c) the ratio (b) / (a);
 *   (d) acquire + call dirty + release per request, calls/s with 1 and 2 threads sharing
 *       one pool, and their ratio (2 cores are shared with everything else on the machine).
 *   (e) the same cycle when the holder wrote 2 pages (from the host), as a small request does.
 * Also printed, for honesty: the dirty call on a fresh lease against the same call on an
 * instance it already dirtied (a reset that drops pages makes the next call fault them in
 * again), and (a) plus that difference: what a reset really costs per request.
 * SCALE_RESET=madvise in the environment measures the old way of resetting.
 * A benchmark, not a test: a miss is reported, never an error exit.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scale.h"

#define MIB (1u << 20)
#define CYCLES 2000
#define SCRATCH 200
#define THREAD_SECONDS 0.6

/* ---- the module, encoded here so the benchmark needs no tools ---------- */

struct buf {
  uint8_t *p;
  size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) exit(2);
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void byte(struct buf *b, uint8_t v) {
  put(b, &v, 1);
}

static void uleb(struct buf *b, uint64_t v) {
  do {
    uint8_t c = v & 0x7f;
    v >>= 7;
    byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
  } while (v);
}

static void sleb(struct buf *b, int64_t v) {
  for (;;) {
    uint8_t c = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(c & 0x40)) || (v == -1 && (c & 0x40));
    byte(b, (uint8_t)(c | (done ? 0 : 0x80)));
    if (done) return;
  }
}

static void section(struct buf *m, uint8_t id, struct buf *body) {
  byte(m, id);
  uleb(m, body->len);
  put(m, body->p, body->len);
  body->len = 0;
}

/*
 * (memory (export "memory") 16 32) (data (i32.const 0) <1 MiB of a non-zero pattern>)
 * (func (export "dirty") (local i32)  ;; 64 KiB of i64.store at 256 KiB
 *   (block (loop (br_if 1 (i32.ge_u (local.get 0) (i32.const 65536)))
 *     (i64.store offset=262144 (local.get 0) (i64.const 0x0101010101010101))
 *     (local.set 0 (i32.add (local.get 0) (i32.const 8))) (br 0))))
 * (func (export "nop"))
 */
static struct buf build_module(void) {
  struct buf m = {0}, s = {0}, f = {0};
  put(&m, "\0asm\1\0\0\0", 8);
  put(&s, "\x01\x60\x00\x00", 4); /* one type: () -> () */
  section(&m, 1, &s);
  put(&s, "\x02\x00\x00", 3); /* two functions of type 0 */
  section(&m, 3, &s);
  put(&s, "\x01\x01\x10\x20", 4); /* one memory, min 16 max 32 */
  section(&m, 5, &s);
  byte(&s, 3);
  byte(&s, 6);
  put(&s, "memory\x02\x00", 8);
  byte(&s, 5);
  put(&s, "dirty", 5);
  put(&s, "\x00\x00", 2);
  byte(&s, 3);
  put(&s, "nop", 3);
  put(&s, "\x00\x01", 2);
  section(&m, 7, &s);
  put(&f, "\x01\x01\x7f", 3);     /* one local i32 */
  put(&f, "\x02\x40\x03\x40", 4); /* block loop */
  put(&f, "\x20\x00\x41", 3);     /* local.get 0, i32.const */
  sleb(&f, 65536);
  put(&f, "\x4f\x0d\x01", 3); /* i32.ge_u, br_if 1 */
  put(&f, "\x20\x00\x42", 3); /* local.get 0, i64.const */
  sleb(&f, 0x0101010101010101ll);
  put(&f, "\x37\x03", 2);                     /* i64.store align=3 */
  uleb(&f, 256 * 1024);                       /* offset */
  put(&f, "\x20\x00\x41\x08\x6a\x21\x00", 7); /* local.set 0 (local.get 0 + 8) */
  put(&f, "\x0c\x00\x0b\x0b\x0b", 5);         /* br 0, end loop, end block, end */
  byte(&s, 2);
  uleb(&s, f.len);
  put(&s, f.p, f.len);
  put(&s, "\x02\x00\x0b", 3); /* nop: no locals, end */
  section(&m, 10, &s);
  put(&s, "\x01\x00\x41\x00\x0b", 5); /* one active segment at i32.const 0 */
  uleb(&s, MIB);
  uint8_t *pattern = malloc(MIB);
  if (!pattern) exit(2);
  for (uint32_t i = 0; i < MIB; i++)
    pattern[i] = (uint8_t)(i * 31u + 7u) | 1u;
  put(&s, pattern, MIB);
  free(pattern);
  section(&m, 11, &s);
  free(s.p);
  free(f.p);
  return m;
}

/* ---- measuring -------------------------------------------------------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(scale_error_t *e, scale_trap_t *t, const char *what) {
  if (!e && !t) return;
  fprintf(stderr, "snapshot_bench: %s: %s\n", what,
          e ? scale_error_message(e) : scale_trap_message(t));
  exit(1);
}

static void call(scale_store_t *s, scale_instance_t *inst, const char *name) {
  scale_extern_t ext;
  if (!scale_instance_export(inst, name, &ext)) die(scale_error_new("no export"), NULL, name);
  scale_trap_t *trap = NULL;
  die(scale_func_call(s, ext.of.func, NULL, 0, NULL, 0, &trap), trap, name);
}

struct worker {
  scale_pool_t *pool;
  double until;
  long calls;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  while (now_s() < w->until) {
    for (int i = 0; i < 16; i++) {
      scale_lease_t *l = NULL;
      die(scale_pool_acquire(w->pool, &l), NULL, "acquire");
      call(scale_lease_store(l), scale_lease_instance(l), "dirty");
      scale_pool_release(w->pool, l, true);
      w->calls++;
    }
  }
  return NULL;
}

static double calls_per_s(scale_pool_t *pool, int threads) {
  struct worker w[2];
  pthread_t t[2];
  double start = now_s();
  for (int i = 0; i < threads; i++) {
    w[i] = (struct worker){pool, start + THREAD_SECONDS, 0};
    if (pthread_create(&t[i], NULL, worker_main, &w[i]) != 0) exit(2);
  }
  long total = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], NULL);
    total += w[i].calls;
  }
  return (double)total / (now_s() - start);
}

int main(void) {
  scale_engine_t *engine = NULL;
  die(scale_engine_new(NULL, &engine), NULL, "engine");
  struct buf bytes = build_module();
  scale_module_t *module = NULL;
  die(scale_module_new(engine, bytes.p, bytes.len, &module), NULL, "module");
  free(bytes.p);
  scale_linker_t *linker = scale_linker_new(engine);
  scale_trap_t *trap = NULL;

  /* (a) */
  scale_pool_t *pool = NULL;
  die(scale_pool_new(linker, module, NULL, &pool, &trap), trap, "pool_new");
  double *cycle = malloc(CYCLES * sizeof *cycle), *fresh = malloc(CYCLES * sizeof *fresh),
         *warm = malloc(CYCLES * sizeof *warm);
  if (!cycle || !fresh || !warm) return 2;
  scale_lease_t *l = NULL;
  die(scale_pool_acquire(pool, &l), NULL, "acquire");
  for (int i = 0; i < CYCLES; i++) {
    double t0 = now_s();
    call(scale_lease_store(l), scale_lease_instance(l), "dirty");
    double t1 = now_s();
    call(scale_lease_store(l), scale_lease_instance(l), "dirty");
    double t2 = now_s();
    scale_pool_release(pool, l, true);
    die(scale_pool_acquire(pool, &l), NULL, "acquire");
    double t3 = now_s();
    fresh[i] = (t1 - t0) * 1e6;
    warm[i] = (t2 - t1) * 1e6;
    cycle[i] = (t3 - t2) * 1e6;
  }
  double a = median(cycle, CYCLES);
  /* (e) */
  scale_extern_t mem;
  if (!scale_instance_export(scale_lease_instance(l), "memory", &mem)) return 2;
  for (int i = 0; i < CYCLES; i++) {
    uint8_t *data = scale_memory_data(mem.of.memory);
    data[8192] ^= 1;
    data[512 * 1024] ^= 1;
    double t0 = now_s();
    scale_pool_release(pool, l, true);
    die(scale_pool_acquire(pool, &l), NULL, "acquire");
    cycle[i] = (now_s() - t0) * 1e6;
    if (!scale_instance_export(scale_lease_instance(l), "memory", &mem)) return 2;
  }
  double e = median(cycle, CYCLES);
  scale_pool_release(pool, l, true);

  /* (b) */
  double *scratch = malloc(SCRATCH * sizeof *scratch);
  if (!scratch) return 2;
  for (int i = 0; i < SCRATCH; i++) {
    double t0 = now_s();
    scale_store_t *s = scale_store_new(engine);
    scale_instance_t *inst = NULL;
    die(scale_linker_instantiate(linker, s, module, &inst, &trap), trap, "instantiate");
    scale_store_delete(s);
    scratch[i] = (now_s() - t0) * 1e6;
  }
  double b = median(scratch, SCRATCH);

  /* (d) */
  double one = calls_per_s(pool, 1), two = calls_per_s(pool, 2);

  const char *mode = getenv("SCALE_RESET");
  printf("snapshot_bench: module with 1 MiB of initialised memory; a call dirties 64 KiB "
         "(SCALE_RESET=%s)\n",
         mode ? mode : "auto");
  printf("(a) pool release+acquire (reset to snapshot): %8.2f us   target < 5 us   %s\n", a,
         a < 5.0 ? "PASS" : "MISS");
  printf("(b) instantiate from scratch (store+inst+delete): %8.2f us\n", b);
  printf("(c) ratio (b)/(a): %8.1fx   target >= 20x   %s\n", b / a,
         b / a >= 20.0 ? "PASS" : "MISS");
  double fr = median(fresh, CYCLES), wa = median(warm, CYCLES);
  printf("    dirty call on a fresh lease: %8.2f us, on a dirtied one: %8.2f us; reset + the "
         "faults it leaves: %8.2f us\n",
         fr, wa, a + (fr > wa ? fr - wa : 0));
  printf("(e) release+acquire after 2 pages written: %8.2f us\n", e);
  printf("(d) acquire+dirty+release: 1 thread %9.0f calls/s, 2 threads %9.0f calls/s, "
         "ratio %.2fx\n",
         one, two, two / one);

  free(cycle);
  free(fresh);
  free(warm);
  free(scratch);
  scale_pool_delete(pool);
  scale_linker_delete(linker);
  scale_module_delete(module);
  scale_engine_delete(engine);
  return 0;
}
