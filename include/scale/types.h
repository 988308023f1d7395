/**
 * @file scale/types.h
 * @brief Value types, values, function types and limits shared by the API.
 *
 * Everything here is plain data: no hidden allocation except in
 * scale_functype_new(), whose result is owned by the caller.
 */
#ifndef SCALE_TYPES_H
#define SCALE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Value types, numbered as in the Wasm binary format. */
typedef enum scale_valkind {
  SCALE_I32 = 0x7f,
  SCALE_I64 = 0x7e,
  SCALE_F32 = 0x7d,
  SCALE_F64 = 0x7c,
  SCALE_V128 = 0x7b, /**< reserved; SIMD is not supported yet */
  SCALE_FUNCREF = 0x70,
  SCALE_EXTERNREF = 0x6f,
} scale_valkind_t;

typedef struct scale_func scale_func_t;
typedef struct scale_memory scale_memory_t;
typedef struct scale_table scale_table_t;
typedef struct scale_global scale_global_t;

/**
 * A typed Wasm value. Floats are carried as their IEEE-754 bits' natural C
 * type; NaN payloads are preserved bit for bit by the runtime.
 * A funcref is a store-owned function or NULL; an externref is any host
 * pointer, NULL being the null reference.
 */
typedef struct scale_val {
  scale_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    scale_func_t *funcref;
    void *externref;
  } of;
} scale_val_t;

/** Shorthand constructors (no allocation). */
static inline scale_val_t scale_val_i32(int32_t v) {
  scale_val_t r;
  r.kind = SCALE_I32;
  r.of.i64 = 0;
  r.of.i32 = v;
  return r;
}
static inline scale_val_t scale_val_i64(int64_t v) {
  scale_val_t r;
  r.kind = SCALE_I64;
  r.of.i64 = v;
  return r;
}
static inline scale_val_t scale_val_f32(float v) {
  scale_val_t r;
  r.kind = SCALE_F32;
  r.of.i64 = 0;
  r.of.f32 = v;
  return r;
}
static inline scale_val_t scale_val_f64(double v) {
  scale_val_t r;
  r.kind = SCALE_F64;
  r.of.f64 = v;
  return r;
}

/** Kinds of import and export. Numbered as in the binary format. */
typedef enum scale_externkind {
  SCALE_EXTERN_FUNC = 0,
  SCALE_EXTERN_TABLE = 1,
  SCALE_EXTERN_MEMORY = 2,
  SCALE_EXTERN_GLOBAL = 3,
} scale_externkind_t;

/** An extern: one of the four kinds of importable object, owned by a store. */
typedef struct scale_extern {
  scale_externkind_t kind;
  union {
    scale_func_t *func;
    scale_table_t *table;
    scale_memory_t *memory;
    scale_global_t *global;
  } of;
} scale_extern_t;

/**
 * A function type. Opaque; created by scale_functype_new() or borrowed from
 * a module or func (borrowed ones live as long as their owner).
 */
typedef struct scale_functype scale_functype_t;

/**
 * Create a function type.
 * @param params   parameter kinds (may be NULL when nparams is 0); copied.
 * @param results  result kinds (may be NULL when nresults is 0); copied.
 * @return an owned type, or NULL on out-of-memory or when a count exceeds
 *         SCALE_MAX_FUNC_PARAMS / SCALE_MAX_FUNC_RESULTS.
 * Thread-safe.
 */
scale_functype_t *scale_functype_new(const scale_valkind_t *params, size_t nparams,
                                     const scale_valkind_t *results, size_t nresults);
/** Release a type made by scale_functype_new(). NULL is a no-op. */
void scale_functype_delete(scale_functype_t *type);
/** Number of parameters. */
size_t scale_functype_param_count(const scale_functype_t *type);
/** Number of results. */
size_t scale_functype_result_count(const scale_functype_t *type);
/** Kind of parameter @p i (i < param count). */
scale_valkind_t scale_functype_param(const scale_functype_t *type, size_t i);
/** Kind of result @p i (i < result count). */
scale_valkind_t scale_functype_result(const scale_functype_t *type, size_t i);

/** Limits of a memory (in 64 KiB pages) or a table (in elements). */
typedef struct scale_limits {
  uint32_t min;
  uint32_t max;
  bool has_max;
} scale_limits_t;

/** Type of a global. */
typedef struct scale_globaltype {
  scale_valkind_t kind;
  bool mutable_;
} scale_globaltype_t;

/** Type of a table. */
typedef struct scale_tabletype {
  scale_valkind_t elem; /**< SCALE_FUNCREF or SCALE_EXTERNREF */
  scale_limits_t limits;
} scale_tabletype_t;

/** Type of a memory. */
typedef struct scale_memorytype {
  scale_limits_t limits;
} scale_memorytype_t;

/**
 * Description of one import or export of a module. Names are UTF-8, not
 * NUL-terminated (use the lengths); they and `func` point into the module
 * and live as long as it does.
 */
typedef struct scale_externdesc {
  const char *module; /**< import module name; NULL for exports */
  size_t module_len;
  const char *name;
  size_t name_len;
  scale_externkind_t kind;
  union {
    const scale_functype_t *func;
    scale_tabletype_t table;
    scale_memorytype_t memory;
    scale_globaltype_t global;
  } type;
} scale_externdesc_t;

/** Lower-case name of a value kind ("i32", "funcref", ...); never NULL. */
const char *scale_valkind_name(scale_valkind_t kind);

#ifdef __cplusplus
}
#endif
#endif
