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
  scale_val_t res[3];
  scale_trap_code_t trap = call(w, "stride2", args, 5, res, 3);
  CHECK(trap == m.trap);
  if (trap == NO_TRAP && m.trap == NO_TRAP) {
    CHECK((uint32_t)res[0].of.i32 == m.p);
    CHECK((uint32_t)res[1].of.i32 == m.q);
    CHECK((uint64_t)res[2].of.i64 == m.t);
  }
  CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
  if (i != j) return;
  /* One step slot for both, as clang emits sieve's loop. */
  memset(w->mem, 0xa5, PAGE);
  scale_val_t args1[4] = {args[0], args[1], args[2], args[4]};
  trap = call(w, "stride", args1, 4, res, 3);
  CHECK(trap == m.trap);
  if (trap == NO_TRAP && m.trap == NO_TRAP) {
    CHECK((uint32_t)res[0].of.i32 == m.p);
    CHECK((uint32_t)res[1].of.i32 == m.q);
    CHECK((uint64_t)res[2].of.i64 == m.t);
  }
  CHECK(memcmp(w->mem, model_mem, PAGE) == 0);
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
  world_close(&w);
  free(wasm);
  printf("interp loops: %d passed, %d failed\n", atomic_load(&passed), atomic_load(&failed));
  return atomic_load(&failed) ? 1 : 0;
}
