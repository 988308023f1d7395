/*
 * The decoded form of a Wasm module: what the decoder produces, the
 * validator checks, the compilers translate and the runtime instantiates.
 *
 * It is plain data. Every pointer into the binary points into `bytes`, the
 * module's own copy, so the struct is self-contained. Nothing here is
 * mutated after validation; a validated module may be read from any thread.
 */
#ifndef SCALE_WASM_MODULE_H
#define SCALE_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types (binary encoding). */
enum {
  WASM_I32 = 0x7f,
  WASM_I64 = 0x7e,
  WASM_F32 = 0x7d,
  WASM_F64 = 0x7c,
  WASM_V128 = 0x7b,
  WASM_FUNCREF = 0x70,
  WASM_EXTERNREF = 0x6f,
};

/* External kinds (binary encoding). */
enum {
  WASM_EXTERN_FUNC = 0,
  WASM_EXTERN_TABLE = 1,
  WASM_EXTERN_MEMORY = 2,
  WASM_EXTERN_GLOBAL = 3,
};

typedef struct wasm_functype {
  uint32_t param_count;
  uint32_t result_count;
  uint8_t *types; /* param_count params, then result_count results */
} wasm_functype_t;

static inline const uint8_t *wasm_functype_params(const wasm_functype_t *t) {
  return t->types;
}
static inline const uint8_t *wasm_functype_results(const wasm_functype_t *t) {
  return t->types + t->param_count;
}

typedef struct wasm_limits {
  uint32_t min;
  uint32_t max;
  bool has_max;
} wasm_limits_t;

typedef struct wasm_tabletype {
  uint8_t elem_type; /* WASM_FUNCREF or WASM_EXTERNREF */
  wasm_limits_t limits;
} wasm_tabletype_t;

typedef struct wasm_globaltype {
  uint8_t type;
  bool mutable_;
} wasm_globaltype_t;

/*
 * A constant expression as Wasm 2.0 allows it: one constant or
 * global.get / ref.null / ref.func, then `end`.
 */
typedef enum wasm_const_kind {
  WASM_CONST_I32,
  WASM_CONST_I64,
  WASM_CONST_F32,
  WASM_CONST_F64,
  WASM_CONST_GLOBAL_GET, /* index in `index` */
  WASM_CONST_REF_NULL,   /* reference type in `ref_type` */
  WASM_CONST_REF_FUNC,   /* function index in `index` */
} wasm_const_kind_t;

typedef struct wasm_const_expr {
  wasm_const_kind_t kind;
  uint8_t ref_type;
  uint32_t index;
  uint64_t bits;   /* the value for the numeric kinds (floats as bit patterns) */
  uint32_t offset; /* byte offset of the expression in the binary */
} wasm_const_expr_t;

typedef struct wasm_import {
  const char *module; /* not NUL-terminated; points into bytes */
  uint32_t module_len;
  const char *name;
  uint32_t name_len;
  uint8_t kind; /* WASM_EXTERN_* */
  union {
    uint32_t func_type; /* type index */
    wasm_tabletype_t table;
    wasm_limits_t memory;
    wasm_globaltype_t global;
  } desc;
} wasm_import_t;

typedef struct wasm_export {
  const char *name; /* not NUL-terminated; points into bytes */
  uint32_t name_len;
  uint8_t kind;
  uint32_t index;
} wasm_export_t;

/* A function defined in the module (imports are not in this array). */
typedef struct wasm_func {
  uint32_t type_index;
  /* Locals beyond the parameters, run-length as in the binary. */
  uint32_t local_decl_count;
  struct wasm_local_decl {
    uint32_t count;
    uint8_t type;
  } * local_decls;
  uint32_t local_count; /* total locals beyond the parameters */
  const uint8_t *code;  /* the expression: first opcode to final `end`, inclusive */
  uint32_t code_len;
  uint32_t code_offset; /* byte offset of `code` in the binary */
} wasm_func_t;

typedef struct wasm_global {
  wasm_globaltype_t type;
  wasm_const_expr_t init;
} wasm_global_t;

typedef enum wasm_segment_mode {
  WASM_SEGMENT_ACTIVE,
  WASM_SEGMENT_PASSIVE,
  WASM_SEGMENT_DECLARATIVE,
} wasm_segment_mode_t;

