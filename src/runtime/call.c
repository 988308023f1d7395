/*
 * Calls across the host/guest boundary in both directions. The host-to-
 * guest path is kept short (argument checks, slot conversion, one call
 * into the tier) because embedders call small exports at high rates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aot/aot.h"
#include "runtime/runtime.h"
#include "wasm/interp/interp.h"

/* Arguments up to this many slots stay on the C stack. */
#define INLINE_SLOTS 16

struct scale_caller {
  scale_store_t *store;
  scale_instance_t *instance;
};

bool scale_caller_export(scale_caller_t *caller, const char *name, scale_extern_t *out) {
  if (!caller || !caller->instance) return false;
  return scale_instance_export(caller->instance, name, out);
}

scale_store_t *scale_caller_store(scale_caller_t *caller) {
  return caller->store;
}

static scale_trap_t *take_trap(scale_store_t *store, int code) {
  scale_trap_t *t = store->exec.pending;
  store->exec.pending = NULL;
  if (t) return t;
  return scale__trap_from_code((scale_trap_code_t)code);
}

/* Run a host function on values; shared by both call directions. */
static scale_trap_t *run_host(scale_store_t *store, const scale_func_t *f, scale_instance_t *inst,
                              const scale_val_t *args, size_t nargs, scale_val_t *results,
                              size_t nresults) {
  const scale_functype_t *t = f->type;
  for (size_t i = 0; i < nresults; i++) {
    memset(&results[i], 0, sizeof results[i]);
    results[i].kind = (scale_valkind_t)t->kinds[t->param_count + i];
  }
  scale_caller_t caller = {store, inst};
  scale_trap_t *trap = f->host(f->env, &caller, args, nargs, results, nresults);
  if (trap) return trap;
  for (size_t i = 0; i < nresults; i++)
    if ((uint8_t)results[i].kind != t->kinds[t->param_count + i])
      return scale_trap_new("host function returned a result of the wrong type");
  return NULL;
}

/*
 * Value <-> slot conversions for the public call path, inline and without
 * branches: the kinds were just checked against the type, and a call takes
 * a few nanoseconds. A scale_val_t's payload starts at the slot's low end
 * (little-endian, 64-bit pointers), so a slot is the payload's 8 bytes with
 * the high half cleared for i32 and f32 (0x7f and 0x7d: the only kinds k
 * with k | 2 == 0x7f) and kept for i64, f64 and references.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && UINTPTR_MAX == UINT64_MAX
static inline uint64_t slot_bits(uint8_t kind) {
  return (kind | 2) == SCALE_I32 ? UINT32_MAX : UINT64_MAX;
}
static inline uint64_t arg_slot(const scale_val_t *v) {
  uint64_t s;
  memcpy(&s, &v->of, sizeof s);
  return s & slot_bits((uint8_t)v->kind);
}
static inline void slot_result(uint64_t slot, uint8_t kind, scale_val_t *v) {
  v->kind = (scale_valkind_t)kind;
  slot &= slot_bits(kind);
  memcpy(&v->of, &slot, sizeof slot);
}
_Static_assert(sizeof(((scale_val_t *)0)->of) == sizeof(uint64_t), "a payload is one slot");
#else
static inline uint64_t arg_slot(const scale_val_t *v) {
  uint64_t s = 0;
  switch (v->kind) {
  case SCALE_I32:
    return (uint32_t)v->of.i32;
  case SCALE_F32: {
    uint32_t b;
    memcpy(&b, &v->of.f32, 4);
    return b;
  }
  case SCALE_I64:
    return (uint64_t)v->of.i64;
  case SCALE_F64:
    memcpy(&s, &v->of.f64, 8);
    return s;
  case SCALE_FUNCREF:
    return (uint64_t)(uintptr_t)v->of.funcref;
  case SCALE_EXTERNREF:
    return (uint64_t)(uintptr_t)v->of.externref;
  default:
    return 0;
  }
}

static inline void slot_result(uint64_t slot, uint8_t kind, scale_val_t *v) {
  v->kind = (scale_valkind_t)kind;
  switch (kind) {
  case SCALE_I32:
    v->of.i64 = 0;
    v->of.i32 = (int32_t)(uint32_t)slot;
    break;
  case SCALE_F32: {
    uint32_t b = (uint32_t)slot;
    v->of.i64 = 0;
    memcpy(&v->of.f32, &b, 4);
    break;
  }
  case SCALE_I64:
    v->of.i64 = (int64_t)slot;
    break;
  case SCALE_F64:
    memcpy(&v->of.f64, &slot, 8);
    break;
  case SCALE_FUNCREF:
    v->of.funcref = (scale_func_t *)(uintptr_t)slot;
    break;
  case SCALE_EXTERNREF:
    v->of.externref = (void *)(uintptr_t)slot;
    break;
  default:
    v->of.i64 = 0;
    break;
  }
}
#endif

int scale__call_host(scale_store_t *store, const scale_func_t *f, uint64_t *slots,
                     scale_instance_t *caller) {
  const scale_functype_t *t = f->type;
  size_t np = t->param_count, nr = t->result_count;
  scale_val_t inline_vals[INLINE_SLOTS];
  scale_val_t *vals = inline_vals;
  if (np + nr > INLINE_SLOTS) {
    vals = malloc((np + nr) * sizeof *vals);
    if (!vals) {
      store->exec.pending = scale_trap_new("out of memory calling a host function");
      return SCALE_TRAP_HOST;
    }
  }
  for (size_t i = 0; i < np; i++)
    slot_result(slots[i], t->kinds[i], &vals[i]);
  scale_trap_t *trap = run_host(store, f, caller, vals, np, vals + np, nr);
  if (!trap)
    for (size_t i = 0; i < nr; i++)
      slots[i] = arg_slot(&vals[np + i]); /* kinds checked */
  if (vals != inline_vals) free(vals);
  if (!trap) return 0;
  scale_trap_delete(store->exec.pending);
  store->exec.pending = trap;
  return scale_trap_code(trap);
}

