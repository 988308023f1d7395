/*
 * Fuel and stop checks for the AOT tier: the function-body rewrite of the
 * prepare pass (see aot/prepare.h for the exact sequence inserted).
 */
#ifndef SCALE_AOT_INSTRUMENT_H
#define SCALE_AOT_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aot/encode.h"

typedef struct scale__aot_checkpoint {
  size_t pos;     /* byte offset in the code where the check goes */
  uint64_t count; /* K: original instructions from here to the next checkpoint */
  bool skip;      /* stop-only builds need no check here (a loop whose body calls) */
} scale__aot_checkpoint_t;

/* Reusable scratch, so instrumenting many bodies allocates once. */
typedef struct scale__aot_instr_scratch {
  scale__aot_checkpoint_t *cps;
  size_t count;
  size_t cap;
} scale__aot_instr_scratch_t;

void scale__aot_instr_scratch_release(scale__aot_instr_scratch_t *s);

/*
 * Append the instructions [code, end) of one validated function body to
 * `out`, with a check at entry and after every `loop` block type (stop-only
 * builds, !meter: no entry check, and no check for a loop whose body starts
 * with straight-line code calling a function index >= `import_funcs`).
 * `base` is the start of the module (only for diagnostics). `fuel` and
 * `stop` are the two global indices. On failure returns false with
 * out->error set.
 */
bool scale__aot_instrument(const uint8_t *base, const uint8_t *code, const uint8_t *end,
                           uint32_t fuel, uint32_t stop, bool meter, uint32_t import_funcs,
                           scale__aot_instr_scratch_t *s, scale__aot_buf_t *out);

#endif
