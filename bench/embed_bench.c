/*
 * embed_bench: what embedding libscale costs, measured through the public API only.
 *   (a) instantiate a clang-built WASI hello module and run its _start, in a fresh store each
 *       time (the per-request cost of a function runtime);
 *   (b) one host-to-guest call of a trivial exported add(i32, i32) through scale_func_call;
 *   (c) decode + validate + compile of the largest workload module.
 * Each figure is the median of several repetitions and is printed next to its target with
 * PASS or MISS. A benchmark, not a test: a miss is reported, never an error exit. A failing
 * API call is an error exit, since then the figures would mean nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scale.h"

#define REPS 5
#define MAX_MODULE_FILE (64u << 20)

/* (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)) */
static const uint8_t add_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                   /* magic, version */
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,             /* type (i32 i32)->i32 */
    0x03, 0x02, 0x01, 0x00,                                           /* func 0 : type 0 */
    0x07, 0x07, 0x01, 0x03, 'a',  'd',  'd',  0x00, 0x00,             /* export "add" */
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, /* code */
};

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

/* Consume an error: print it with what we were doing, and report whether there was one. */
static int failed(scale_error_t *err, const char *what) {
  if (!err) return 0;
  fprintf(stderr, "embed_bench: %s: %s\n", what, scale_error_message(err));
  scale_error_delete(err);
  return 1;
}

