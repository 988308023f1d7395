/*
 * Fused interpreter loops against a model in C (wat/loops.wat). A loop the
 * interpreter runs inside one instruction, with its slots in registers, must
 * leave exactly what the plain sequence leaves: the same results, the same
 * memory, a trap at the same store, and the same fuel per iteration, also
 * when the budget runs out or is refilled in the middle of the loop.
 *   interp_loops_test DIR   (DIR holds loops.wasm)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "scale.h"

#define PAGE 65536u
#define OFFSET 3u                      /* the store's offset in loops.wat */
#define NO_TRAP ((scale_trap_code_t)0) /* the call returned */

typedef struct world {
  scale_engine_t *engine;
  scale_module_t *module;
  scale_store_t *store;
  scale_instance_t *inst;
  uint8_t *mem;
} world_t;

static void world_open(world_t *w, const uint8_t *wasm, size_t len) {
  memset(w, 0, sizeof *w);
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_INTERP;
  scale_error_t *err = scale_engine_new(&cfg, &w->engine);
  if (!err) err = scale_module_new(w->engine, wasm, len, &w->module);
  if (err) {
    fprintf(stderr, "setup: %s\n", scale_error_message(err));
    exit(2);
  }
  w->store = scale_store_new(w->engine);
  scale_linker_t *linker = scale_linker_new(w->engine);
  scale_trap_t *trap = NULL;
  err = scale_linker_instantiate(linker, w->store, w->module, &w->inst, &trap);
  scale_linker_delete(linker);
  scale_extern_t m;
  if (err || trap || !scale_instance_export(w->inst, "memory", &m)) {
    fprintf(stderr, "instantiate failed\n");
    exit(2);
  }
  w->mem = scale_memory_data(m.of.memory);
}

static void world_close(world_t *w) {
  scale_store_delete(w->store);
  scale_module_delete(w->module);
  scale_engine_delete(w->engine);
}

/* Call `name`; returns the trap code (NO_TRAP when it returned) and fills res. */
static scale_trap_code_t call(world_t *w, const char *name, const scale_val_t *args, size_t nargs,
                              scale_val_t *res, size_t nres) {
  scale_extern_t f;
  if (!scale_instance_export(w->inst, name, &f)) {
    fprintf(stderr, "no export %s\n", name);
    exit(2);
  }
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_func_call(w->store, f.of.func, args, nargs, res, nres, &trap);
  scale_trap_code_t code = NO_TRAP;
  if (trap) code = scale_trap_code(trap);
  if (err && !trap) {
    fprintf(stderr, "%s: %s\n", name, scale_error_message(err));
    exit(2);
  }
  scale_error_delete(err);
  scale_trap_delete(trap);
  return code;
}

/* A result's bits: i32 zero-extended, i64 as is. */
static uint64_t val_bits(const scale_val_t *v) {
  return v->kind == SCALE_I64 ? (uint64_t)v->of.i64 : (uint64_t)(uint32_t)v->of.i32;
}

/* Call @p name and check it against the model: the trap, the three results when both
 * returned, and the whole memory. */
static void check_against(world_t *w, const char *name, const scale_val_t *args, size_t nargs,
                          scale_trap_code_t want_trap, const uint64_t want[3],
                          const uint8_t *model_mem) {
  scale_val_t res[3];
  scale_trap_code_t trap = call(w, name, args, nargs, res, 3);
  CHECK(trap == want_trap);
  if (trap == NO_TRAP && want_trap == NO_TRAP)
    for (int i = 0; i < 3; i++)
      CHECK(val_bits(&res[i]) == want[i]);
  CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
}

/* The loop of "stride2" in C: returns the trap (OOB or none) and the final p, q, t, with
 * the stores done in `mem` (the memory is one page). */
typedef struct model {
  uint32_t p, q;
  uint64_t t;
  uint64_t iterations;
  scale_trap_code_t trap;
} model_t;

