/*
 * Internal layout of the runtime objects behind the public API, shared by
 * the runtime (src/runtime), the interpreter (src/wasm/interp), WASI and
 * later the AOT tier. Nothing outside src/ may include this.
 *
 * Values live in 64-bit slots (`uint64_t`): i32 in the low 32 bits (upper
 * bits unspecified), i64 whole, f32/f64 as their bit patterns, references
 * as pointers (scale_func_t * for funcref, the host's void * for externref,
 * 0 for null).
 */
#ifndef SCALE_RUNTIME_RUNTIME_H
#define SCALE_RUNTIME_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "scale.h"
#include "scale/limits.h"
#include "wasm/module.h"

/* ---- engine --------------------------------------------------------- */

/*
 * Function types are interned per engine: two equal types are the same
 * pointer, so call_indirect and import matching compare pointers.
 */
struct scale_functype {
  uint32_t param_count;
  uint32_t result_count;
  struct scale_functype *next_interned; /* hash chain in the engine's registry */
  uint32_t hash;
  bool interned;
  uint8_t kinds[]; /* params then results, as scale_valkind_t bytes */
};

struct scale_engine {
  scale_config_t config;
  pthread_mutex_t types_lock;
  struct scale_functype **type_buckets; /* interned types */
  uint32_t type_bucket_count;
  uint32_t type_count;
};

/*
 * Intern a type given as wasm bytes. Returns a pointer owned by the engine
 * (valid until the engine is deleted), NULL on out-of-memory. Thread-safe.
 */
const scale_functype_t *scale__engine_intern(scale_engine_t *engine, const uint8_t *params,
                                             uint32_t nparams, const uint8_t *results,
                                             uint32_t nresults);

/* ---- module --------------------------------------------------------- */

struct scale__code; /* a function compiled for the interpreter: see wasm/interp/interp.h */

struct scale_module {
  scale_engine_t *engine;
  wasm_module_t *wasm;
  const scale_functype_t **types;   /* interned, one per type index */
  struct scale__code **codes;       /* one per defined function */
};

/* ---- store and its objects ----------------------------------------- */

struct scale_func {
  const scale_functype_t *type; /* interned */
  scale_store_t *store;
  /* Wasm function: */
  scale_instance_t *instance; /* NULL for host functions */
  const struct scale__code *code;
  uint32_t func_index; /* index in the instance's function space */
  /* Host function: */
  scale_host_fn_t host;
  void *env;
  void (*finalize)(void *env);
};

struct scale_memory {
  uint8_t *data;     /* reserved address range; [0, size) is accessible */
  uint64_t size;     /* bytes; always pages * 64 KiB */
  uint32_t pages;
  uint32_t max_pages; /* min(declared max, engine cap) */
  bool has_max;       /* declared max present */
  uint32_t declared_max; /* the type's max when has_max (for import matching) */
  size_t reserved;    /* bytes of address space reserved at data */
};

struct scale_table {
  uint8_t elem_type; /* WASM_FUNCREF or WASM_EXTERNREF */
  uint32_t size;
  uint32_t max;
  bool has_max;
  void **elems; /* size entries; scale_func_t * or host pointer, NULL = null */
};

struct scale_global {
  scale_globaltype_t type;
  uint64_t value; /* slot encoding */
};

struct scale_instance {
  scale_store_t *store;
  const scale_module_t *module;
  scale_func_t **funcs;      /* whole function index space, imports first */
  scale_table_t **tables;    /* whole table index space */
  scale_memory_t **memories; /* whole memory index space (0 or 1 entries) */
  scale_global_t **globals;  /* whole global index space */
  const scale_functype_t **types; /* = module->types */
  bool *elem_dropped;        /* per element segment (passive dropped / active applied) */
  bool *data_dropped;        /* per data segment */
};

/*
 * Per-store execution state. The interpreter keeps its value stack and
 * frames here; it is allocated on the first call.
 */
typedef struct scale__exec {
  uint64_t *stack;       /* value stack base */
  uint64_t *stack_end;   /* one past the last usable slot */
  size_t stack_bytes;    /* mapping size, for munmap */
  uint32_t depth;        /* current Wasm call depth across re-entries */
  uint32_t max_depth;
  uint64_t fuel;         /* remaining; UINT64_MAX = unlimited */
  atomic_int interrupt;  /* set by scale_store_interrupt */
  scale_trap_t *pending; /* trap object raised by a host function, if any */
  uint64_t *sp;          /* interp: first free slot while a host call runs (NULL = stack) */
} scale__exec_t;

struct scale_store {
  scale_engine_t *engine;
  scale__exec_t exec;
  /* Every object allocated in the store, freed with it. */
  struct scale__arena_block *objects;
};

/*
 * Allocate zeroed memory that lives as long as the store. NULL on OOM.
 * Register a finalizer (run at store deletion, in reverse order) with
 * scale__store_on_delete.
 */
void *scale__store_alloc(scale_store_t *store, size_t size);
bool scale__store_on_delete(scale_store_t *store, void (*fn)(void *), void *arg);

/* Allocate the value stack if it is not there yet. False on OOM. */
bool scale__exec_ready(scale_store_t *store);

/*
 * Call a host function from Wasm code. `slots` holds the arguments on
 * entry and receives the results (room for max(params, results) slots).
 * Returns 0 on success or the trap code; for SCALE_TRAP_HOST and
 * SCALE_TRAP_EXIT the trap object is left in store->exec.pending.
 */
int scale__call_host(scale_store_t *store, const scale_func_t *func, uint64_t *slots,
                     scale_instance_t *caller);

/* Build an owned trap object for a code (spec wording). Never NULL (a static OOM trap). */
scale_trap_t *scale__trap_from_code(scale_trap_code_t code);
/* Build an owned error; message formatted; offset -1 if none. Never NULL. */
scale_error_t *scale__error_new(int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Memory grow shared by memory.grow and scale_memory_grow. Returns the old
 * page count or -1 when the limit or the engine cap would be exceeded.
 */
int64_t scale__memory_grow(scale_memory_t *mem, uint32_t delta);
/* Table grow shared by table.grow and scale_table_grow; -1 on failure. */
int64_t scale__table_grow(scale_table_t *table, uint32_t delta, void *init, uint32_t max_cap);

/* Create store-owned objects from module-level types (errors name the limit). */
scale_error_t *scale__memory_create(scale_store_t *store, wasm_limits_t limits,
                                    scale_memory_t **out);
scale_error_t *scale__table_create(scale_store_t *store, wasm_tabletype_t type, void *init,
                                   scale_table_t **out);
scale_global_t *scale__global_create(scale_store_t *store, wasm_globaltype_t type, uint64_t value);
/* A Wasm function of `instance` (defined index `defined`). */
scale_func_t *scale__func_create_wasm(scale_store_t *store, scale_instance_t *instance,
                                      uint32_t func_index, const scale_functype_t *type,
                                      const struct scale__code *code);
/* Convert between API values and slots. */
uint64_t scale__val_to_slot(const scale_val_t *v);
scale_val_t scale__slot_to_val(uint64_t slot, uint8_t kind);

#endif
