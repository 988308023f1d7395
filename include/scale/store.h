/**
 * @file scale/store.h
 * @brief Stores and the objects they own: funcs, memories, tables, globals.
 *
 * A store owns every instance and extern created in it. None of them has a
 * `_delete`: they live until scale_store_delete(). A store is not
 * thread-safe: one thread at a time may use it and everything it owns.
 */
#ifndef SCALE_STORE_H
#define SCALE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scale_store scale_store_t;
typedef struct scale_instance scale_instance_t;

/**
 * Create a store.
 * @return the store, or NULL on out-of-memory. The engine must outlive it.
 */
scale_store_t *scale_store_new(scale_engine_t *engine);
/** Delete a store and everything it owns. NULL is a no-op. */
void scale_store_delete(scale_store_t *store);

/**
 * Give the store an instruction budget. Every Wasm instruction block run
 * afterwards consumes fuel; at zero the running call traps with
 * SCALE_TRAP_FUEL_EXHAUSTED. @p fuel UINT64_MAX (the default) means
 * unlimited.
 */
void scale_store_set_fuel(scale_store_t *store, uint64_t fuel);
/** Fuel left. UINT64_MAX when unlimited. */
uint64_t scale_store_fuel(const scale_store_t *store);

/**
 * Ask the running (or next) call in the store to stop with
 * SCALE_TRAP_INTERRUPTED at its next loop header or function entry.
 * One-shot: the trap clears the request, so the call after it runs
 * normally. Ignored while a fired deadline is pending (that already stops
 * every call). A host function blocked in the host is not interrupted;
 * the guest stops when it returns.
 * Thread-safe: with scale_store_set_deadline(), the only store functions
 * that may be called from another thread.
 */
void scale_store_interrupt(scale_store_t *store);

/**
 * Arm a wall-clock deadline @p timeout_ns nanoseconds from now, replacing
 * any earlier one; 0 disarms. When it passes, the running Wasm call (or
 * the next one, if none is running) traps with SCALE_TRAP_DEADLINE,
 * "deadline exceeded", at its next loop header or function entry.
 *
 * The deadline covers everything run in the store from now on: it is not
 * reset when a call starts or ends, and it stays armed until it fires or
 * is replaced. Once fired it stays in force: every later call into the
 * store traps at once with "deadline exceeded" until this function is
 * called again (with a new timeout, or 0 to run without one). Arming or
 * disarming clears a fired deadline but not a pending
 * scale_store_interrupt() request. Time spent inside host functions counts,
 * but a host function is never stopped; the guest traps after it returns.
 *
 * Deadlines are served by one process-wide watchdog thread, started on
 * the first call, that sleeps until the earliest deadline of all stores
 * (no polling). Should that thread fail to start, a deadline fires at once
 * instead of never. Thread-safe; deleting a store disarms its deadline.
 */
void scale_store_set_deadline(scale_store_t *store, uint64_t timeout_ns);

/* ---- functions ---------------------------------------------------- */

/**
 * Passed to host functions: who called them. Valid only during the call.
 */
typedef struct scale_caller scale_caller_t;

/**
 * The calling instance's export named @p name (e.g. "memory").
 * @return true and fills @p out if found; false otherwise (also when the
 *         caller is the host rather than an instance).
 */
bool scale_caller_export(scale_caller_t *caller, const char *name, scale_extern_t *out);
/** The store the call runs in. */
scale_store_t *scale_caller_store(scale_caller_t *caller);

/**
 * A host function.
 * @param env     the pointer given when the function was defined.
 * @param caller  the calling context (see scale_caller_export).
 * @param args    nargs arguments, already checked against the type.
 * @param results nresults slots to fill with values of the result types.
 * @return NULL on success, or an owned trap (scale_trap_new) that stops the
 *         guest; the runtime takes ownership of it.
 */
typedef scale_trap_t *(*scale_host_fn_t)(void *env, scale_caller_t *caller, const scale_val_t *args,
                                         size_t nargs, scale_val_t *results, size_t nresults);

/**
 * Create a host function in a store.
 * @param type     its type; copied.
 * @param fn       the callback.
 * @param env      passed to every call; may be NULL.
 * @param finalize called with @p env when the store is deleted; may be NULL.
 * @return the function (store-owned), or NULL on out-of-memory.
 */
scale_func_t *scale_func_new(scale_store_t *store, const scale_functype_t *type, scale_host_fn_t fn,
                             void *env, void (*finalize)(void *env));
/** The function's type (borrowed, lives as long as the store). */
const scale_functype_t *scale_func_type(const scale_func_t *func);