static model_t model_stride(uint8_t *mem, uint32_t p, uint32_t i, uint32_t q, uint32_t j,
                            uint64_t l, uint64_t max_iterations) {
  model_t m = {.p = p, .q = q, .t = 0, .iterations = 0, .trap = NO_TRAP};
  for (;;) {
    if (m.iterations == max_iterations) {
      m.trap = SCALE_TRAP_FUEL_EXHAUSTED;
      return m;
    }
    uint64_t ea = (uint64_t)m.p + OFFSET;
    if (ea >= PAGE) {
      m.trap = SCALE_TRAP_MEMORY_OOB;
      return m;
    }
    mem[ea] = 0;
    m.iterations++;
    m.p += i;
    m.t = m.q;
    m.q += j;
    if (!(m.t < l)) return m;
  }
}

static void reset_memory(world_t *w, uint8_t *model_mem) {
  memset(w->mem, 0xa5, PAGE);
  memset(model_mem, 0xa5, PAGE);
}

/* One run of stride2 on the interpreter against the model, with unlimited fuel. */
static void check_stride_case(world_t *w, uint32_t p, uint32_t i, uint32_t q, uint32_t j,
                              uint64_t l) {
  static uint8_t model_mem[PAGE];
  reset_memory(w, model_mem);
  model_t m = model_stride(model_mem, p, i, q, j, l, UINT64_MAX);
  scale_val_t args[5] = {scale_val_i32((int32_t)p), scale_val_i32((int32_t)i),
                         scale_val_i32((int32_t)q), scale_val_i32((int32_t)j),
                         scale_val_i64((int64_t)l)};
  const uint64_t want[3] = {m.p, m.q, m.t};
  check_against(w, "stride2", args, 5, m.trap, want, model_mem);
  if (i != j) return;
  /* One step slot for both, as clang emits sieve's loop. */
  memset(w->mem, 0xa5, PAGE);
  scale_val_t args1[4] = {args[0], args[1], args[2], args[4]};
  check_against(w, "stride", args1, 4, m.trap, want, model_mem);
}

static void test_results_and_traps(world_t *w) {
  check_stride_case(w, 0, 3, 0, 3, 3000);          /* sieve's shape */
  check_stride_case(w, 10, 7, 5, 2, 1000);         /* different steps for p and q */
  check_stride_case(w, 100, 1, 0, 1, 1);           /* one turn: the branch is not taken */
  check_stride_case(w, 0, 4, 0, 4, 0);             /* l = 0: t < l never holds */
  check_stride_case(w, 0, 0, 0, 1, 500);           /* step 0: the same byte 500 times */
  check_stride_case(w, 0xfffffff0u, 4, 0, 1, 100); /* p wraps past 2^32 into the page */
  check_stride_case(w, 1, 2, 0xfffffffeu, 1, 5);   /* q wraps: t drops below l again */
  check_stride_case(w, PAGE - 400, 7, 0, 1, 1000); /* runs off the page: trap mid-loop */
  check_stride_case(w, 0, 16, 7, 1, (uint64_t)1 << 40);

  /* The shape check refuses a loop whose step is its own pointer; it still runs right. */
  static uint8_t model_mem[PAGE];
  reset_memory(w, model_mem);
  uint32_t p = 1, q = 0;
  uint64_t t = 0;
  do {
    model_mem[p + OFFSET] = 0;
    p += p;
    t = q;
    q += p;
  } while (t < 5000);
  scale_val_t args[3] = {scale_val_i32(1), scale_val_i32(0), scale_val_i64(5000)};
  scale_val_t res[3];
  CHECK(call(w, "stride_self", args, 3, res, 3) == NO_TRAP);
  CHECK((uint32_t)res[0].of.i32 == p && (uint32_t)res[1].of.i32 == q &&
        (uint64_t)res[2].of.i64 == t);
  CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
}

/* The arguments of "stride2" for n turns: p from 0 by `step`, q and t running 1..n. */
static void stride_args(scale_val_t args[5], uint32_t step, uint64_t n) {
  args[0] = scale_val_i32(0);
  args[1] = scale_val_i32((int32_t)step);
  args[2] = scale_val_i32(1);
  args[3] = scale_val_i32(1);
  args[4] = scale_val_i64((int64_t)n);
}

/* Fuel used by "stride2" running n turns (p steps by `step`). */
static uint64_t fuel_for(world_t *w, uint32_t step, uint64_t n) {
  const uint64_t budget = (uint64_t)1 << 40;
  scale_store_set_fuel(w->store, budget);
  scale_val_t args[5];
  stride_args(args, step, n);
  scale_val_t res[3];
  CHECK(call(w, "stride2", args, 5, res, 3) == NO_TRAP);
  CHECK((uint64_t)res[2].of.i64 == n); /* t runs 1..n: n turns */
  return budget - scale_store_fuel(w->store);
}

