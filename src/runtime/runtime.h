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
  uint32_t id; /* process-wide id of this signature (interned types only; 0 otherwise) */
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
  const scale_functype_t **types; /* interned, one per type index */
  struct scale__code **codes;     /* one per defined function */
  /* AOT object for this module once loaded (set once; NULL until then). */
  struct scale__aot_module *_Atomic aot;
  /* The same with fuel metering, built when a store with a fuel budget needs it. */
  struct scale__aot_module *_Atomic aot_metered;
  /* Tiering state (src/aot): background compile thread and its status. */
  struct scale__aot_job *aot_job;
  /* Owners: the caller of scale_module_new plus one per live instance, so
   * scale_module_delete may come before the stores that hold instances. */
  _Atomic uint32_t refs;
};

/* Take one more reference to @p m (an instance being created). Thread-safe. */
void scale__module_retain(const scale_module_t *m);
/* Drop one reference; the last one frees the module. Thread-safe. */
void scale__module_release(const scale_module_t *m);

/*
 * Process-wide id of a signature: equal signatures get the same id in every
 * engine, because AOT code (loaded once per process) compares these ids in
 * call_indirect. Never 0. Returns 0 only on out-of-memory. Thread-safe.
 */
uint32_t scale__type_id(const uint8_t *kinds, uint32_t nparams, uint32_t nresults);

/* ---- references ------------------------------------------------------ */

/*
 * A function reference as funcref tables and funcref globals store it. The
 * layout is that of wasm2c's wasm_rt_funcref_t, so AOT code reads and writes
 * tables and globals in place; the interpreter converts at the edges.
 *   fn == NULL                 null reference
 *   fn == scale__foreign_fn    env is the scale_func_t * (interpreted or host)
 *   otherwise                  AOT native code; env is the AOT instance state
 */
typedef struct scale__ref {
  uint32_t type_id; /* scale__type_id of the function's type; 0 when null */
  void (*fn)(void);
  void *env;
} scale__ref_t;

/* Marker for references to functions that are not AOT code. Never called. */
void scale__foreign_fn(void);

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
  /* This function as a table entry (set at creation; see scale__ref_t). */
  scale__ref_t ref;
  /* AOT tier: when set, calls from the runtime run this native entry on
   * aot_instance (wasm2c's instance state); `code` stays valid, and the
   * interpreter may still run it (both tiers share all state). */
  void (*aot_entry)(void *aot_instance, uint64_t *slots);
  void *aot_instance;
};

/*
 * The first four fields are the layout AOT code sees as wasm_rt_memory_t
 * (src/aot's wasm-rt.h); keep them first and in this order.
 */
struct scale_memory {
  uint8_t *data; /* reserved address range; [0, size) is accessible */
  uint64_t size; /* bytes; always pages * 64 KiB */
  uint32_t pages;
  uint32_t max_pages;         /* min(declared max, engine cap) */
  bool has_max;               /* declared max present */
  uint32_t declared_max;      /* the type's max when has_max (for import matching) */
  size_t reserved;            /* bytes of address space reserved at data */
  struct scale__track *track; /* write tracking of a snapshot image (track.c); NULL when none */
};

/*
 * The first three fields are the layout AOT code sees as
 * wasm_rt_funcref_table_t / wasm_rt_externref_table_t; keep them first.
 * Read and write entries with scale__table_load/store (slot encoding).
 */
struct scale_table {
  void *data;        /* size entries: scale__ref_t (funcref) or void * (externref, NULL = null) */
  uint32_t max_size; /* declared max, UINT32_MAX when none */
  uint32_t size;
  /* The engine's max_table_elems when the table was made: table.grow fails past it on
   * both tiers alike (AOT code has no store at hand to ask). */
  uint32_t grow_cap;
  uint8_t elem_type; /* WASM_FUNCREF or WASM_EXTERNREF */
  bool has_max;
};

/* Bytes of one table entry. */
static inline size_t scale__table_entry_size(const scale_table_t *t) {
  return t->elem_type == WASM_FUNCREF ? sizeof(scale__ref_t) : sizeof(void *);
}

struct scale_global {
  scale_globaltype_t type;
  union {
    uint64_t value;   /* slot encoding, for every type but funcref */
    scale__ref_t ref; /* funcref globals (AOT code reads them in place) */
  };
};