/**
 * Call a function.
 * @param args     nargs arguments; their count and kinds must match the type.
 * @param results  room for nresults results; the count must match the type.
 * @param trap     receives an owned trap if the guest trapped (then the
 *                 call returns NULL and results are unspecified); set to
 *                 NULL otherwise. Must not be NULL.
 * @return NULL on success or trap; an error when the arguments do not match
 *         the type (naming the position and the kinds) or on out-of-memory.
 * Re-entrant: a host function may call back into the store.
 */
scale_error_t *scale_func_call(scale_store_t *store, const scale_func_t *func,
                               const scale_val_t *args, size_t nargs, scale_val_t *results,
                               size_t nresults, scale_trap_t **trap);

/**
 * A value as the execution tiers hold it, for scale_func_call_raw(): i32 in
 * the low 32 bits (zero-extended), i64 whole, f32/f64 as their IEEE bit
 * patterns (f32 in the low 32 bits), funcref as a scale_func_t pointer and
 * externref as the host pointer (0 for null).
 */
typedef uint64_t scale_raw_t;

/**
 * Call a function on raw values, for hot paths where the caller knows the
 * type (checked once with scale_func_type()). @p slots holds the arguments
 * and receives the results; it needs room for max(params, results) values.
 * Nothing about the values is checked: wrong kinds give wrong results
 * (never memory unsafety inside the guest, whose accesses stay bounded).
 * @return NULL on success, or the owned trap the call ended with.
 * Re-entrant like scale_func_call(); @p func must belong to @p store.
 */
scale_trap_t *scale_func_call_raw(scale_store_t *store, const scale_func_t *func,
                                  scale_raw_t *slots);
/* ---- memories ----------------------------------------------------- */

/**
 * Create a standalone memory (as the `spectest` module exports one).
 * @return NULL on success; an error when the limits are invalid or exceed
 *         the engine's memory cap.
 */
scale_error_t *scale_memory_new(scale_store_t *store, const scale_memorytype_t *type,
                                scale_memory_t **out);
/**
 * Base address of the memory's bytes. Valid until the next grow.
 *
 * Memories of pooled instances (scale_pool_t) are write-tracked: a page the instance has not
 * written since it was made is mapped read-only, and the first write to it from user space is
 * caught and allowed by the runtime's fault handler. A system call writing there (read(2),
 * recv(2), getrandom(2), ...) is not caught and fails with EFAULT: call
 * scale_memory_prepare_write on the range first.
 */
uint8_t *scale_memory_data(const scale_memory_t *mem);
/**
 * Make [offset, offset + len) of @p mem writable by system calls (see scale_memory_data).
 * Costs one byte rewritten per 4 KiB page; does nothing for memories that are not tracked.
 * @return false, touching nothing, when the range is not within the memory's current size.
 * Thread-safety: like writing the memory (one thread at a time per instance).
 */
bool scale_memory_prepare_write(scale_memory_t *mem, size_t offset, size_t len);
/** Current size in bytes. */
size_t scale_memory_size(const scale_memory_t *mem);
/** Current size in pages. */
uint32_t scale_memory_pages(const scale_memory_t *mem);
/** The memory's type (current limits: min is the current page count). */
scale_memorytype_t scale_memory_type(const scale_memory_t *mem);
/**
 * Grow by @p delta pages; new pages are zero.
 * @return true and *old_pages set on success; false if the maximum or the
 *         engine's cap would be exceeded.
 */
bool scale_memory_grow(scale_memory_t *mem, uint32_t delta, uint32_t *old_pages);

/* ---- tables ------------------------------------------------------- */

/** Create a standalone table filled with @p init (must match type->elem). */
scale_error_t *scale_table_new(scale_store_t *store, const scale_tabletype_t *type,
                               scale_val_t init, scale_table_t **out);
/** Current size in elements. */
uint32_t scale_table_size(const scale_table_t *table);
/** The table's type. */
scale_tabletype_t scale_table_type(const scale_table_t *table);
/** Read element @p i into @p out; false if out of bounds. */
bool scale_table_get(const scale_table_t *table, uint32_t i, scale_val_t *out);
/** Write element @p i; false if out of bounds or the kind does not match. */
bool scale_table_set(scale_table_t *table, uint32_t i, scale_val_t val);
/** Grow by @p delta filled with @p init; false past the maximum. */
bool scale_table_grow(scale_table_t *table, uint32_t delta, scale_val_t init, uint32_t *old_size);

/* ---- globals ------------------------------------------------------ */

/** Create a global of @p type holding @p init (kinds must match). */
scale_error_t *scale_global_new(scale_store_t *store, const scale_globaltype_t *type,
                                scale_val_t init, scale_global_t **out);
/** The global's type. */
scale_globaltype_t scale_global_type(const scale_global_t *global);
/** Current value. */
scale_val_t scale_global_get(const scale_global_t *global);
/** Set the value; an error if immutable or the kind does not match. */
scale_error_t *scale_global_set(scale_global_t *global, scale_val_t val);

#ifdef __cplusplus
}
#endif
#endif
