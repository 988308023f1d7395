/*
 * Translator state shared by the translator's files (compile.c: control
 * flow, locals, calls; compile_ops.c: numeric, memory, table ops). Never
 * included outside src/wasm/interp.
 */
#ifndef SCALE_WASM_INTERP_COMPILE_H
#define SCALE_WASM_INTERP_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm/interp/code.h"

#define CNONE UINT32_MAX

/* Where a value of the virtual operand stack lives. */
enum { V_TEMP, V_LOCAL, V_CONST };
typedef struct vval {
  uint8_t kind;
  uint32_t slot;  /* TEMP / LOCAL: frame slot */
  uint32_t local; /* LOCAL: local index (for reference counts) */
  uint64_t bits;  /* CONST */
} vval_t;

/* Bounded reader over a function body. */
typedef struct rd {
  const uint8_t *p, *end;
  bool bad;
} rd_t;

/* What the last emitted instruction was, for fusing with the next one. */
enum { LAST_NONE, LAST_VALUE, LAST_CMP, LAST_EQZ, LAST_ADDI };

typedef struct comp {
  const wasm_module_t *m;
  const void *const *h; /* handler addresses */
  rd_t rd;
  bool oom;

  uint32_t *code;
  uint32_t len, cap;

  vval_t *vs;
  uint32_t vh, vcap, max_h;
  uint32_t *refs; /* per local: LOCAL entries on the virtual stack */
  uint32_t nlocals_all;
  uint32_t np, nr, rec, nlx, tbase;

  /* Peephole: the last instruction wrote its result into T(last_h). */
  int last;
  uint32_t last_start, last_end, last_h, last_dst;
  uint32_t last_cmp; /* compare index 0..9 */
  bool last_64, last_imm;
  uint32_t last_a, last_b;

  /* Superinstruction fusion (see SCALE_INTERP_PAIRS in code.h). */
  uint32_t barrier;    /* latest jump target: never fuse across it */
  uint32_t prev_start; /* last emitted instruction: handler word, end, op */
  uint32_t prev_end;
  int prev_op;
  uint32_t prev2_start, prev2_end; /* the one before it, to restore when the last is dropped */
  int prev2_op;
  uint32_t fused_a;                /* if the last emit was fused: start of its first half, */
  int fused_a_op;                  /* that half's own op, */
  uint32_t fused_b;                /* and where the second half's operands begin (else CNONE) */
  uint32_t prev_dst;               /* operand 0 of the last emitted part: a linked chain's input */
  uint32_t prev2_dst, fused_a_dst; /* the same, to restore with prev2 / fused_a */

  uint32_t fuel_word; /* word to patch with the count, CNONE = code->fuel_entry */
  uint32_t fuel_count;
  uint32_t fuel_entry;
} comp_t;

static inline uint32_t comp_temp(const comp_t *c, uint32_t h) {
  return c->tbase + h;
}

uint8_t scale__interp_rd_u8(rd_t *r);
uint32_t scale__interp_rd_u32(rd_t *r);
int64_t scale__interp_rd_sleb(rd_t *r, unsigned bits);

/* Emit an instruction with n operand words; returns the index of operand 0. */
uint32_t scale__interp_emit(comp_t *c, int op, const uint32_t *w, uint32_t n);
/* Drop the instruction starting at `start` (the last one emitted), undoing a fusion. */
void scale__interp_unemit(comp_t *c, uint32_t start);
/* A jump may land at the current position: fusion must not cross it. */
static inline void comp_label(comp_t *c) {
  c->barrier = c->len;
  c->prev_op = -1;
  c->prev2_op = -1;
}
void scale__interp_push(comp_t *c, vval_t v);
vval_t scale__interp_pop(comp_t *c);
/* Slot holding `v` (popped from height h), emitting a constant load if needed. */
uint32_t scale__interp_use(comp_t *c, vval_t v, uint32_t h);
/* Push T(h) as the result of the instruction just emitted (dst operand at word `dst`). */
void scale__interp_result(comp_t *c, uint32_t start, uint32_t dst);

/* True when the top of the stack is the result of the instruction just emitted. */
bool scale__interp_fresh(const comp_t *c);

/* Numeric, memory, table and bulk ops; false if `op` is not one of them. */
bool scale__interp_compile_op(comp_t *c, uint8_t op);

#define EMIT(c, op, ...)                                                                           \
  scale__interp_emit((c), IOP_##op, (const uint32_t[]){__VA_ARGS__},                               \
                     (uint32_t)(sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)))

#endif
