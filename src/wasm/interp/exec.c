/*
 * The dispatch loop: threaded code (computed goto) over the register-slot
 * form built by compile.c. Wasm-to-Wasm calls and returns only move `fp`
 * and `ip` inside this one C frame; the C stack grows only for host calls.
 * Hot state (ip, fp, memory base and size, fuel, depth) lives in locals and
 * is written back to the store around host calls and on exit.
 *
 * Fuel is split in two: a small budget in a register (`fuel`, at most
 * FUEL_CHUNK) and the reserve (`fuel_rsv`); the store's fuel is their sum.
 * A charge subtracts from the budget and takes the slow path only when it
 * goes negative: there the charge is settled against the reserve exactly
 * (same trap, same remaining fuel as charging the total directly) and the
 * interrupt flag is polled. So an interrupt or deadline is seen within
 * FUEL_CHUNK units of fuel (every charge is at least 1), and the hot back
 * edge is one subtract and one branch.
 * The handlers are split by family into ops_*.inc fragments.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "wasm/interp/code.h"
#include "wasm/interp/float.h"

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Operand k of the current instruction, and the slot it names. */
#define OP(k) ip[2 + (k)]
#define R64(k) fp[OP(k)]
#define R32(k) ((uint32_t)fp[OP(k)])
#define NEXT()                                                                                     \
  do {                                                                                             \
    const void *h_;                                                                                \
    memcpy(&h_, ip, sizeof h_);                                                                    \
    SCALE_INTERP_PROF(h_);                                                                         \
    goto *h_;                                                                                      \
  } while (0)
#define TRAP(code)                                                                                 \
  do {                                                                                             \
    trap = (code);                                                                                 \
    goto out;                                                                                      \
  } while (0)

#define FUEL_CHUNK ((uint64_t)1 << 16)
/* Split a total into budget and reserve. */
#define FUEL_LOAD(total)                                                                           \
  do {                                                                                             \
    uint64_t tl_ = (total);                                                                        \
    fuel = (int64_t)(tl_ < FUEL_CHUNK ? tl_ : FUEL_CHUNK);                                         \
    fuel_rsv = tl_ - (uint64_t)fuel;                                                               \
  } while (0)
#define FUEL_TOTAL() ((uint64_t)fuel + fuel_rsv)
#define INTERRUPTED() UNLIKELY(atomic_load_explicit(&x->interrupt, memory_order_relaxed))
/* Charge N units (N >= 1, at most 2^32): trap when the total is short, else refill and poll. */
#define FUEL_CHARGE(N)                                                                             \
  do {                                                                                             \
    uint64_t n_ = (N);                                                                             \
    fuel -= (int64_t)n_;                                                                           \
    if (UNLIKELY(fuel < 0)) {                                                                      \
      fuel += (int64_t)n_;                                                                         \
      uint64_t t_ = FUEL_TOTAL();                                                                  \
      if (t_ < n_) TRAP(SCALE_TRAP_FUEL_EXHAUSTED);                                                \
      FUEL_LOAD(t_ - n_);                                                                          \
      if (INTERRUPTED()) TRAP(SCALE_TRAP_INTERRUPTED);                                             \
    }                                                                                              \
  } while (0)

#define LOAD_MEM()                                                                                 \
  do {                                                                                             \
    if (mem) {                                                                                     \
      mb = mem->data;                                                                              \
      ms = mem->size;                                                                              \
    } else {                                                                                       \
      mb = NULL;                                                                                   \
      ms = 0;                                                                                      \
    }                                                                                              \
  } while (0)
#define LOAD_INST()                                                                                \
  do {                                                                                             \
    const wasm_module_t *wm_ = inst->module->wasm;                                                 \
    funcs = inst->funcs;                                                                           \
    globals = inst->globals;                                                                       \
    mem = wm_->imported_memory_count + wm_->memory_count ? inst->memories[0] : NULL;               \
    LOAD_MEM();                                                                                    \
  } while (0)

static const void *const *g_handlers;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static int run(scale_store_t *store, const scale_func_t *entry, uint64_t *fp,
               const void *const **handlers_out);

static void init_handlers(void) {
  run(NULL, NULL, NULL, &g_handlers);
}

const void *const *scale__interp_handlers(void) {
  pthread_once(&g_once, init_handlers);
  return g_handlers;
}

/* True when a slot list holds `s`. */
static bool slot_in(uint32_t s, const uint32_t *set, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (set[i] == s) return true;
  return false;
}

/*
 * Whether the operands of AALM__load64__f64_add+store64 (a, 21 words) and of
 * ALMS__i32_add_imm+br_i32_ne_imm (b, 25 words) make the multiply-add loop
 * that ops_pair.inc runs in registers: the pointers p0, p1 and p3 chain as
 * in the loop, are three slots, and no slot written (pointers and
 * temporaries) is one read as a loop invariant (steps, factors) or another
 * pointer. The links the translator checks (lv, the six-word rule) are not
 * repeated here.
 */
