/*
 * The byte reader's slow paths and the decoding of instruction immediates.
 *
 * This is the only place that knows the binary layout of instructions; the
 * validator and the decoder's constant-expression skipping both use it, so
 * the two can never disagree on where an instruction ends.
 */
#include "wasm/decode/reader.h"

#include "scale/limits.h"

bool scale__wasm_fail(wasm_reader_t *r, const uint8_t *at, const char *msg) {
  if (r->diag && !r->diag->message) {
    r->diag->message = msg;
    r->diag->offset = (size_t)(at - r->base);
  }
  return false;
}

bool scale__wasm_leb_fail(wasm_reader_t *r, scale_leb_status_t st) {
  if (st == SCALE_LEB_END) return scale__wasm_fail(r, r->end, r->eos);
  return scale__wasm_fail(r, r->p, scale__leb128_message(st));
}

bool scale__wasm_len(wasm_reader_t *r, uint32_t *out) {
  const uint8_t *at = r->p;
  uint32_t n;
  if (!scale__wasm_u32(r, &n)) return false;
  /*
   * The reference decoder measures from the start of the length itself;
   * a length that fits that way but not after the LEB128 would make it
   * run out of input when reading the content.
   */
  if ((size_t)n > (size_t)(r->end - at)) return scale__wasm_fail(r, at, "length out of bounds");
  if ((size_t)n > (size_t)(r->end - r->p)) return scale__wasm_fail(r, r->end, r->eos);
  *out = n;
  return true;
}

bool scale__wasm_valtype(wasm_reader_t *r, uint8_t *out) {
  const uint8_t *at = r->p;
  uint8_t t;
  if (!scale__wasm_u8(r, &t)) return false;
  if (!scale__wasm_is_valtype(t)) {
    /* The reference decoder reads a type as a 7-bit signed LEB128. */
    if (t & 0x80) return scale__wasm_fail(r, r->p, "integer representation too long");
    return scale__wasm_fail(r, at, "malformed value type");
  }
  *out = t;
  return true;
}

bool scale__wasm_reftype(wasm_reader_t *r, uint8_t *out) {
  const uint8_t *at = r->p;
  uint8_t t;
  if (!scale__wasm_u8(r, &t)) return false;
  if (t != WASM_FUNCREF && t != WASM_EXTERNREF) {
    if (t & 0x80) return scale__wasm_fail(r, r->p, "integer representation too long");
    return scale__wasm_fail(r, at, "malformed reference type");
  }
  *out = t;
  return true;
}

static bool zero_byte(wasm_reader_t *r) {
  const uint8_t *at = r->p;
  uint8_t b;
  if (!scale__wasm_u8(r, &b)) return false;
  return b == 0 || scale__wasm_fail(r, at, "zero byte expected");
}

static bool block_type(wasm_reader_t *r, wasm_instr_t *in) {
  if (r->p >= r->end) return scale__wasm_fail(r, r->end, r->eos);
  uint8_t b = *r->p;
  if (b == 0x40) {
    r->p++;
    in->bt_kind = WASM_BT_EMPTY;
    return true;
  }
  if ((b & 0xc0) == 0x40) { /* a one-byte negative s33: a value type */
    uint8_t t;
    if (!scale__wasm_valtype(r, &t)) return false;
    in->bt_kind = WASM_BT_VAL;
    in->a = t;
    return true;
  }
  const uint8_t *at = r->p;
  int64_t v;
  scale_leb_status_t st = scale__leb128_read_s33(&r->p, r->end, &v);
  if (st != SCALE_LEB_OK) return scale__wasm_leb_fail(r, st);
  if (v < 0) return scale__wasm_fail(r, at, "malformed value type");
  in->bt_kind = WASM_BT_INDEX;
  in->a = (uint32_t)v;
  return true;
}

static bool memarg(wasm_reader_t *r, wasm_instr_t *in) {
  return scale__wasm_u32(r, &in->a) && scale__wasm_u32(r, &in->b);
}