/* Slot (scale_func_t * or NULL) for a reference; resolves AOT references. */
uint64_t scale__ref_to_slot_slow(const scale__ref_t *r);
static inline uint64_t scale__ref_to_slot(const scale__ref_t *r) {
  if (r->fn == scale__foreign_fn || !r->fn) return (uint64_t)(uintptr_t)(r->fn ? r->env : NULL);
  return scale__ref_to_slot_slow(r);
}
static inline scale__ref_t scale__slot_to_ref(uint64_t slot) {
  const scale_func_t *f = (const scale_func_t *)(uintptr_t)slot;
  if (f) return f->ref;
  scale__ref_t null_ref = {0, NULL, NULL};
  return null_ref;
}
static inline uint64_t scale__table_load(const scale_table_t *t, uint32_t i) {
  if (t->elem_type == WASM_FUNCREF) return scale__ref_to_slot(&((const scale__ref_t *)t->data)[i]);
  return (uint64_t)(uintptr_t)((void *const *)t->data)[i];
}
static inline void scale__table_store(scale_table_t *t, uint32_t i, uint64_t slot) {
  if (t->elem_type == WASM_FUNCREF)
    ((scale__ref_t *)t->data)[i] = scale__slot_to_ref(slot);
  else
    ((void **)t->data)[i] = (void *)(uintptr_t)slot;
}
/* Global value in slot encoding, and setting one (any type). */
static inline uint64_t scale__global_load(const scale_global_t *g) {
  return g->type.kind == SCALE_FUNCREF ? scale__ref_to_slot(&g->ref) : g->value;
}
static inline void scale__global_store(scale_global_t *g, uint64_t slot) {
  if (g->type.kind == SCALE_FUNCREF)
    g->ref = scale__slot_to_ref(slot);
  else
    g->value = slot;
}

struct scale_instance {
  scale_store_t *store;
  const scale_module_t *module;
  scale_func_t **funcs;           /* whole function index space, imports first */
  scale_table_t **tables;         /* whole table index space */
  scale_memory_t **memories;      /* whole memory index space (0 or 1 entries) */
  scale_global_t **globals;       /* whole global index space */
  const scale_functype_t **types; /* = module->types */
  bool *elem_dropped;             /* per element segment (passive dropped / active applied) */
  bool *data_dropped;             /* per data segment */
};

/*
 * Per-store execution state. The interpreter keeps its value stack and
 * frames here; it is allocated on the first call.
 */
typedef struct scale__exec {
  uint64_t *stack;     /* value stack base */
  uint64_t *stack_end; /* one past the last usable slot */
  size_t stack_bytes;  /* mapping size, for munmap */
  uint32_t depth;      /* current Wasm call depth across re-entries */
  uint32_t max_depth;
  uint64_t fuel;             /* remaining; UINT64_MAX = unlimited */
  void *aot_caller;          /* AOT: wasm2c state of the caller of a non-AOT table entry */
  uintptr_t aot_stack_limit; /* AOT: lowest frame address; must sit right before interrupt */
  atomic_int interrupt;      /* SCALE__INTERRUPT_* below; set from any thread */
  scale_trap_t *pending;     /* trap object raised by a host function, if any */
  uint64_t *sp;              /* interp: first free slot while a host call runs (NULL = stack) */
  int64_t aot_fuel;          /* AOT code's fuel counter while AOT code runs (see src/aot) */
} scale__exec_t;

/*
 * Values of exec.interrupt. Tiers check it for non-zero at function
 * entries and loop back edges. An interrupt is one-shot (the tier clears
 * it when it traps); a fired deadline stays set, so every later call traps
 * too, until scale_store_set_deadline re-arms or disarms it.
 */
enum { SCALE__INTERRUPT_NONE = 0, SCALE__INTERRUPT_REQUESTED = 1, SCALE__INTERRUPT_DEADLINE = 2 };

/*
 * Make running AOT code notice exec.interrupt at its next function entry
 * too (AOT code without fuel metering checks the stop flag only at loop
 * headers; every function prologue compares the frame address with the
 * stack limit, so a limit above every address stops it there). Call after
 * setting exec.interrupt, from any thread. The next entry into AOT code
 * resets the limit.
 */
static inline void scale__exec_poke(scale__exec_t *x) {
  __atomic_store_n(&x->aot_stack_limit, UINTPTR_MAX, __ATOMIC_RELAXED);
}