/* The tier that runs `f`; inline in the public entries, which call it once per call. */
static inline int invoke(scale_store_t *store, const scale_func_t *f, uint64_t *slots,
                         scale_instance_t *caller) {
  if (f->aot_entry) return scale__aot_invoke(store, f, slots);
  if (!f->code) return scale__call_host(store, f, slots, caller);
  if (!store->exec.stack && !scale__exec_ready(store)) {
    scale_trap_delete(store->exec.pending);
    store->exec.pending = scale_trap_new("out of memory for the value stack");
    return SCALE_TRAP_HOST;
  }
  return scale__interp_invoke(store, f, slots);
}

int scale__invoke(scale_store_t *store, const scale_func_t *f, uint64_t *slots,
                  scale_instance_t *caller) {
  return invoke(store, f, slots, caller);
}

/* Everything scale_func_call() rejects, worded; out of line to keep the call path short. */
__attribute__((noinline, cold)) static scale_error_t *call_error(scale_store_t *store,
                                                                 const scale_func_t *func,
                                                                 const scale_val_t *args,
                                                                 size_t nargs, size_t nresults) {
  if (!store || !func) return scale__error_new(-1, "invalid argument: NULL store or function");
  if (func->store != store) return scale__error_new(-1, "function belongs to another store");
  const scale_functype_t *t = func->type;
  if (nargs != t->param_count)
    return scale__error_new(-1, "function takes %u arguments, got %zu", t->param_count, nargs);
  if (nresults != t->result_count)
    return scale__error_new(-1, "function returns %u results, room was given for %zu",
                            t->result_count, nresults);
  for (size_t i = 0; i < nargs; i++)
    if ((uint8_t)args[i].kind != t->kinds[i])
      return scale__error_new(-1, "argument %zu is %s, the function expects %s", i + 1,
                              scale_valkind_name(args[i].kind),
                              scale_valkind_name((scale_valkind_t)t->kinds[i]));
  return scale__error_new(-1, "invalid call"); /* not reached: called only on a mismatch */
}

/* scale_func_call() for host functions and long signatures. */
__attribute__((noinline)) static scale_error_t *
call_general(scale_store_t *store, const scale_func_t *func, const scale_val_t *args, size_t nargs,
             scale_val_t *results, size_t nresults, scale_trap_t **trap) {
  const scale_functype_t *t = func->type;
  for (size_t i = 0; i < nargs; i++)
    if ((uint8_t)args[i].kind != t->kinds[i]) return call_error(store, func, args, nargs, nresults);
  if (!func->code) {
    *trap = run_host(store, func, NULL, args, nargs, results, nresults);
    return NULL;
  }
  /* AOT code needs no value stack (a metered fallback to the interpreter makes its own). */
  if (!func->aot_entry && !store->exec.stack && !scale__exec_ready(store))
    return scale__error_new(-1, "out of memory for the value stack");
  size_t n = nargs > nresults ? nargs : nresults;
  uint64_t *slots = malloc(n * sizeof *slots);
  if (!slots) return scale__error_new(-1, "out of memory");
  for (size_t i = 0; i < nargs; i++)
    slots[i] = arg_slot(&args[i]);
  int code = invoke(store, func, slots, NULL);
  if (code) {
    *trap = take_trap(store, code);
  } else {
    for (size_t i = 0; i < nresults; i++)
      slot_result(slots[i], t->kinds[nargs + i], &results[i]);
  }
  free(slots);
  return NULL;
}

/*
 * The common case inline: a Wasm function whose arguments and results fit
 * in slots on the stack, each argument checked and converted in one pass.
 */
scale_error_t *scale_func_call(scale_store_t *store, const scale_func_t *func,
                               const scale_val_t *args, size_t nargs, scale_val_t *results,
                               size_t nresults, scale_trap_t **trap) {
  *trap = NULL;
  if (!store || !func || func->store != store || nargs != func->type->param_count ||
      nresults != func->type->result_count)
    return call_error(store, func, args, nargs, nresults);
  if (!func->code || nargs > INLINE_SLOTS || nresults > INLINE_SLOTS)
    return call_general(store, func, args, nargs, results, nresults, trap);
  const uint8_t *kinds = func->type->kinds;
  uint64_t slots[INLINE_SLOTS];
  for (size_t i = 0; i < nargs; i++) {
    if ((uint8_t)args[i].kind != kinds[i]) return call_error(store, func, args, nargs, nresults);
    slots[i] = arg_slot(&args[i]);
  }
  if (!func->aot_entry && !store->exec.stack && !scale__exec_ready(store))
    return scale__error_new(-1, "out of memory for the value stack");
  int code = invoke(store, func, slots, NULL);
  if (code) {
    *trap = take_trap(store, code);
    return NULL;
  }
  for (size_t i = 0; i < nresults; i++)
    slot_result(slots[i], kinds[nargs + i], &results[i]);
  return NULL;
}

scale_trap_t *scale_func_call_raw(scale_store_t *store, const scale_func_t *func,
                                  scale_raw_t *slots) {
  int code = invoke(store, func, slots, NULL);
  return code ? take_trap(store, code) : NULL;
}