static void test_fuel(world_t *w) {
  /* One turn never takes the back edge; the second takes it once, outside the fused loop.
   * Every later turn is charged inside it and must cost the same. */
  uint64_t one = fuel_for(w, 1, 1), per = fuel_for(w, 1, 2) - one;
  CHECK(per > 0);
  /* Step 0 stores to one byte, so any number of turns fits the page; the budget is refilled
   * in chunks of 2^16 units, which the longer runs cross many times. */
  const uint64_t turns[] = {3, 1000, 70000, 300000};
  for (size_t k = 0; k < sizeof turns / sizeof *turns; k++) {
    CHECK(fuel_for(w, 0, turns[k]) == one + (turns[k] - 1) * per);
    if (turns[k] < PAGE - OFFSET) CHECK(fuel_for(w, 1, turns[k]) == one + (turns[k] - 1) * per);
  }

  /* A budget one unit short of n turns stops the loop after n - 1 stores. */
  const uint64_t short_turns[] = {2, 3, 1000, 60000};
  for (size_t k = 0; k < sizeof short_turns / sizeof *short_turns; k++) {
    uint64_t n = short_turns[k];
    memset(w->mem, 0xa5, PAGE);
    scale_store_set_fuel(w->store, one + (n - 1) * per - 1);
    scale_val_t args[5];
    stride_args(args, 1, n);
    scale_val_t res[3];
    CHECK(call(w, "stride2", args, 5, res, 3) == SCALE_TRAP_FUEL_EXHAUSTED);
    static uint8_t model_mem[PAGE];
    memset(model_mem, 0xa5, PAGE);
    model_t m = model_stride(model_mem, 0, 1, 1, 1, n, n - 1);
    CHECK(m.trap == SCALE_TRAP_FUEL_EXHAUSTED && m.iterations == n - 1);
    CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
  }
  scale_store_set_fuel(w->store, UINT64_MAX);
}

/* The loop of "axpy" (or "axpy_self", whose p3 is p0 + p0) in C, on a one-page memory. */
typedef struct axpy_model {
  uint32_t p0, p1, p3;
  uint64_t iterations;
  scale_trap_code_t trap;
} axpy_model_t;

static bool axpy_load(const uint8_t *mem, uint32_t at, double *v) {
  if ((uint64_t)at + 8 > PAGE) return false;
  memcpy(v, mem + at, 8);
  return true;
}

static axpy_model_t model_axpy(uint8_t *mem, uint32_t p0, uint32_t s5, uint32_t s4, double k,
                               double k2, bool self_step, uint64_t max_iterations) {
  axpy_model_t m = {.p0 = p0, .p1 = 0, .p3 = 0, .iterations = 0, .trap = NO_TRAP};
  for (;;) {
    if (m.iterations == max_iterations) {
      m.trap = SCALE_TRAP_FUEL_EXHAUSTED;
      return m;
    }
    m.p1 = m.p0 + s5;
    m.p3 = m.p0 + (self_step ? m.p0 : s4);
    double x, y;
    if (!axpy_load(mem, m.p3, &x) || !axpy_load(mem, m.p1, &y)) break;
    double r = k * x + y;
    memcpy(mem + m.p1, &r, 8);
    m.p1 += 8;
    if (!axpy_load(mem, m.p3 + 8, &x) || !axpy_load(mem, m.p1, &y)) break;
    r = k2 * x + y;
    memcpy(mem + m.p1, &r, 8);
    m.p0 += 16;
    m.iterations++;
    if (m.p0 == 4096) return m;
  }
  m.trap = SCALE_TRAP_MEMORY_OOB;
  return m;
}

/* Fill memory (and the model's copy) with doubles from a fixed sequence, a NaN among them. */
static void fill_doubles(world_t *w, uint8_t *model_mem) {
  uint64_t x = 88172645463325252ull;
  for (uint32_t i = 0; i < PAGE; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d = (double)(int64_t)(x % 20001) / 1000.0 - 10.0;
    if (i == 1024) d = 0.0 / 0.0;
    memcpy(w->mem + i, &d, 8);
  }
  memcpy(model_mem, w->mem, PAGE);
}