/*
 * Take the store off the deadline watchdog's queue and clear a fired
 * deadline (a pending interrupt stays). Thread-safe. Called on store
 * deletion so the watchdog never sees a freed store.
 */
void scale__deadline_disarm(scale_store_t *store);
/*
 * The same for the store's own thread between calls (pool acquire and
 * release): the store may stay queued, and the watchdog drops it when it
 * comes due, so this takes no lock unless a deadline is firing right now.
 * Not before deleting the store: use scale__deadline_disarm there.
 */
void scale__deadline_clear(scale_store_t *store);

struct scale_store {
  scale_engine_t *engine;
  scale__exec_t exec;
  /* Deadline watchdog bookkeeping (deadline.c). */
  _Atomic uint64_t deadline_at;  /* CLOCK_MONOTONIC ns it fires at; 0 = none, 1 = firing */
  _Atomic uint64_t deadline_key; /* time it is queued under; 0 = not queued (set under lock) */
  uint32_t deadline_slot;        /* index in the watchdog's heap + 1; 0 = not queued (under lock) */
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

/*
 * Call any function on slots, on whichever tier it has: AOT code, the
 * interpreter, or a host function (which sees @p caller). Returns 0 or the
 * trap code, the trap object left in store->exec.pending as for
 * scale__call_host. The one dispatch every calling path shares.
 */
int scale__invoke(scale_store_t *store, const scale_func_t *f, uint64_t *slots,
                  scale_instance_t *caller);

/* Build an owned trap object for a code (spec wording). Never NULL (a static OOM trap). */
scale_trap_t *scale__trap_from_code(scale_trap_code_t code);
/* Build an owned error; message formatted; offset -1 if none. Never NULL. */
scale_error_t *scale__error_new(int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the kind of @p err (not of the shared out-of-memory error); returns @p err. */
scale_error_t *scale__error_set_kind(scale_error_t *err, scale_error_kind_t kind);

/*
 * Memory grow shared by memory.grow and scale_memory_grow. Returns the old
 * page count or -1 when the limit or the engine cap would be exceeded.
 */
int64_t scale__memory_grow(scale_memory_t *mem, uint32_t delta);
/*
 * Copy-on-write images (snapshot.c). Map @p pages pages of the memfd @p fd
 * privately over the start of the memory's reserved range and make the
 * memory exactly that size; anything beyond becomes inaccessible zero
 * pages again. False when the image does not fit the memory's maximum or
 * a system call fails; the memory must then be discarded with its store.
 */
bool scale__memory_map_image(scale_memory_t *mem, int fd, uint32_t pages);
/*
 * Drop every private page of a memory mapped with scale__memory_map_image
 * (the image's contents reappear) and shrink it back to @p pages; pages
 * beyond read as zero when grown again. False when a system call fails.
 */
bool scale__memory_reset_image(scale_memory_t *mem, uint32_t pages);
/*
 * The same reset, copying back only the pages that differ from the image
 * (@p image: a read-only view of the image's @p pages pages) so the next
 * call takes no page faults; falls back to scale__memory_reset_image when
 * the process cannot find such pages (see scale__reset_mode). False when a
 * system call fails.
 */
bool scale__memory_restore_image(scale_memory_t *mem, const uint8_t *image, uint32_t pages);
/*
 * How resets find the pages a call wrote (dirty.c), chosen once per
 * process: write tracking by page protection (track.c), else PAGEMAP_SCAN
 * (Linux 6.7+), else reading /proc/self/pagemap, else none (drop every
 * private page). SCALE_RESET=track|scan|pagemap|madvise in the environment
 * forces one; a way the process lacks falls through to the next. In track
 * mode, memories that could not be tracked use the best scan.
 */
typedef enum {
  SCALE__RESET_MADVISE,
  SCALE__RESET_PAGEMAP,
  SCALE__RESET_SCAN,
  SCALE__RESET_TRACK /* write tracking (track.c), with the best scan for untracked memories */
} scale__reset_mode_t;
scale__reset_mode_t scale__reset_mode(void);
/* The scanning way in use (never SCALE__RESET_TRACK): for memories not tracked. */
scale__reset_mode_t scale__reset_scan_mode(void);
/* False where write tracking cannot work: TSan builds, valgrind (dirty.c says why). */
bool scale__track_supported(void);
const char *scale__reset_mode_name(scale__reset_mode_t mode);
/* Called per run of pages, offsets from the scanned base; false stops the scan. */
typedef bool (*scale__dirty_fn)(void *ctx, size_t off, size_t len);
/*
 * Call @p fn for each run of private (copied-on-write or anonymous) pages
 * in [base, base + len) of a MAP_PRIVATE file mapping: the pages that may
 * differ from the file. In SCALE__RESET_SCAN mode the range may extend
 * into anonymous memory, where the runs are the pages written (never the
 * shared zero page). Page-aligned arguments. False when the process has
 * no scanning mode, a read fails, or @p fn returned false.
 */
bool scale__dirty_each(uint8_t *base, size_t len, scale__dirty_fn fn, void *ctx);
/*
 * For the process's SIGSEGV handler: when @p addr lies in a read-only page of a write-tracked
 * memory (track.c), make that page writable, note it as written and return true, so the
 * faulting instruction can run again. False for any other address. Async-signal-safe.
 */
bool scale__memory_write_fault(void *addr);
/*
 * Write tracking (track.c). scale__memory_track makes [0, @p bytes) of a memory (its image,
 * just mapped) read-only and notes each page the first time it is written; false (and the
 * range writable, untracked) when that cannot be set up. scale__memory_untrack ends it
 * (memory deletion). scale__memory_track_reset copies the image back over every page noted
 * (1) when they are within @p budget bytes; otherwise, or when tracking broke, it drops the
 * private pages and starts afresh (0); -1 when a system call failed. Single-threaded per
 * memory, like every reset. scale__memory_tracked_bytes: bytes a reset would copy.
 */
bool scale__memory_track(scale_memory_t *mem, size_t bytes);
void scale__memory_untrack(scale_memory_t *mem);
int scale__memory_track_reset(scale_memory_t *mem, const uint8_t *image, size_t budget);
size_t scale__memory_tracked_bytes(const scale_memory_t *mem);
/*
 * Touch [p, p + len) of a guest memory for writing before a system call writes there (the
 * kernel would report EFAULT on a tracked page that was never written). The range must be
 * inside an accessible memory.
 */
void scale__memory_prepare_write(void *p, size_t len);
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
/*
 * Instantiate without initialising: resolve imports through @p linker,
 * create functions, tables, memories and globals (globals get their
 * initial values), but apply no element or data segment and run no start
 * function. scale_linker_instantiate is this followed by initialisation;
 * snapshots restore state into a bare instance instead.
 */
scale_error_t *scale__instantiate_bare(struct scale_linker *linker, scale_store_t *store,
                                       const scale_module_t *module, scale_instance_t **out);
/*
 * Snapshots (snapshot.c): the state of an initialised instance — memory
 * contents (in sealed memfds), memory sizes, globals, tables, dropped
 * segment flags — restored into bare instances of the same module in
 * other stores of the same engine. Only runtime objects are read or
 * written, never tier internals, so every tier shares them. Function
 * references are kept as function indices and resolved per instance.
 * A snapshot is immutable once taken and may be used from many threads.
 */
typedef struct scale__snapshot scale__snapshot_t;
/*
 * Capture @p inst. Errors when the instance imports a memory, table or
 * global (their state is not the instance's to capture), when a table or
 * global holds a function from outside the instance, or on out-of-memory
 * or a failed system call.
 */
scale_error_t *scale__snapshot_take(const scale_instance_t *inst, scale__snapshot_t **out);
/* Give @p inst (a bare instance of the snapshot's module) the snapshot's state. */
scale_error_t *scale__snapshot_restore(const scale__snapshot_t *snap, scale_instance_t *inst);
/*
 * Bring an instance that scale__snapshot_restore filled from @p snap back
 * to the snapshot's state; cost is proportional to the pages the instance
 * touched, not to its memory size. On error the instance is unusable.
 */
scale_error_t *scale__snapshot_reset(const scale__snapshot_t *snap, scale_instance_t *inst);
/* Release a snapshot. NULL is a no-op. */
void scale__snapshot_delete(scale__snapshot_t *snap);

/* Convert between API values and slots. */
uint64_t scale__val_to_slot(const scale_val_t *v);
scale_val_t scale__slot_to_val(uint64_t slot, uint8_t kind);

#endif