static bool prefixed(wasm_reader_t *r, wasm_instr_t *in) {
  uint32_t sub;
  if (!scale__wasm_u32(r, &sub)) return false;
  in->op = WASM_OP_PREFIX_FC + sub;
  switch (sub) {
  case 0:
  case 1:
  case 2:
  case 3:
  case 4:
  case 5:
  case 6:
  case 7: /* trunc_sat */
    return true;
  case 8: /* memory.init data 0 */
    return scale__wasm_u32(r, &in->a) && zero_byte(r);
  case 9:  /* data.drop */
  case 13: /* elem.drop */
  case 15: /* table.grow */
  case 16: /* table.size */
  case 17: /* table.fill */
    return scale__wasm_u32(r, &in->a);
  case 10: /* memory.copy 0 0 */
    return zero_byte(r) && zero_byte(r);
  case 11: /* memory.fill 0 */
    return zero_byte(r);
  case 12: /* table.init elem table */
  case 14: /* table.copy dst src */
    return scale__wasm_u32(r, &in->a) && scale__wasm_u32(r, &in->b);
  default:
    return scale__wasm_fail(r, in->at, "illegal opcode");
  }
}

bool scale__wasm_instr_read(wasm_reader_t *r, wasm_instr_t *in) {
  in->at = r->p;
  uint8_t op;
  if (!scale__wasm_u8(r, &op)) return false;
  in->op = op;
  switch (op) {
  case 0x00:
  case 0x01:
  case 0x05:
  case 0x0b:
  case 0x0f:
  case 0x1a:
  case 0x1b:
  case 0xd1:
    return true;
  case 0x02:
  case 0x03:
  case 0x04:
    return block_type(r, in);
  case 0x0c:
  case 0x0d:
  case 0x10:
  case 0x20:
  case 0x21:
  case 0x22:
  case 0x23:
  case 0x24:
  case 0x25:
  case 0x26:
  case 0xd2:
    return scale__wasm_u32(r, &in->a);
  case 0x0e: {
    if (!scale__wasm_len(r, &in->a)) return false;
    if (in->a > SCALE_MAX_BR_TABLE) return scale__wasm_fail(r, in->at, "too many br_table targets");
    in->table = r->p;
    uint32_t label;
    for (uint32_t i = 0; i < in->a; i++)
      if (!scale__wasm_u32(r, &label)) return false;
    return scale__wasm_u32(r, &in->b);
  }
  case 0x11:
    return scale__wasm_u32(r, &in->a) && scale__wasm_u32(r, &in->b);
  case 0x1c: {
    if (!scale__wasm_len(r, &in->a)) return false;
    in->table = r->p;
    uint8_t t;
    for (uint32_t i = 0; i < in->a; i++)
      if (!scale__wasm_valtype(r, &t)) return false;
    return true;
  }
  case 0x3f:
  case 0x40:
    return zero_byte(r);
  case 0x41: {
    int64_t v;
    scale_leb_status_t st = scale__leb128_read_signed(&r->p, r->end, 32, &v);
    if (st != SCALE_LEB_OK) return scale__wasm_leb_fail(r, st);
    in->bits = (uint32_t)(int32_t)v;
    return true;
  }
  case 0x42: {
    int64_t v;
    scale_leb_status_t st = scale__leb128_read_s64(&r->p, r->end, &v);
    if (st != SCALE_LEB_OK) return scale__wasm_leb_fail(r, st);
    in->bits = (uint64_t)v;
    return true;
  }
  case 0x43:
  case 0x44: {
    size_t n = op == 0x43 ? 4 : 8;
    const uint8_t *b;
    if (!scale__wasm_bytes(r, n, &b)) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
      v |= (uint64_t)b[i] << (8 * i);
    in->bits = v;
    return true;
  }
  case 0xd0: {
    uint8_t t;
    if (!scale__wasm_reftype(r, &t)) return false;
    in->a = t;
    return true;
  }
  case 0xfc:
    return prefixed(r, in);
  default:
    if (op >= 0x28 && op <= 0x3e) return memarg(r, in);
    if (op >= 0x45 && op <= 0xc4) return true;
    return scale__wasm_fail(r, in->at, "illegal opcode");
  }
}
