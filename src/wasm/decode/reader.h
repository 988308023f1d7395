/*
 * Bounded byte reader shared by the decoder and the validator, and the
 * decoding of one instruction's immediates.
 *
 * Every read checks `end` first; a failed read records the spec suite's
 * message and the offset (relative to `base`) in `diag` and returns false.
 * The first error wins: later failures never overwrite it.
 */
#ifndef SCALE_WASM_DECODE_READER_H
#define SCALE_WASM_DECODE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/leb128.h"
#include "wasm/module.h"

typedef struct wasm_reader {
  const uint8_t *base; /* start of the module: offsets are relative to it */
  const uint8_t *p;
  const uint8_t *end;
  const char *eos; /* message for input that ends too early */
  wasm_diag_t *diag;
} wasm_reader_t;

/* Record `msg` at `at` (if no error is recorded yet); always returns false. */
bool scale__wasm_fail(wasm_reader_t *r, const uint8_t *at, const char *msg);

/* Record the error for a failed LEB128 read at r->p. */
bool scale__wasm_leb_fail(wasm_reader_t *r, scale_leb_status_t st);

static inline bool scale__wasm_u8(wasm_reader_t *r, uint8_t *out) {
  if (r->p >= r->end) {
    scale__wasm_fail(r, r->end, r->eos);
    return false;
  }
  *out = *r->p++;
  return true;
}

static inline bool scale__wasm_u32(wasm_reader_t *r, uint32_t *out) {
  if (r->p < r->end && *r->p < 0x80) { /* the common one-byte case */
    *out = *r->p++;
    return true;
  }
  scale_leb_status_t st = scale__leb128_read_u32(&r->p, r->end, out);
  if (st == SCALE_LEB_OK) return true;
  scale__wasm_leb_fail(r, st);
  return false;
}

/* Read `n` raw bytes; *out points at them. */
static inline bool scale__wasm_bytes(wasm_reader_t *r, size_t n, const uint8_t **out) {
  if ((size_t)(r->end - r->p) < n) {
    scale__wasm_fail(r, r->end, r->eos);
    return false;
  }
  *out = r->p;
  r->p += n;
  return true;
}

/* A length or count: a u32 that must not exceed the bytes left ("length out of bounds"). */
bool scale__wasm_len(wasm_reader_t *r, uint32_t *out);

/* A value type byte (i32, i64, f32, f64, funcref, externref): "malformed value type" otherwise. */
bool scale__wasm_valtype(wasm_reader_t *r, uint8_t *out);

/* A reference type byte: "malformed reference type" otherwise. */
bool scale__wasm_reftype(wasm_reader_t *r, uint8_t *out);

static inline bool scale__wasm_is_valtype(uint8_t t) {
  return t == WASM_I32 || t == WASM_I64 || t == WASM_F32 || t == WASM_F64 || t == WASM_FUNCREF ||
         t == WASM_EXTERNREF;
}

/* Opcodes after the 0xfc prefix are numbered 0xfc00 + sub-opcode. */
#define WASM_OP_PREFIX_FC 0xfc00u

enum { WASM_BT_EMPTY, WASM_BT_VAL, WASM_BT_INDEX };

/* One decoded instruction: the opcode and its immediates. */
typedef struct wasm_instr {
  uint32_t op;          /* one-byte opcode, or WASM_OP_PREFIX_FC + sub-opcode */
  const uint8_t *at;    /* the opcode's first byte */
  uint32_t a, b;        /* index immediates; memarg: a = align exponent, b = offset */
  uint64_t bits;        /* constants (floats as bit patterns) */
  uint8_t bt_kind;      /* block/loop/if: WASM_BT_* ; the type byte or index is in `a` */
  const uint8_t *table; /* br_table: `a` label LEBs, default in `b`; select t*: `a` type bytes */
} wasm_instr_t;

/*
 * Decode one instruction at r->p: checks the opcode is known (Wasm 2.0
 * without SIMD: "illegal opcode" otherwise), reads and bounds-checks all
 * immediates, reserved zero bytes ("zero byte expected") and type bytes.
 * Does not check indices or types: that is the validator's job.
 */
bool scale__wasm_instr_read(wasm_reader_t *r, wasm_instr_t *out);

#endif