static int trapped(scale_trap_t *trap, const char *what) {
  if (!trap) return 0;
  int32_t status = 0;
  /* wasi-libc's _start may end with proc_exit(0): that is a normal end, not a failure. */
  if (scale_trap_exit_status(trap, &status) && status == 0) {
    scale_trap_delete(trap);
    return 0;
  }
  fprintf(stderr, "embed_bench: %s trapped: %s\n", what, scale_trap_message(trap));
  scale_trap_delete(trap);
  return 1;
}

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "embed_bench: cannot open '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  uint8_t *buf = malloc(MAX_MODULE_FILE);
  size_t n = buf ? fread(buf, 1, MAX_MODULE_FILE, f) : 0;
  int bad = !buf || ferror(f) || n == MAX_MODULE_FILE;
  fclose(f);
  if (bad) {
    fprintf(stderr, "embed_bench: cannot read '%s' (or larger than %u bytes)\n", path,
            MAX_MODULE_FILE);
    free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static long discard(void *env, int fd, const uint8_t *data, size_t len) {
  (void)env;
  (void)fd;
  (void)data;
  return (long)len;
}

static void verdict(const char *what, double value, const char *unit, double target) {
  printf("%-44s %10.2f %-3s  target < %-6g %s\n", what, value, unit, target,
         value < target ? "PASS" : "MISS");
}

/* One new store, instantiate with WASI, call _start, delete. */
static int hello_once(scale_engine_t *engine, scale_linker_t *linker, scale_module_t *module) {
  scale_store_t *store = scale_store_new(engine);
  if (!store) return 1;
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  int bad = failed(scale_linker_instantiate(linker, store, module, &inst, &trap), "instantiate") ||
            trapped(trap, "instantiate");
  scale_extern_t start;
  if (!bad && !(scale_instance_export(inst, "_start", &start) && start.kind == SCALE_EXTERN_FUNC)) {
    fprintf(stderr, "embed_bench: hello module has no _start\n");
    bad = 1;
  }
  if (!bad) {
    trap = NULL;
    bad = failed(scale_func_call(store, start.of.func, NULL, 0, NULL, 0, &trap), "_start") ||
          trapped(trap, "_start");
  }
  scale_store_delete(store);
  return bad;
}

static int bench_instantiate(scale_engine_t *engine, const char *path, long iters) {
  size_t len;
  uint8_t *bytes = read_file(path, &len);
  if (!bytes) return 1;
  scale_module_t *module = NULL;
  scale_linker_t *linker = scale_linker_new(engine);
  scale_wasi_t *wasi = scale_wasi_new();
  int bad = !linker || !wasi;
  bad = bad || failed(scale_module_new(engine, bytes, len, &module), path);
  free(bytes);
  if (!bad) {
    scale_wasi_set_output(wasi, discard, NULL);
    bad = failed(scale_linker_define_wasi(linker, wasi), "define wasi");
  }
  for (long i = 0; i < 50 && !bad; i++) /* warm up caches and the allocator */
    bad = hello_once(engine, linker, module);
  double per[REPS];
  for (int r = 0; r < REPS && !bad; r++) {
    double t0 = now_s();
    for (long i = 0; i < iters && !bad; i++)
      bad = hello_once(engine, linker, module);
    per[r] = (now_s() - t0) / (double)iters * 1e6;
  }
  if (!bad) verdict("(a) new store + instantiate + _start (hello)", median(per, REPS), "us", 100);
  scale_linker_delete(linker);
  scale_wasi_delete(wasi);
  scale_module_delete(module);
  return bad;
}

static int bench_call(scale_engine_t *engine, long calls, bool aot) {
  scale_module_t *module = NULL;
  scale_store_t *store = NULL;
  scale_linker_t *linker = NULL;
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  scale_extern_t add;
  int bad = failed(scale_module_new(engine, add_module, sizeof add_module, &module), "add module");
  if (!bad && aot) {
    scale_error_t *err = scale_module_compile(module);
    if (err) { /* no C compiler here: say so, do not fail the interpreter figures */
      printf("(b') host-to-guest call on tier 1: skipped (%s)\n", scale_error_message(err));
      scale_error_delete(err);
      scale_module_delete(module);
      return 0;
    }
  }
  if (!bad) {
    store = scale_store_new(engine);
    linker = scale_linker_new(engine);
    bad = !store || !linker;
  }
  bad = bad ||
        failed(scale_linker_instantiate(linker, store, module, &inst, &trap), "instantiate") ||
        trapped(trap, "instantiate");
  if (!bad && !(scale_instance_export(inst, "add", &add) && add.kind == SCALE_EXTERN_FUNC)) {
    fprintf(stderr, "embed_bench: add module has no add export\n");
    bad = 1;
  }
  double per[3];
  int reps = 0;
  for (; reps < 3 && !bad; reps++) {
    scale_val_t args[2], res[1];
    int32_t acc = 0;
    double t0 = now_s();
    for (long i = 0; i < calls && !bad; i++) {
      args[0] = scale_val_i32((int32_t)i);
      args[1] = scale_val_i32(acc);
      trap = NULL;
      bad = failed(scale_func_call(store, add.of.func, args, 2, res, 1, &trap), "add") ||
            trapped(trap, "add");
      if (!bad) acc = res[0].of.i32 & 0xffff;
    }
    per[reps] = (now_s() - t0) / (double)calls * 1e9;
    int32_t want = 0; /* the same fold done natively: a wrong sum means a broken engine */
    for (long i = 0; i < calls; i++)
      want = (int32_t)(((uint32_t)i + (uint32_t)want) & 0xffff);
    if (!bad && acc != want) {
      fprintf(stderr, "embed_bench: add returned wrong results (%d, want %d)\n", acc, want);
      bad = 1;
    }
    if (per[reps] * (double)calls > 5e9) { /* slow engine: one repetition is enough */
      reps++;
      break;
    }
  }
  /* The same calls through the raw API (types checked once, not per call). */
  double raw[3];
  for (int r = 0; r < reps && !bad; r++) {
    int32_t acc = 0;
    double t0 = now_s();
    for (long i = 0; i < calls && !bad; i++) {
      scale_raw_t s[2] = {(uint32_t)i, (uint32_t)acc};
      scale_trap_t *t = scale_func_call_raw(store, add.of.func, s);
      bad = trapped(t, "add (raw)");
      acc = (int32_t)(uint32_t)s[0] & 0xffff;
    }
    raw[r] = (now_s() - t0) / (double)calls * 1e9;
  }
  if (!bad) {
    printf("    the same through scale_func_call_raw         %10.2f ns\n",
           median(raw, (size_t)reps));
    if (aot)
      verdict("(b') host-to-guest call add(i32, i32), tier 1", median(per, (size_t)reps), "ns", 15);
    else
      verdict("(b) host-to-guest call add(i32, i32), tier 0", median(per, (size_t)reps), "ns", 40);
  }
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  return bad;
}

static int bench_load(scale_engine_t *engine, const char *path) {
  size_t len;
  uint8_t *bytes = read_file(path, &len);
  if (!bytes) return 1;
  double per[REPS];
  int bad = 0;
  for (int r = 0; r < REPS && !bad; r++) {
    scale_module_t *module = NULL;
    double t0 = now_s();
    bad = failed(scale_module_new(engine, bytes, len, &module), path);
    per[r] = (now_s() - t0) * 1e3;
    scale_module_delete(module);
  }
  if (!bad) {
    const char *base = strrchr(path, '/');
    double ms = median(per, REPS);
    printf("(c) module load (decode+validate+compile)    %10.2f ms   %s, %zu bytes, %.1f MB/s\n",
           ms, base ? base + 1 : path, len, (double)len / 1e3 / ms);
  }
  free(bytes);
  return bad;
}

static void usage(void) {
  fprintf(stderr, "usage: embed_bench [--iters N] [--calls N] HELLO.wasm [LARGEST.wasm]\n");
}

int main(int argc, char **argv) {
  long iters = 2000, calls = 10000000;
  const char *paths[2] = {NULL, NULL};
  int npaths = 0;
  for (int i = 1; i < argc; i++) {
    if ((!strcmp(argv[i], "--iters") || !strcmp(argv[i], "--calls")) && i + 1 < argc) {
      char *end;
      long v = strtol(argv[i + 1], &end, 10);
      if (*end || v <= 0 || v > 1000000000L) {
        usage();
        return 2;
      }
      *(!strcmp(argv[i], "--iters") ? &iters : &calls) = v;
      i++;
    } else if (argv[i][0] != '-' && npaths < 2) {
      paths[npaths++] = argv[i];
    } else {
      usage();
      return 2;
    }
  }
  if (npaths < 1) {
    usage();
    return 2;
  }
  scale_engine_t *engine = NULL;
  if (failed(scale_engine_new(NULL, &engine), "engine")) return 1;
  int bad = bench_instantiate(engine, paths[0], iters);
  bad |= bench_call(engine, calls, false);
  bad |= bench_call(engine, calls, true);
  if (paths[1]) bad |= bench_load(engine, paths[1]);
  scale_engine_delete(engine);
  return bad ? 1 : 0;
}
