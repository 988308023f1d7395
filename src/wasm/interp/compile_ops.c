/*
 * Translation of the data operators: numeric, conversion, memory, table,
 * reference and bulk-memory instructions. Control flow, locals and calls
 * are in compile.c. Results go to the temporary of their stack height;
 * compile.c may retarget them (dest forwarding) or fuse compares into
 * branches using what scale__interp_result records.
 */
#include "wasm/interp/compile.h"

/* Immediate-variant op for a binary opcode, or -1. */
static int imm_variant(uint8_t op) {
  if (op >= 0x46 && op <= 0x4f) return IOP_i32_eq_imm + (op - 0x46);
  if (op >= 0x51 && op <= 0x5a) return IOP_i64_eq_imm + (op - 0x51);
  switch (op) {
  case 0x6a:
    return IOP_i32_add_imm;
  case 0x6b:
    return IOP_i32_sub_imm;
  case 0x6c:
    return IOP_i32_mul_imm;
  case 0x7c:
    return IOP_i64_add_imm;
  case 0x7d:
    return IOP_i64_sub_imm;
  case 0x7e:
    return IOP_i64_mul_imm;
  default:
    break;
  }
  if (op >= 0x71 && op <= 0x78) return IOP_i32_and_imm + (op - 0x71);
  if (op >= 0x83 && op <= 0x8a) return IOP_i64_and_imm + (op - 0x83);
  return -1;
}

static bool is_commutative(uint8_t op) {
  switch (op) {
  case 0x46:
  case 0x47:
  case 0x6a:
  case 0x6c:
  case 0x71:
  case 0x72:
  case 0x73:
  case 0x51:
  case 0x52:
  case 0x7c:
  case 0x7e:
  case 0x83:
  case 0x84:
  case 0x85:
    return true;
  default:
    return false;
  }
}

/* a OP b == b SWAP(OP) a for the ten integer compares. */
static const uint8_t cmp_swap[10] = {0, 1, 4, 5, 2, 3, 8, 9, 6, 7};

static bool is_unary(uint8_t op) {
  return op == 0x45 || op == 0x50 || (op >= 0x67 && op <= 0x69) || (op >= 0x79 && op <= 0x7b) ||
         (op >= 0x8b && op <= 0x91) || (op >= 0x99 && op <= 0x9f) || op >= 0xa7;
}

static bool fits_imm(uint64_t bits, bool is64) {
  return !is64 || (int64_t)bits == (int64_t)(int32_t)(uint32_t)bits;
}

