/*
 * The binary interface between Scale's runtime and an AOT object (a shared
 * object built from wasm2c output plus generated glue). The runtime fills a
 * table of services (scale_aot_vt_t) and hands it to the object; the object
 * exports one descriptor (scale_aot_desc_t) named SCALE_AOT_DESC_SYMBOL.
 * This header is compiled into both sides: it is copied next to the glue
 * when an object is built. Change SCALE_AOT_ABI whenever it changes: the
 * cache key includes it, so stale objects are rebuilt.
 */
#ifndef SCALE_AOT_H
#define SCALE_AOT_H

#include <stddef.h>
#include <stdint.h>

#define SCALE_AOT_ABI 1
#define SCALE_AOT_DESC_SYMBOL "scale_aot_module_v1"

struct scale_aot_ctx; /* the runtime's record of one AOT instance; opaque here */

/*
 * The per-instance record the generated code reaches as
 * instance->Z_s_instance (every import of a prepared module comes from
 * module "s"). `self` is first because wasm2c 1.0.32 passes, for imported
 * functions placed in tables by element segments, a pointer to the field
 * holding this record instead of the record itself: the import trampolines
 * dereference the first word either way and land here.
 */
#define SCALE_AOT_LINK_FIELDS                                                                      \
  void *self;                                                                                      \
  struct scale_aot_ctx *ctx;

typedef struct scale_aot_link {
  SCALE_AOT_LINK_FIELDS
} scale_aot_link_t;

/* Services of the runtime, called by generated code and glue. */
typedef struct scale_aot_vt {
  /* Unwind to the innermost runtime entry with wasm_rt_trap_t `code`. */
  void (*trap)(int code) __attribute__((noreturn));
  /* Process-wide type id of a signature given as Scale value kinds. */
  uint32_t (*type_id)(const uint8_t *kinds, uint32_t nparams, uint32_t nresults);
  /* memory.grow / table.grow on runtime objects: old size or UINT32_MAX. */
  uint32_t (*memory_grow)(void *memory, uint32_t delta);
  uint32_t (*table_grow)(void *table, uint32_t delta, const void *init_entry);
  /* Call imported function `index` of the instance; slots hold the
   * arguments and receive the results. Traps unwind (never returns on trap). */
  void (*call_import)(struct scale_aot_ctx *ctx, uint32_t index, uint64_t *slots);
  /* Call a non-AOT function object (scale_func_t *) reached through a table. */
  void (*call_func)(void *func, uint64_t *slots);
  /* Storage of the instance's memory/table/global `index` (imports and definitions alike). */
  void *(*memory)(struct scale_aot_ctx *ctx, uint32_t index);
  void *(*table)(struct scale_aot_ctx *ctx, uint32_t index);
  void *(*global)(struct scale_aot_ctx *ctx, uint32_t index);
  /* The store's fuel counter (int64_t) and stop flag (uint32_t). */
  void *(*fuel)(struct scale_aot_ctx *ctx);
  void *(*stop)(struct scale_aot_ctx *ctx);
  /* Reference conversions between 64-bit slots (scale_func_t *) and table entries. */
  void (*slot_to_ref)(uint64_t slot, void *entry_out);
  uint64_t (*ref_to_slot)(const void *entry);
  /* Marker value of entry.func for non-AOT functions. */
  void (*foreign)(void);
} scale_aot_vt_t;

typedef void (*scale_aot_entry_t)(void *instance, uint64_t *slots);

typedef struct scale_aot_desc {
  uint32_t abi;        /* SCALE_AOT_ABI */
  const char *key;     /* the cache key the object was built for */
  uint32_t func_count; /* whole function index space */
  uint32_t import_func_count;
  size_t instance_size; /* bytes of wasm2c's instance struct */
  /* Bind the runtime's services and register the module's types (once). */
  void (*bind)(const scale_aot_vt_t *vt);
  /* Fill wasm2c's instance struct; `link` is the instance's scale_aot_link_t. */
  void (*instantiate)(void *instance, scale_aot_link_t *link);
  /* Per defined function: call it on slots (arguments in, results out). */
  const scale_aot_entry_t *entries;
  /* Per function (imports too): the code pointer generated code uses in
   * references to it, so the runtime can map references back to functions. */
  void (*const *code)(void);
} scale_aot_desc_t;

#endif