static void check_axpy_case(world_t *w, const char *name, uint32_t p0, uint32_t s5, uint32_t s4,
                            double k, double k2) {
  static uint8_t model_mem[PAGE];
  fill_doubles(w, model_mem);
  axpy_model_t m =
      model_axpy(model_mem, p0, s5, s4, k, k2, strcmp(name, "axpy_self") == 0, UINT64_MAX);
  scale_val_t args[5] = {scale_val_i32((int32_t)p0), scale_val_i32((int32_t)s5),
                         scale_val_i32((int32_t)s4), scale_val_f64(k), scale_val_f64(k2)};
  const uint64_t want[3] = {m.p0, m.p1, m.p3};
  check_against(w, name, args, 5, m.trap, want, model_mem);
}

static void test_axpy(world_t *w) {
  check_axpy_case(w, "axpy", 0, 8192, 16384, 1.5, -2.25);      /* matmul's shape: 256 turns */
  check_axpy_case(w, "axpy", 4096 - 16, 100, 30000, 3.0, 0.5); /* one turn: no back edge */
  check_axpy_case(w, "axpy", 4096 - 32, 0, 0, 2.0, 2.0);       /* c and m the same array */
  check_axpy_case(w, "axpy", 0, 4, 12, -1.0, 7.0);             /* c and m overlap, shifted */
  check_axpy_case(w, "axpy", 0, PAGE - 2000, 0, 1.0, 1.0);     /* c runs off the page */
  check_axpy_case(w, "axpy", 0, 0, PAGE - 1000, 1.0, 1.0);     /* m runs off the page */
  check_axpy_case(w, "axpy", 0, 1024 - 8, 0, 1.0, 1.0);        /* the NaN flows through */
  check_axpy_case(w, "axpy_self", 0, 8192, 16384, 1.5, -2.25); /* refused: p3 = p0 + p0 */
  check_axpy_case(w, "axpy_self", 1000, 8192, 0, 1.5, -2.25);  /* refused, and runs off */

  /* Fuel: every turn costs what the first back edge costs, across refills; one unit short
   * of n turns stops after n - 1. c = m, so turns up to 4000 fit the page. */
  uint64_t per = 0, one = 0;
  const uint32_t turns[] = {1, 2, 3, 100, 2000, 4000};
  for (size_t t = 0; t < sizeof turns / sizeof *turns; t++) {
    uint32_t n = turns[t], p0 = 4096u - 16u * n, s = (uint32_t)0 - p0;
    scale_val_t args[5] = {scale_val_i32((int32_t)p0), scale_val_i32((int32_t)s),
                           scale_val_i32((int32_t)s), scale_val_f64(0.5), scale_val_f64(0.25)};
    scale_val_t res[3];
    const uint64_t budget = (uint64_t)1 << 40;
    scale_store_set_fuel(w->store, budget);
    CHECK(call(w, "axpy", args, 5, res, 3) == NO_TRAP);
    uint64_t used = budget - scale_store_fuel(w->store);
    if (n == 1) one = used;
    if (n == 2) per = used - one;
    if (n > 2) CHECK(used == one + (n - 1) * per);
    if (n < 2) continue;
    static uint8_t model_mem[PAGE];
    fill_doubles(w, model_mem);
    scale_store_set_fuel(w->store, one + (n - 1) * per - 1);
    CHECK(call(w, "axpy", args, 5, res, 3) == SCALE_TRAP_FUEL_EXHAUSTED);
    axpy_model_t m = model_axpy(model_mem, p0, s, s, 0.5, 0.25, false, n - 1);
    CHECK(m.trap == SCALE_TRAP_FUEL_EXHAUSTED);
    CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
  }
  CHECK(per > 0);
  scale_store_set_fuel(w->store, UINT64_MAX);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  size_t len = 0;
  uint8_t *wasm = check_read_file(argv[1], "loops.wasm", &len);
  world_t w;
  world_open(&w, wasm, len);
  test_results_and_traps(&w);
  test_fuel(&w);
  test_axpy(&w);
  world_close(&w);
  free(wasm);
  printf("interp loops: %d passed, %d failed\n", atomic_load(&passed), atomic_load(&failed));
  return atomic_load(&failed) ? 1 : 0;
}
