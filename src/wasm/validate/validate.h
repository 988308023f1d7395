/*
 * Internal interface between the module-level checks (validate.c) and the
 * instruction-level checks (code.c). Not part of any contract.
 */
#ifndef SCALE_WASM_VALIDATE_H
#define SCALE_WASM_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/decode/reader.h"
#include "wasm/module.h"

/* One entry of the control stack. */
typedef struct scale__vframe {
  uint8_t kind; /* 0 = function, 0x02 block, 0x03 loop, 0x04 if, 0x05 else */
  bool unreachable;
  uint32_t height; /* operand stack height at entry */
  const uint8_t *params;
  const uint8_t *results;
  uint32_t param_count;
  uint32_t result_count;
} scale__vframe_t;

/* Everything the checks need, resolved once per module, plus scratch stacks reused across
 * functions. */
typedef struct scale__vctx {
  const wasm_module_t *m;
  wasm_diag_t *diag;
  uint32_t func_total, table_total, memory_total, global_total;
  const wasm_functype_t **func_types; /* per function index; NULL if its type index is unknown */
  wasm_tabletype_t *tables;
  wasm_globaltype_t *globals;

  uint8_t *vals; /* operand stack: value types, 0 = unknown (polymorphic) */
  size_t val_count, val_cap;
  scale__vframe_t *ctrls;
  size_t ctrl_count, ctrl_cap;
  bool type_error; /* the last failed function failed a type (not a decoding) check */
  uint8_t *locals; /* type of each local of the current function */
  size_t local_count;
} scale__vctx_t;

/* Record an error (first one wins); always returns false. */
bool scale__validate_fail(scale__vctx_t *v, size_t offset, const char *msg);

/*
 * Check the constant expression at `e->offset` has type `type`. Only the
 * first `global_limit` globals may be read (the imported ones, in Wasm 2.0).
 */
bool scale__validate_const(scale__vctx_t *v, const wasm_const_expr_t *e, uint8_t type,
                           uint32_t global_limit);

/* Check the body of defined function `defined_index`. */
bool scale__validate_func(scale__vctx_t *v, uint32_t defined_index);

/* Only decode the body of defined function `defined_index` (no type checks). */
bool scale__validate_scan(scale__vctx_t *v, uint32_t defined_index);

#endif