typedef struct wasm_elem {
  wasm_segment_mode_t mode;
  uint32_t table_index;
  wasm_const_expr_t offset; /* active only */
  uint8_t elem_type;        /* WASM_FUNCREF or WASM_EXTERNREF */
  uint32_t count;
  wasm_const_expr_t *items; /* count items; func indices become REF_FUNC */
} wasm_elem_t;

typedef struct wasm_data {
  wasm_segment_mode_t mode; /* ACTIVE or PASSIVE */
  uint32_t memory_index;
  wasm_const_expr_t offset; /* active only */
  const uint8_t *bytes;     /* points into the module's bytes */
  uint32_t len;
} wasm_data_t;

typedef struct wasm_module {
  uint8_t *bytes; /* owned copy of the binary */
  size_t len;

  uint32_t type_count;
  wasm_functype_t *types;

  uint32_t import_count;
  wasm_import_t *imports;
  /* Counts of imports by kind; imported entities come first in each index space. */
  uint32_t imported_func_count;
  uint32_t imported_table_count;
  uint32_t imported_memory_count;
  uint32_t imported_global_count;

  uint32_t func_count; /* defined functions */
  wasm_func_t *funcs;

  uint32_t table_count; /* defined tables */
  wasm_tabletype_t *tables;

  uint32_t memory_count; /* defined memories */
  wasm_limits_t *memories;

  uint32_t global_count; /* defined globals */
  wasm_global_t *globals;

  uint32_t export_count;
  wasm_export_t *exports;

  bool has_start;
  uint32_t start_func;

  uint32_t elem_count;
  wasm_elem_t *elems;

  bool has_data_count;
  uint32_t data_count;

  uint32_t data_seg_count;
  wasm_data_t *datas;

  /*
   * Functions referenced by ref.func outside function bodies (element
   * segments, global initialisers, exports): the only ones ref.func may
   * name inside a body. One bit per function index.
   */
  uint8_t *declared_funcs;

  /*
   * Positions in `imports` grouped by kind, so the index-space helpers run
   * in constant time: the imported functions' positions first (in order),
   * then tables, memories, globals. import_count entries; filled by the decoder.
   */
  uint32_t *import_by_kind;
} wasm_module_t;

/* Index-space helpers: they resolve imports and definitions alike. */
uint32_t wasm_module_total_funcs(const wasm_module_t *m);
uint32_t wasm_module_total_tables(const wasm_module_t *m);
uint32_t wasm_module_total_memories(const wasm_module_t *m);
uint32_t wasm_module_total_globals(const wasm_module_t *m);
/* Type of function @p index (imported or defined); index must be in range. */
const wasm_functype_t *wasm_module_func_type(const wasm_module_t *m, uint32_t index);
/* Type of table / memory / global @p index (imported or defined). */
wasm_tabletype_t wasm_module_table_type(const wasm_module_t *m, uint32_t index);
wasm_limits_t wasm_module_memory_type(const wasm_module_t *m, uint32_t index);
wasm_globaltype_t wasm_module_global_type(const wasm_module_t *m, uint32_t index);

/*
 * Decoding and validation results: a static message worded as the spec
 * test suite words it, and the byte offset where it was found.
 */
typedef struct wasm_diag {
  const char *message; /* NULL when there is no error */
  size_t offset;
  char detail[160]; /* optional extra context ("in function 3"), may be empty */
} wasm_diag_t;

/*
 * Decode a binary module. Copies `bytes`. On failure returns false with
 * `diag` filled (e.g. "unexpected end", "magic header not detected",
 * "integer too large") and *out untouched.
 */
bool wasm_module_decode(const uint8_t *bytes, size_t len, wasm_module_t **out, wasm_diag_t *diag);

/*
 * Validate a decoded module (types of all function bodies, constant
 * expressions, indices, limits, exports...). Returns false with `diag`
 * filled (e.g. "type mismatch", "unknown global") on failure.
 */
bool wasm_module_validate(const wasm_module_t *m, wasm_diag_t *diag);

/* Free a module and all it owns. NULL is a no-op. */
void wasm_module_free(wasm_module_t *m);

#endif