static bool interp_axpy_shape(const uint32_t *a, const uint32_t *b) {
  const uint32_t p0 = a[1], p1 = a[0], p3 = a[3];
  if (a[4] != p0 || a[7] != p3 || a[13] != p1 || a[18] != p1 || a[19] != a[15]) return false;
  if (b[0] != p1 || b[1] != p1 || b[4] != p3 || b[11] != p1 || b[16] != p1 || b[19] != p0 ||
      b[20] != p0 || b[22] != p0)
    return false;
  if (p0 == p1 || p0 == p3 || p1 == p3) return false;
  const uint32_t written[] = {p0, p1, p3, a[6], a[9], a[12], a[15], b[3], b[7], b[10], b[13]};
  const uint32_t invariant[] = {a[2], a[5], a[10], b[8]};
  for (size_t i = 0; i < sizeof invariant / sizeof *invariant; i++)
    if (slot_in(invariant[i], written, sizeof written / sizeof *written)) return false;
  /* Temporaries may share slots with each other, not with a pointer. */
  for (size_t i = 3; i < sizeof written / sizeof *written; i++)
    if (slot_in(written[i], written, 3)) return false;
  return true;
}

static void *elem_value(const scale_instance_t *inst, const wasm_const_expr_t *e) {
  switch (e->kind) {
  case WASM_CONST_REF_FUNC:
    return inst->funcs[e->index];
  case WASM_CONST_GLOBAL_GET:
    return (void *)(uintptr_t)scale__global_load(inst->globals[e->index]);
  default:
    return NULL;
  }
}

static int run(scale_store_t *store, const scale_func_t *entry, uint64_t *fp,
               const void *const **handlers_out) {
#define LABEL_ADDR(n) &&L_##n,
#define PAIR_ADDR(a, b) &&L_##a##__##b,
  static const void *const handlers[IOP_COUNT_] = {SCALE_INTERP_OPS(LABEL_ADDR)
                                                       SCALE_INTERP_PAIRS(PAIR_ADDR)};
#undef PAIR_ADDR
#undef LABEL_ADDR
  if (handlers_out) {
    *handlers_out = handlers;
    return 0;
  }
  scale__exec_t *x = &store->exec;
  const scale_func_t *cur = entry;
  scale_instance_t *inst = entry->instance;
  scale_func_t **funcs;
  scale_global_t **globals;
  scale_memory_t *mem;
  uint8_t *mb;
  uint64_t ms;
  int64_t fuel;
  uint64_t fuel_rsv;
  FUEL_LOAD(x->fuel);
  const uint32_t entry_depth = x->depth;
  uint32_t depth = entry_depth;
  const uint32_t max_depth = x->max_depth;
  uint64_t *const stack_end = x->stack_end;
  uint64_t *const entry_sp = x->sp;
  const uint32_t *ip;
  int trap = 0;
  LOAD_INST();

  {
    const scale__code_t *c = entry->code;
    if (UNLIKELY(depth >= max_depth || fp + c->frame_slots > stack_end))
      TRAP(SCALE_TRAP_STACK_EXHAUSTED);
    FUEL_CHARGE(c->fuel_entry);
    if (INTERRUPTED()) TRAP(SCALE_TRAP_INTERRUPTED);
    depth++;
    uint64_t *rec = fp + c->rec;
    rec[0] = rec[1] = rec[2] = 0;
    if (c->nlocals) memset(rec + 3, 0, (size_t)c->nlocals * sizeof *rec);
    ip = c->words;
  }
  NEXT();

  /* The fragments' order matters (later ones use earlier ones' macros). */
  // clang-format off
#include "wasm/interp/ops_ctl.inc"
#include "wasm/interp/ops_int.inc"
#include "wasm/interp/ops_float.inc"
#include "wasm/interp/ops_mem.inc"
#include "wasm/interp/ops_pair.inc"
  // clang-format on

out:
  if (trap == SCALE_TRAP_INTERRUPTED) {
    /* An interrupt (1) is one-shot; a fired deadline (2) stays set until re-armed. */
    int seen = 1;
    if (!atomic_compare_exchange_strong(&x->interrupt, &seen, 0) && seen == 2)
      trap = SCALE_TRAP_DEADLINE;
  }
  x->fuel = FUEL_TOTAL();
  x->depth = entry_depth;
  x->sp = entry_sp;
  return trap;
}

int scale__interp_invoke(scale_store_t *store, const scale_func_t *func, uint64_t *slots) {
  scale__exec_t *x = &store->exec;
  const scale__code_t *c = func->code;
  uint64_t *fp = x->sp ? x->sp : x->stack;
  if (!fp || fp + c->frame_slots > x->stack_end) return SCALE_TRAP_STACK_EXHAUSTED;
  if (c->nparams) memcpy(fp, slots, (size_t)c->nparams * sizeof *fp);
  int trap = run(store, func, fp, NULL);
  if (!trap && c->nresults) memcpy(slots, fp, (size_t)c->nresults * sizeof *fp);
  return trap;
}
