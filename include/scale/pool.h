/**
 * @file scale/pool.h
 * @brief Instance pools: fresh instances of one module in microseconds.
 *
 * A pool instantiates its module once (the template: full instantiation,
 * then an optional initialisation export such as "_initialize"), takes a
 * snapshot of the result, and from then on hands out instances that start
 * in exactly that state. A new pooled instance is a bare instantiation plus
 * a copy-on-write mapping of the snapshot's memory, so it costs no copy of
 * the initialised memory; a released instance is reset to the snapshot by
 * copying the snapshot's bytes back over the pages it wrote (found with the
 * kernel's PAGEMAP_SCAN, Linux 6.7+, or /proc/self/pagemap), so the next
 * call takes no page faults, and kept for the next acquire. Where neither
 * works, the written pages are dropped instead (the next call faults them
 * in again). The environment variable SCALE_RESET=scan|pagemap|madvise,
 * read once per process, forces one of these ways (for tests and
 * comparisons); an unavailable one falls through to the next.
 *
 * Every pooled instance lives in its own store (stores are single-threaded),
 * so leases may run on different threads at the same time. The pool itself
 * is thread-safe: any thread may acquire and release.
 *
 * Typical use, once per request:
 * @code
 *   scale_lease_t *lease;
 *   scale_error_t *err = scale_pool_acquire(pool, &lease);
 *   ... look up exports with scale_instance_export(scale_lease_instance(lease), ...),
 *       call them with scale_func_call(scale_lease_store(lease), ...) ...
 *   scale_pool_release(pool, lease, trap == NULL);
 * @endcode
 */
#ifndef SCALE_POOL_H
#define SCALE_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "linker.h"
#include "module.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A pool of instances of one module. Thread-safe. */
typedef struct scale_pool scale_pool_t;
/**
 * One pooled instance with its store, handed to one thread at a time
 * between scale_pool_acquire() and scale_pool_release().
 */
typedef struct scale_lease scale_lease_t;

/** Pool configuration. Initialise with scale_pool_config_default(). */
typedef struct scale_pool_config {
  /** Most released instances kept for reuse; more are destroyed (0 = 16). */
  uint32_t max_idle;
  /** Most instances in existence at once, leased or idle (0 = unlimited). */
  uint32_t max_instances;
  /**
   * Export run once on the template after instantiation, before the
   * snapshot, e.g. "_initialize" for a WASI reactor; it must take no
   * parameters and return no results. NULL = none. Copied by the pool.
   */
  const char *init_export;
  /**
   * Called once on the template after instantiation and the init export,
   * before the snapshot, for initialisation an export without parameters
   * cannot express (a result to check, a WASI command's exit status to
   * accept). It may call into @p instance through @p store. Return NULL to
   * go on, or an owned error, which scale_pool_new() returns; a trap it
   * reports through @p trap is returned the same way. NULL = none.
   */
  scale_error_t *(*init_fn)(void *env, scale_store_t *store, scale_instance_t *instance,
                            scale_trap_t **trap);
  /** Passed to init_fn. */
  void *init_env;
  /**
   * Instantiate pooled instances as for a store with a fuel budget, so that
   * on the AOT tier they get the fuel-metering build: set this when leases
   * will be given fuel (scale_store_set_fuel), or they run interpreted.
   */
  bool metered;
} scale_pool_config_t;

/** Fill @p cfg with the defaults (max_idle 16, unlimited instances, no init export or function, not
 * metered). */
void scale_pool_config_default(scale_pool_config_t *cfg);

/**
 * Create a pool: instantiate @p module through @p linker in a store of its
 * own, run the init export if configured, and snapshot the result.
 *
 * @param linker must hold only store-independent definitions: host
 *               functions (scale_linker_define_func) and WASI
 *               (scale_linker_define_wasi). Externs of a store
 *               (scale_linker_define, scale_linker_define_instance) are
 *               refused. The pool copies the definitions, so the linker may
 *               be changed or deleted afterwards; the host functions' env
 *               pointers (and a WASI context) are shared by every pooled
 *               instance, on whichever thread runs it, and must outlive the
 *               pool and be safe to use from several threads at once.
 * @param module the module; must outlive the pool. Its memories, tables
 *               and globals must be its own (imports of functions only).
 * @param cfg    configuration, copied; NULL for the defaults.
 * @param out    receives the pool on success.
 * @param trap   receives an owned trap if instantiation (a segment or the
 *               start function) or the init export trapped; the call then
 *               returns NULL and *out is untouched. Set to NULL otherwise.
 *               Must not be NULL.
 * @return NULL on success or trap; an error when the linker holds a store
 *         extern (naming it), linking fails ("unknown import", ...), a
 *         memory exceeds the engine's cap ("memory limit exceeded"), the
 *         init export is missing or has the wrong type, the module imports
 *         a memory, table or global, a table or global of the template
 *         holds a function of another instance, or on out-of-memory.
 */
scale_error_t *scale_pool_new(scale_linker_t *linker, const scale_module_t *module,
                              const scale_pool_config_t *cfg, scale_pool_t **out,
                              scale_trap_t **trap);

/**
 * Take an instance in the snapshot's state: memory contents and size,
 * globals, tables and dropped segments as the template had them after
 * initialisation. It is an idle instance when there is one, otherwise a
 * new one. The lease's store has no fuel limit, no deadline and no pending
 * interrupt, whatever the previous holder set.
 * @param out receives the lease; the caller holds it until
 *            scale_pool_release().
 * @return NULL on success; "pool exhausted" when max_instances instances
 *         exist (acquire never blocks: release one or retry later); an
 *         error on out-of-memory or a failed system call.
 * Thread-safe.
 */
scale_error_t *scale_pool_acquire(scale_pool_t *pool, scale_lease_t **out);

/**
 * The lease's store: pass it to scale_func_call() and the other store
 * functions. Valid until the lease is released. Objects the holder creates
 * in it (host functions, memories, ...) live as long as the pooled
 * instance, across resets, so create none per request.
 */
scale_store_t *scale_lease_store(scale_lease_t *lease);
/** The lease's instance (store-owned). Valid until the lease is released. */
scale_instance_t *scale_lease_instance(scale_lease_t *lease);

/**
 * Give a lease back. With @p reusable the instance is reset to the
 * snapshot and kept for a later acquire (or destroyed if max_idle are
 * already kept, or if the reset fails). Pass false after any trap or limit
 * (fuel, deadline, interrupt) or whenever the instance should not be
 * trusted: it is then destroyed with its store and never handed out again.
 * The lease pointer is invalid afterwards. Thread-safe; any thread may
 * release a lease, but only once. NULL is a no-op.
 */
void scale_pool_release(scale_pool_t *pool, scale_lease_t *lease, bool reusable);

/**
 * Delete a pool and every idle instance. Every lease must have been
 * released first (outstanding leases are not reclaimed). NULL is a no-op.
 */
void scale_pool_delete(scale_pool_t *pool);

#ifdef __cplusplus
}
#endif
#endif