/* The negation of each compare, in the same order. */
static const uint8_t cmp_negate[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

static void numeric(comp_t *c, uint8_t op) {
  /* Pure re-labelling of bits: i32 and f32 values are kept zero-extended (code.h), so
   * i64.extend_i32_u and the reinterprets change only the type. */
  if (op == 0xad || (op >= 0xbc && op <= 0xbf)) return;
  if (op == 0x45 && c->last == LAST_CMP && scale__interp_fresh(c)) {
    /* eqz of an integer compare just computed: the negated compare instead, which a
     * following branch can still fuse with. */
    uint32_t cmp = cmp_negate[c->last_cmp], a = c->last_a, b = c->last_b;
    bool is64 = c->last_64, imm = c->last_imm;
    scale__interp_unemit(c, c->last_start);
    scale__interp_pop(c);
    int base = is64 ? (imm ? IOP_i64_eq_imm : IOP_i64_eq) : (imm ? IOP_i32_eq_imm : IOP_i32_eq);
    uint32_t h = c->vh, start = c->len;
    uint32_t w =
        scale__interp_emit(c, base + (int)cmp, (const uint32_t[]){comp_temp(c, h), a, b}, 3);
    scale__interp_result(c, start, w);
    c->last = LAST_CMP;
    c->last_cmp = cmp;
    c->last_64 = is64;
    c->last_imm = imm;
    c->last_a = a;
    c->last_b = b;
    return;
  }
  int iop = IOP_i32_eqz + (op - 0x45);
  if (is_unary(op)) {
    vval_t a = scale__interp_pop(c);
    uint32_t h = c->vh;
    uint32_t sa = scale__interp_use(c, a, h);
    uint32_t start = c->len;
    uint32_t w = scale__interp_emit(c, iop, (const uint32_t[]){comp_temp(c, h), sa}, 2);
    scale__interp_result(c, start, w);
    if (op == 0x45) {
      c->last = LAST_EQZ;
      c->last_a = sa;
    }
    return;
  }
  vval_t b = scale__interp_pop(c);
  vval_t a = scale__interp_pop(c);
  uint32_t h = c->vh;
  bool is64 = (op >= 0x51 && op <= 0x5a) || (op >= 0x7c && op <= 0x8a);
  bool is_cmp = (op >= 0x46 && op <= 0x4f) || (op >= 0x51 && op <= 0x5a);
  uint32_t cmp = is_cmp ? (uint32_t)(op >= 0x51 ? op - 0x51 : op - 0x46) : 0;
  int immop = imm_variant(op);
  if (immop >= 0 && a.kind == V_CONST && b.kind != V_CONST && fits_imm(a.bits, is64) &&
      (is_cmp || is_commutative(op))) {
    vval_t t = a;
    a = b;
    b = t;
    if (is_cmp) {
      cmp = cmp_swap[cmp];
      immop = (is64 ? IOP_i64_eq_imm : IOP_i32_eq_imm) + (int)cmp;
      iop = (is64 ? IOP_i64_eq : IOP_i32_eq) + (int)cmp;
    }
  }
  uint32_t start, w, sa, sb;
  bool imm = immop >= 0 && b.kind == V_CONST && fits_imm(b.bits, is64);
  if (imm) {
    sa = scale__interp_use(c, a, h);
    sb = (uint32_t)b.bits;
    /* x - k is x + (-k): one op for both, so the add-immediate fusions cover subtraction. */
    if (immop == IOP_i32_sub_imm || (immop == IOP_i64_sub_imm && sb != 0x80000000u)) {
      immop = immop == IOP_i32_sub_imm ? IOP_i32_add_imm : IOP_i64_add_imm;
      sb = 0u - sb;
    }
    start = c->len;
    w = scale__interp_emit(c, immop, (const uint32_t[]){comp_temp(c, h), sa, sb}, 3);
  } else {
    sa = scale__interp_use(c, a, h);
    sb = scale__interp_use(c, b, h + 1);
    start = c->len;
    w = scale__interp_emit(c, iop, (const uint32_t[]){comp_temp(c, h), sa, sb}, 3);
  }
  scale__interp_result(c, start, w);
  if (immop == IOP_i32_add_imm && imm) {
    c->last = LAST_ADDI;
    c->last_a = sa;
    c->last_b = sb;
  }
  if (is_cmp) {
    c->last = LAST_CMP;
    c->last_cmp = cmp;
    c->last_64 = is64;
    c->last_imm = imm;
    c->last_a = sa;
    c->last_b = sb;
  }
}

/* i32.load8_s/16_s have their own handlers: i32 results must stay zero-extended (code.h). */
static const uint16_t load_ops[14] = {IOP_load32_u,    IOP_load64,  IOP_load32_u,     IOP_load64,
                                      IOP_i32_load8_s, IOP_load8_u, IOP_i32_load16_s, IOP_load16_u,
                                      IOP_load8_s,     IOP_load8_u, IOP_load16_s,     IOP_load16_u,
                                      IOP_load32_s,    IOP_load32_u};
static const uint16_t load_ai_ops[14] = {
    IOP_load32_u_ai, IOP_load64_ai,       IOP_load32_u_ai, IOP_load64_ai,  IOP_i32_load8_s_ai,
    IOP_load8_u_ai,  IOP_i32_load16_s_ai, IOP_load16_u_ai, IOP_load8_s_ai, IOP_load8_u_ai,
    IOP_load16_s_ai, IOP_load16_u_ai,     IOP_load32_s_ai, IOP_load32_u_ai};
static const uint8_t store_ops[9] = {IOP_store32, IOP_store64, IOP_store32, IOP_store64, IOP_store8,
                                     IOP_store16, IOP_store8,  IOP_store16, IOP_store32};

/* Pop n values and return their slots (constants materialised) in push order. */
static void pop_slots(comp_t *c, uint32_t n, uint32_t *out) {
  vval_t v[5];
  for (uint32_t i = n; i-- > 0;)
    v[i] = scale__interp_pop(c);
  uint32_t h = c->vh;
  for (uint32_t i = 0; i < n; i++)
    out[i] = scale__interp_use(c, v[i], h + i);
}

/* Emit an op whose operands are `n` popped values and which pushes one result. */
static void value_op(comp_t *c, int iop, const uint32_t *pre, uint32_t npre, uint32_t n) {
  uint32_t s[5], w[8];
  pop_slots(c, n, s);
  uint32_t h = c->vh, k = 0;
  w[k++] = comp_temp(c, h);
  for (uint32_t i = 0; i < npre; i++)
    w[k++] = pre[i];
  for (uint32_t i = 0; i < n; i++)
    w[k++] = s[i];
  uint32_t start = c->len;
  uint32_t d = scale__interp_emit(c, iop, w, k);
  scale__interp_result(c, start, d);
}

/* Emit an op whose operands are `n` popped values and which pushes nothing. */
static void void_op(comp_t *c, int iop, const uint32_t *pre, uint32_t npre, uint32_t n) {
  uint32_t s[5], w[8], k = 0;
  pop_slots(c, n, s);
  for (uint32_t i = 0; i < npre; i++)
    w[k++] = pre[i];
  for (uint32_t i = 0; i < n; i++)
    w[k++] = s[i];
  scale__interp_emit(c, iop, w, k);
}

static bool prefixed(comp_t *c) {
  rd_t *r = &c->rd;
  uint32_t sub = scale__interp_rd_u32(r);
  if (sub <= 7) {
    value_op(c, IOP_i32_trunc_sat_f32_s + (int)sub, NULL, 0, 1);
    return true;
  }
  uint32_t a, b;
  switch (sub) {
  case 8: /* memory.init seg mem */
    a = scale__interp_rd_u32(r);
    scale__interp_rd_u8(r);
    void_op(c, IOP_memory_init, &a, 1, 3);
    return true;
  case 9:
    a = scale__interp_rd_u32(r);
    EMIT(c, data_drop, a);
    return true;
  case 10:
    scale__interp_rd_u8(r);
    scale__interp_rd_u8(r);
    void_op(c, IOP_memory_copy, NULL, 0, 3);
    return true;
  case 11:
    scale__interp_rd_u8(r);
    void_op(c, IOP_memory_fill, NULL, 0, 3);
    return true;
  case 12: { /* table.init seg table */
    uint32_t p[2];
    p[1] = scale__interp_rd_u32(r);
    p[0] = scale__interp_rd_u32(r);
    void_op(c, IOP_table_init, p, 2, 3);
    return true;
  }
  case 13:
    a = scale__interp_rd_u32(r);
    EMIT(c, elem_drop, a);
    return true;
  case 14: { /* table.copy dst src */
    uint32_t p[2];
    p[0] = scale__interp_rd_u32(r);
    p[1] = scale__interp_rd_u32(r);
    void_op(c, IOP_table_copy, p, 2, 3);
    return true;
  }
  case 15:
    a = scale__interp_rd_u32(r);
    value_op(c, IOP_table_grow, &a, 1, 2);
    return true;
  case 16:
    a = scale__interp_rd_u32(r);
    value_op(c, IOP_table_size, &a, 1, 0);
    return true;
  case 17:
    b = scale__interp_rd_u32(r);
    void_op(c, IOP_table_fill, &b, 1, 3);
    return true;
  default:
    c->rd.bad = true;
    return true;
  }
}

bool scale__interp_compile_op(comp_t *c, uint8_t op) {
  rd_t *r = &c->rd;
  if (op >= 0x45 && op <= 0xc4) {
    numeric(c, op);
    return true;
  }
  if (op >= 0x28 && op <= 0x35) {
    scale__interp_rd_u32(r);
    uint32_t off = scale__interp_rd_u32(r);
    if (c->last == LAST_ADDI && scale__interp_fresh(c)) {
      /* (a + imm) then load: one instruction computing the wrapped address. */
      uint32_t a = c->last_a, imm = c->last_b;
      scale__interp_unemit(c, c->last_start);
      scale__interp_pop(c);
      uint32_t h = c->vh, start = c->len;
      uint32_t w = scale__interp_emit(c, load_ai_ops[op - 0x28],
                                      (const uint32_t[]){comp_temp(c, h), a, imm, off}, 4);
      scale__interp_result(c, start, w);
      return true;
    }
    vval_t a = scale__interp_pop(c);
    uint32_t h = c->vh;
    uint32_t sa = scale__interp_use(c, a, h);
    uint32_t start = c->len;
    uint32_t w =
        scale__interp_emit(c, load_ops[op - 0x28], (const uint32_t[]){comp_temp(c, h), sa, off}, 3);
    scale__interp_result(c, start, w);
    return true;
  }
  if (op >= 0x36 && op <= 0x3e) {
    scale__interp_rd_u32(r);
    uint32_t off = scale__interp_rd_u32(r);
    int sop = store_ops[op - 0x36];
    vval_t v = scale__interp_pop(c);
    bool addi = v.kind != V_TEMP && c->last == LAST_ADDI && scale__interp_fresh(c);
    if (addi) {
      uint32_t a = c->last_a, imm = c->last_b;
      scale__interp_unemit(c, c->last_start);
      scale__interp_pop(c);
      uint32_t sv = scale__interp_use(c, v, c->vh + 1);
      scale__interp_emit(c, sop - IOP_store8 + IOP_store8_ai, (const uint32_t[]){a, imm, sv, off},
                         4);
      return true;
    }
    vval_t a = scale__interp_pop(c);
    uint32_t sa = scale__interp_use(c, a, c->vh);
    if (v.kind == V_CONST && (sop != IOP_store64 || fits_imm(v.bits, true))) {
      scale__interp_emit(c, sop - IOP_store8 + IOP_store8_k,
                         (const uint32_t[]){sa, (uint32_t)v.bits, off}, 3);
      return true;
    }
    uint32_t sv = scale__interp_use(c, v, c->vh + 1);
    scale__interp_emit(c, sop, (const uint32_t[]){sa, sv, off}, 3);
    return true;
  }
  uint32_t a;
  switch (op) {
  case 0x3f:
    scale__interp_rd_u8(r);
    value_op(c, IOP_memory_size, NULL, 0, 0);
    return true;
  case 0x40:
    scale__interp_rd_u8(r);
    value_op(c, IOP_memory_grow, NULL, 0, 1);
    return true;
  case 0x1b: /* select */
    value_op(c, IOP_select, NULL, 0, 3);
    return true;
  case 0x1c: { /* select t* */
    uint32_t n = scale__interp_rd_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++)
      scale__interp_rd_u8(r);
    value_op(c, IOP_select, NULL, 0, 3);
    return true;
  }
  case 0x25:
    a = scale__interp_rd_u32(r);
    value_op(c, IOP_table_get, &a, 1, 1);
    return true;
  case 0x26:
    a = scale__interp_rd_u32(r);
    void_op(c, IOP_table_set, &a, 1, 2);
    return true;
  case 0xd0: {
    scale__interp_rd_u8(r);
    vval_t v = {V_CONST, 0, 0, 0};
    scale__interp_push(c, v);
    return true;
  }
  case 0xd1:
    value_op(c, IOP_i64_eqz, NULL, 0, 1);
    return true;
  case 0xd2:
    a = scale__interp_rd_u32(r);
    value_op(c, IOP_ref_func, &a, 1, 0);
    return true;
  case 0xfc:
    return prefixed(c);
  default:
    return false;
  }
}
