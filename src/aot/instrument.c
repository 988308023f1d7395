/*
 * Inserting fuel and stop checks into function bodies.
 *
 * A check goes at function entry and right after the block type of every
 * `loop`: every path that runs unboundedly long passes a loop header or a
 * call (whose callee starts with a check), so fuel is charged for all
 * work. Each check charges the number of original instructions up to the
 * next check in linear code order, an approximation the runtime accepts.
 *
 * Stop-only builds (no fuel) leave out the check of a loop whose body
 * starts with straight-line code that calls a function of the module:
 * every iteration then enters a prologue of generated code, which compares
 * the stack pointer with the stack limit, and the runtime interrupts by
 * raising that limit (src/runtime/runtime.h, scale__exec_poke). Besides
 * saving a load and a branch per iteration, this lets the C compiler
 * inline recursion such as fib's, which a check in the loop prevents.
 *
 * The body is walked with the decoder's instruction reader, so this file
 * never disagrees with the validator on where an instruction ends. Apart
 * from the inserted checks the bytes are copied unchanged.
 */
#include "aot/instrument.h"

#include <stdlib.h>

#include "wasm/decode/reader.h"

void scale__aot_instr_scratch_release(scale__aot_instr_scratch_t *s) {
  free(s->cps);
  s->cps = NULL;
  s->count = s->cap = 0;
}

static bool push_checkpoint(scale__aot_instr_scratch_t *s, size_t pos, scale__aot_buf_t *out) {
  if (s->count == s->cap) {
    /* At most one checkpoint per two code bytes, so this stays far below SIZE_MAX. */
    size_t cap = s->cap ? s->cap * 2 : 64;
    scale__aot_checkpoint_t *p = realloc(s->cps, cap * sizeof *p);
    if (!p) {
      scale__aot_buf_fail(out, "out of memory");
      return false;
    }
    s->cps = p;
    s->cap = cap;
  }
  s->cps[s->count].pos = pos;
  s->cps[s->count].count = 0;
  s->cps[s->count].skip = false;
  s->count++;
  return true;
}

/* Instructions that end straight-line code: every control instruction
 * (unreachable, block ... br_table, return, tail calls, exceptions), but
 * not nop, call, call_indirect, drop and select. */
static bool ends_straight_line(uint32_t op) {
  return op <= 0x19 && op != 0x01 && op != 0x10 && op != 0x11;
}

/* Pass 1: where the checks go, what each one charges, and (stop-only)
 * which loop checks a call to a function of the module makes redundant. */
static bool find_checkpoints(const uint8_t *base, const uint8_t *code, const uint8_t *end,
                             uint32_t import_funcs, scale__aot_instr_scratch_t *s,
                             scale__aot_buf_t *out) {
  wasm_diag_t diag = {0};
  wasm_reader_t r = {base, code, end, "unexpected end", &diag};
  s->count = 0;
  if (!push_checkpoint(s, 0, out)) return false;
  bool open = false; /* the last loop's body is still straight-line code */
  while (r.p < end) {
    wasm_instr_t in;
    if (!scale__wasm_instr_read(&r, &in)) {
      scale__aot_buf_fail(out, "cannot decode an instruction of a validated body");
      return false;
    }
    s->cps[s->count - 1].count++; /* a loop opcode counts before its own check */
    if (open && in.op == 0x10 && in.a >= import_funcs) {
      s->cps[s->count - 1].skip = true;
      open = false;
    } else if (open && ends_straight_line(in.op)) {
      open = false;
    }
    if (in.op == 0x03) {
      if (!push_checkpoint(s, (size_t)(r.p - code), out)) return false;
      open = true;
    }
  }
  return true;
}

bool scale__aot_instrument(const uint8_t *base, const uint8_t *code, const uint8_t *end,
                           uint32_t fuel, uint32_t stop, bool meter, uint32_t import_funcs,
                           scale__aot_instr_scratch_t *s, scale__aot_buf_t *out) {
  if (!find_checkpoints(base, code, end, import_funcs, s, out)) return false;
  size_t code_len = (size_t)(end - code);
  size_t copied = 0;
  for (size_t i = 0; i < s->count; i++) {
    const scale__aot_checkpoint_t *cp = &s->cps[i];
    scale__aot_buf_bytes(out, code + copied, cp->pos - copied);
    copied = cp->pos;
    uint64_t k = cp->count ? cp->count : 1;
    if (!meter && (cp->pos == 0 || cp->skip))
      continue; /* entry, or a loop that calls: the stack limit interrupts those (see above) */
    if (!meter) {
      /* Interruption only (deadline, interrupt): global.get S; if; unreachable; end.
       * A load and a branch: no store and no dependency from one check to the next. */
      scale__aot_buf_byte(out, 0x23);
      scale__aot_buf_u32(out, stop);
      static const uint8_t only_tail[] = {0x04, 0x40, 0x00, 0x0b};
      scale__aot_buf_bytes(out, only_tail, sizeof only_tail);
      continue;
    }
    /* global.get F; i64.const K; i64.sub; global.set F */
    scale__aot_buf_byte(out, 0x23);
    scale__aot_buf_u32(out, fuel);
    scale__aot_buf_byte(out, 0x42);
    scale__aot_buf_s64(out, (int64_t)k);
    scale__aot_buf_byte(out, 0x7d);
    scale__aot_buf_byte(out, 0x24);
    scale__aot_buf_u32(out, fuel);
    /* global.get F; i64.const 0; i64.lt_s; global.get S; i32.or */
    scale__aot_buf_byte(out, 0x23);
    scale__aot_buf_u32(out, fuel);
    scale__aot_buf_byte(out, 0x42);
    scale__aot_buf_byte(out, 0x00);
    scale__aot_buf_byte(out, 0x53);
    scale__aot_buf_byte(out, 0x23);
    scale__aot_buf_u32(out, stop);
    scale__aot_buf_byte(out, 0x72);
    /* if (empty); unreachable; end */
    static const uint8_t tail[] = {0x04, 0x40, 0x00, 0x0b};
    scale__aot_buf_bytes(out, tail, sizeof tail);
  }
  scale__aot_buf_bytes(out, code + copied, code_len - copied);
  return out->error == NULL;
}
