/*
 * Tier 0: the interpreter. Validated function bodies are translated once
 * into an internal register-slot form and run by a threaded dispatch loop.
 *
 * Contract with the runtime:
 * - Compilation happens once per defined function at scale_module_new()
 *   time, on a module that already passed wasm_module_validate(); the
 *   compiler may assume validity (it must still never read out of bounds).
 * - Execution never recurses on the C stack per Wasm call: Wasm-to-Wasm
 *   calls push frames on store->exec's value stack. Only calls into host
 *   functions (which may re-enter scale_func_call) use the C stack, and the
 *   shared depth counter bounds that.
 * - Traps return a scale_trap_code_t; the interpreter never longjmps out of
 *   host code and never leaves store->exec inconsistent.
 */
#ifndef SCALE_WASM_INTERP_H
#define SCALE_WASM_INTERP_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/runtime.h"
#include "wasm/module.h"

typedef struct scale__code scale__code_t;

/*
 * Compile defined function `defined_index` of module `m` (already
 * validated). `types` are the module's interned types (one per type
 * index). On failure (only out-of-memory or an internal limit) returns
 * false with `diag` set.
 */
bool scale__interp_compile(const wasm_module_t *m, const scale_functype_t *const *types,
                           uint32_t defined_index, scale__code_t **out, wasm_diag_t *diag);

/* Free compiled code. NULL is a no-op. */
void scale__interp_code_free(scale__code_t *code);

/*
 * Run Wasm function `func` (func->code != NULL) in `store`.
 * `slots` holds the arguments (slot encoding, one per parameter) and
 * receives the results; it has room for max(params, results) slots.
 * Returns 0 on normal completion, else a scale_trap_code_t. For host traps
 * raised deeper in the call the trap object is in store->exec.pending.
 * The store's exec state must be ready (scale__exec_ready).
 */
int scale__interp_invoke(scale_store_t *store, const scale_func_t *func, uint64_t *slots);

#endif
