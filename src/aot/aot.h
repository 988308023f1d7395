/*
 * The AOT tier (tier 1). A module is prepared (src/aot/prepare.c: all state
 * becomes imports, fuel/stop checks are inserted), translated to C by wasm2c,
 * joined with generated glue (glue.c) and compiled by the system C compiler
 * into a shared object kept in a cache keyed by content hash (build.c). The
 * object is loaded with dlopen and bound to the runtime (load.c); its code
 * runs on the runtime's own memories, tables and globals, so both tiers share
 * one instance state and one linking API. Traps unwind with siglongjmp to
 * the innermost runtime entry (exec.c), memory bounds come from guard pages
 * and a SIGSEGV/SIGBUS handler.
 */
#ifndef SCALE_AOT_AOT_H
#define SCALE_AOT_AOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aot/rt/scale-aot.h"
#include "runtime/runtime.h"
#include "util/sha256.h" /* scale__sha256_hex, used by the cache */
#include "wasm/module.h"

/* A loaded AOT object, shared by every instance of its module. */
typedef struct scale__aot_module {
  void *handle; /* dlopen handle */
  const scale_aot_desc_t *desc;
  /* Code pointers of every function, sorted, to map references back. */
  struct scale__aot_code_ix {
    void (*code)(void);
    uint32_t func;
  } * by_code;
  uint32_t by_code_len;
  bool metered; /* built with fuel metering */
  char path[1024];
} scale__aot_module_t;

/* Options of one build; all of them are part of the cache key. */
typedef struct scale__aot_opts {
  bool checks;   /* stop-flag checks at loop headers and function entries */
  bool fuel;     /* with checks: fuel metering as well (costs more; built on demand) */
  int opt_level; /* the C compiler's -O level, 0..3 */
} scale__aot_opts_t;

/*
 * Compile (or find in the cache) and load the AOT object for `m`.
 * Returns NULL and sets *out, or an error naming what failed (no compiler,
 * wasm2c missing, compiler diagnostics, cache directory unusable).
 * `cache_hit` (may be NULL) tells whether the cache served the object.
 * Thread-safe.
 */
scale_error_t *scale__aot_load(const wasm_module_t *m, const scale__aot_opts_t *opts,
                               scale__aot_module_t **out, bool *cache_hit);
void scale__aot_unload(scale__aot_module_t *am);

/*
 * The cache half of scale__aot_load: make sure a verified object for `m`
 * is in the cache (building it if needed); *so receives its path, key its
 * cache key, *hit whether it was already there.
 */
scale_error_t *scale__aot_fetch(const wasm_module_t *m, const scale__aot_opts_t *opts, char *so,
                                size_t so_cap, char key[65], bool *hit);
/* The services table handed to every loaded object (exec.c). */
const scale_aot_vt_t *scale__aot_vt(void);

/*
 * Give a bare instance (objects created, nothing initialised) AOT code:
 * allocates wasm2c's instance state in the store and sets the entries and
 * references of its defined functions. Returns NULL or an error.
 */
scale_error_t *scale__aot_attach(scale_instance_t *inst, const scale__aot_module_t *am);

/*
 * Run AOT function `f` on slots (arguments in, results out). Returns 0 or a
 * scale_trap_code_t; for SCALE_TRAP_HOST / SCALE_TRAP_EXIT the trap object is
 * in store->exec.pending. Re-entrant (host functions may call back in).
 */
int scale__aot_invoke(scale_store_t *store, const scale_func_t *f, uint64_t *slots);

/*
 * Install the process's SIGSEGV/SIGBUS handler now (idempotent, thread-safe). AOT entries do it
 * on first use; write-tracked memories (runtime/memory.c) need it before any AOT code runs, since
 * the first write to each of their pages faults and the handler makes the page writable.
 */
void scale__aot_fault_handler_install(void);
/* True when the installed SIGSEGV handler is still ours (an embedder may have replaced it). */
bool scale__aot_fault_handler_active(void);

/* The glue C text for `m` (malloc'd, *len bytes), or NULL on out-of-memory. */
char *scale__aot_glue(const wasm_module_t *m, const char *key, const char *generated_c,
                      size_t *len);

/* Cache directory ($SCALE_CACHE, else $XDG_CACHE_HOME/scale, else ~/.cache/scale),
 * created with mode 0700 and checked (owned by us, no group/other access).
 * Returns NULL or an error. */
scale_error_t *scale__aot_cache_dir(char *out, size_t cap);

#endif
