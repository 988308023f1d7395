/*
 * Type checking of function bodies and constant expressions: the operand
 * stack / control stack algorithm of the spec's validation appendix, with
 * the polymorphic stack after unreachable code.
 *
 * One pass, no allocation per instruction: the stacks live in the context
 * and grow by doubling. Malformed instructions (unknown opcodes, bad
 * immediates) are reported here too, since the decoder only splits bodies.
 */
#include <stdlib.h>
#include <string.h>

#include "scale/limits.h"
#include "wasm/validate/validate.h"

#define UNKNOWN 0 /* the bottom type of an unreachable stack */

static const char EOS_SECTION[] = "unexpected end of section or function";
static const char MISMATCH[] = "type mismatch";
static const char END_EXPECTED[] = "END opcode expected";

/* One-element result lists for value block types, indexable by type byte. */
static const uint8_t single[] = {WASM_I32, WASM_I64,     WASM_F32,
                                 WASM_F64, WASM_FUNCREF, WASM_EXTERNREF};

static const uint8_t *single_of(uint8_t t) {
  for (size_t i = 0; i < sizeof single; i++)
    if (single[i] == t) return &single[i];
  return NULL;
}

bool scale__validate_fail(scale__vctx_t *v, size_t offset, const char *msg) {
  if (!v->diag->message) {
    v->diag->message = msg;
    v->diag->offset = offset;
  }
  return false;
}

static bool fail_at(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at, const char *msg) {
  return scale__validate_fail(v, (size_t)(at - r->base), msg);
}

static bool is_ref(uint8_t t) {
  return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

/* ---- operand stack --------------------------------------------------- */

static bool grow_vals(scale__vctx_t *v) {
  size_t cap = v->val_cap ? v->val_cap * 2 : 256;
  uint8_t *p = realloc(v->vals, cap);
  if (!p) return scale__validate_fail(v, 0, "out of memory");
  v->vals = p;
  v->val_cap = cap;
  return true;
}

static inline bool push(scale__vctx_t *v, uint8_t t) {
  if (v->val_count == v->val_cap && !grow_vals(v)) return false;
  v->vals[v->val_count++] = t;
  return true;
}

/* Pop any value into *out; UNKNOWN when the current frame is unreachable and empty. */
static bool pop(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at, uint8_t *out) {
  scale__vframe_t *f = &v->ctrls[v->ctrl_count - 1];
  *out = UNKNOWN;
  if (v->val_count == f->height) {
    if (f->unreachable) {
      *out = UNKNOWN;
      return true;
    }
    return fail_at(v, r, at, MISMATCH);
  }
  *out = v->vals[--v->val_count];
  return true;
}

static inline bool pop_expect(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at,
                              uint8_t want) {
  /* Fast path: a value of the right type above the frame's base. */
  if (v->val_count > v->ctrls[v->ctrl_count - 1].height && v->vals[v->val_count - 1] == want) {
    v->val_count--;
    return true;
  }
  uint8_t got;
  if (!pop(v, r, at, &got)) return false;
  if (got != want && got != UNKNOWN && want != UNKNOWN) return fail_at(v, r, at, MISMATCH);
  return true;
}

static bool pop_list(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at,
                     const uint8_t *types, uint32_t n) {
  for (uint32_t i = n; i-- > 0;)
    if (!pop_expect(v, r, at, types[i])) return false;
  return true;
}

static bool push_list(scale__vctx_t *v, const uint8_t *types, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (!push(v, types[i])) return false;
  return true;
}

/* ---- control stack --------------------------------------------------- */

static bool push_frame(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at, uint8_t kind,
                       const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr) {
  if (v->ctrl_count > SCALE_MAX_BLOCK_DEPTH) /* the function's own frame is not a block */
    return fail_at(v, r, at, "blocks nested too deeply");
  if (v->ctrl_count == v->ctrl_cap) {
    size_t cap = v->ctrl_cap ? v->ctrl_cap * 2 : 64;
    scale__vframe_t *p = realloc(v->ctrls, cap * sizeof *p);
    if (!p) return scale__validate_fail(v, 0, "out of memory");
    v->ctrls = p;
    v->ctrl_cap = cap;
  }
  scale__vframe_t *f = &v->ctrls[v->ctrl_count++];
  f->kind = kind;
  f->unreachable = false;
  f->height = (uint32_t)v->val_count;
  f->params = params;
  f->param_count = np;
  f->results = results;
  f->result_count = nr;
  return push_list(v, params, np);
}

/* Check the frame's results are exactly what is on its part of the stack. */
static bool end_frame(scale__vctx_t *v, const wasm_reader_t *r, const uint8_t *at) {
  scale__vframe_t *f = &v->ctrls[v->ctrl_count - 1];
  if (!pop_list(v, r, at, f->results, f->result_count)) return false;
  if (v->val_count != f->height) return fail_at(v, r, at, MISMATCH);
  return true;
}

static void set_unreachable(scale__vctx_t *v) {
  scale__vframe_t *f = &v->ctrls[v->ctrl_count - 1];
  v->val_count = f->height;
  f->unreachable = true;
}

/* The types a branch to frame `f` carries. */
static void label_types(const scale__vframe_t *f, const uint8_t **types, uint32_t *n) {
  if (f->kind == 0x03) {
    *types = f->params;
    *n = f->param_count;
  } else {
    *types = f->results;
    *n = f->result_count;
  }
}

/* ---- helpers ---------------------------------------------------------- */

static bool block_type(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in,
                       const uint8_t **params, uint32_t *np, const uint8_t **results,
                       uint32_t *nr) {
  *params = NULL;
  *np = 0;
  *results = NULL;
  *nr = 0;
  if (in->bt_kind == WASM_BT_VAL) {
    *results = single_of((uint8_t)in->a);
    *nr = 1;
  } else if (in->bt_kind == WASM_BT_INDEX) {
    if (in->a >= v->m->type_count) return fail_at(v, r, in->at, "unknown type");
    const wasm_functype_t *t = &v->m->types[in->a];
    *params = wasm_functype_params(t);
    *np = t->param_count;
    *results = wasm_functype_results(t);
    *nr = t->result_count;
  }
  return true;
}

static bool need_memory(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  return v->memory_total > 0 || fail_at(v, r, in->at, "unknown memory");
}

static bool need_table(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in,
                       uint32_t index) {
  return index < v->table_total || fail_at(v, r, in->at, "unknown table");
}

static bool need_data_count(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  /* Without data segments at all, any index is simply unknown (as the suite expects). */
  if (!v->m->has_data_count && v->m->data_seg_count > 0)
    return fail_at(v, r, in->at, "data count section required");
  if (in->a >= (v->m->has_data_count ? v->m->data_count : 0))
    return fail_at(v, r, in->at, "unknown data segment");
  return true;
}

/* Operand and result types of the simple numeric opcodes 0x45..0xc4. */
static bool numeric_sig(uint32_t op, uint8_t *a, uint8_t *b, uint8_t *res) {
  const uint8_t I = WASM_I32, L = WASM_I64, F = WASM_F32, D = WASM_F64;
  *b = 0;
  if (op == 0x45) {
    *a = I;
    *res = I;
  } else if (op <= 0x4f) {
    *a = I;
    *b = I;
    *res = I;
  } else if (op == 0x50) {
    *a = L;
    *res = I;
  } else if (op <= 0x5a) {
    *a = L;
    *b = L;
    *res = I;
  } else if (op <= 0x60) {
    *a = F;
    *b = F;
    *res = I;
  } else if (op <= 0x66) {
    *a = D;
    *b = D;
    *res = I;
  } else if (op <= 0x69) {
    *a = I;
    *res = I;
  } else if (op <= 0x78) {
    *a = I;
    *b = I;
    *res = I;
  } else if (op <= 0x7b) {
    *a = L;
    *res = L;
  } else if (op <= 0x8a) {
    *a = L;
    *b = L;
    *res = L;
  } else if (op <= 0x91) {
    *a = F;
    *res = F;
  } else if (op <= 0x98) {
    *a = F;
    *b = F;
    *res = F;
  } else if (op <= 0x9f) {
    *a = D;
    *res = D;
  } else if (op <= 0xa6) {
    *a = D;
    *b = D;
    *res = D;
  } else {
    static const uint8_t conv[][2] = {
        /* a7 */ {'L', 'I'}, {'F', 'I'}, {'F', 'I'}, {'D', 'I'}, {'D', 'I'},
        /* ac */ {'I', 'L'}, {'I', 'L'}, {'F', 'L'}, {'F', 'L'}, {'D', 'L'}, {'D', 'L'},
        /* b2 */ {'I', 'F'}, {'I', 'F'}, {'L', 'F'}, {'L', 'F'}, {'D', 'F'},
        /* b7 */ {'I', 'D'}, {'I', 'D'}, {'L', 'D'}, {'L', 'D'}, {'F', 'D'},
        /* bc */ {'F', 'I'}, {'D', 'L'}, {'I', 'F'}, {'L', 'D'},
        /* c0 */ {'I', 'I'}, {'I', 'I'}, {'L', 'L'}, {'L', 'L'}, {'L', 'L'},
    };
    if (op < 0xa7 || op > 0xc4) return false;
    const uint8_t *c = conv[op - 0xa7];
    *a = c[0] == 'I' ? I : c[0] == 'L' ? L : c[0] == 'F' ? F : D;
    *res = c[1] == 'I' ? I : c[1] == 'L' ? L : c[1] == 'F' ? F : D;
  }
  return true;
}

/* Natural alignment (log2 bytes) and value type of loads 0x28..0x35 and stores 0x36..0x3e. */
static void mem_sig(uint32_t op, uint32_t *align, uint8_t *type) {
  static const uint8_t al[] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, /* loads */
                               2, 3, 2, 3, 0, 1, 0, 1, 2 /* stores */};
  static const uint8_t ty[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_I32, WASM_I32,
                               WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64, WASM_I64,
                               WASM_I64, WASM_I64, WASM_I32, WASM_I64, WASM_F32, WASM_F64,
                               WASM_I32, WASM_I32, WASM_I64, WASM_I64, WASM_I64};
  *align = al[op - 0x28];
  *type = ty[op - 0x28];
}

/* ---- constant expressions ---------------------------------------------- */

bool scale__validate_const(scale__vctx_t *v, const wasm_const_expr_t *e, uint8_t type,
                           uint32_t global_limit) {
  const wasm_module_t *m = v->m;
  wasm_reader_t r = {m->bytes, m->bytes + e->offset, m->bytes + m->len, EOS_SECTION, v->diag};
  uint32_t depth = 0; /* values on the stack */
  uint8_t top = UNKNOWN;
  for (;;) {
    wasm_instr_t in;
    if (!scale__wasm_instr_read(&r, &in)) return false;
    uint8_t t;
    switch (in.op) {
    case 0x41:
      t = WASM_I32;
      break;
    case 0x42:
      t = WASM_I64;
      break;
    case 0x43:
      t = WASM_F32;
      break;
    case 0x44:
      t = WASM_F64;
      break;
    case 0xd0:
      t = (uint8_t)in.a;
      break;
    case 0xd2:
      if (in.a >= v->func_total) return fail_at(v, &r, in.at, "unknown function");
      t = WASM_FUNCREF;
      break;
    case 0x23:
      if (in.a >= global_limit) return fail_at(v, &r, in.at, "unknown global");
      if (v->globals[in.a].mutable_) return fail_at(v, &r, in.at, "constant expression required");
      t = v->globals[in.a].type;
      break;
    case 0x0b:
      if (depth != 1 || top != type) return fail_at(v, &r, in.at, MISMATCH);
      return true;
    default:
      return fail_at(v, &r, in.at, "constant expression required");
    }
    depth++;
    top = t;
  }
}

/* ---- function bodies ----------------------------------------------------- */

static bool br_table(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  if (!pop_expect(v, r, in->at, WASM_I32)) return false;
  if (in->b >= v->ctrl_count) return fail_at(v, r, in->at, "unknown label");
  const uint8_t *dtypes;
  uint32_t arity;
  label_types(&v->ctrls[v->ctrl_count - 1 - in->b], &dtypes, &arity);
  /* Each target must accept the operands: pop them checked, then put them back. */
  const uint8_t *p = in->table;
  uint8_t popped[SCALE_MAX_FUNC_PARAMS > SCALE_MAX_FUNC_RESULTS ? SCALE_MAX_FUNC_PARAMS
                                                                : SCALE_MAX_FUNC_RESULTS];
  for (uint32_t i = 0; i < in->a; i++) {
    uint32_t l;
    scale__leb128_read_u32(&p, r->end, &l); /* already checked by the instruction reader */
    if (l >= v->ctrl_count) return fail_at(v, r, in->at, "unknown label");
    const uint8_t *types;
    uint32_t n;
    label_types(&v->ctrls[v->ctrl_count - 1 - l], &types, &n);
    if (n != arity) return fail_at(v, r, in->at, MISMATCH);
    for (uint32_t k = n; k-- > 0;) {
      if (!pop(v, r, in->at, &popped[k])) return false;
      if (popped[k] != types[k] && popped[k] != UNKNOWN) return fail_at(v, r, in->at, MISMATCH);
    }
    if (!push_list(v, popped, n)) return false;
  }
  if (!pop_list(v, r, in->at, dtypes, arity)) return false;
  set_unreachable(v);
  return true;
}

static bool table_op(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  const wasm_module_t *m = v->m;
  const uint8_t *at = in->at;
  switch (in->op - WASM_OP_PREFIX_FC) {
  case 12: { /* table.init elem table */
    if (!need_table(v, r, in, in->b)) return false;
    if (in->a >= m->elem_count) return fail_at(v, r, at, "unknown elem segment");
    if (m->elems[in->a].elem_type != v->tables[in->b].elem_type) return fail_at(v, r, at, MISMATCH);
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, WASM_I32) &&
           pop_expect(v, r, at, WASM_I32);
  }
  case 13: /* elem.drop */
    return in->a < m->elem_count || fail_at(v, r, at, "unknown elem segment");
  case 14: /* table.copy dst src */
    if (!need_table(v, r, in, in->a) || !need_table(v, r, in, in->b)) return false;
    if (v->tables[in->a].elem_type != v->tables[in->b].elem_type)
      return fail_at(v, r, at, MISMATCH);
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, WASM_I32) &&
           pop_expect(v, r, at, WASM_I32);
  case 15: /* table.grow */
    if (!need_table(v, r, in, in->a)) return false;
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, v->tables[in->a].elem_type) &&
           push(v, WASM_I32);
  case 16: /* table.size */
    return need_table(v, r, in, in->a) && push(v, WASM_I32);
  case 17: /* table.fill */
    if (!need_table(v, r, in, in->a)) return false;
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, v->tables[in->a].elem_type) &&
           pop_expect(v, r, at, WASM_I32);
  }
  return fail_at(v, r, at, "illegal opcode");
}

static bool prefixed(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  const uint8_t *at = in->at;
  uint32_t sub = in->op - WASM_OP_PREFIX_FC;
  if (sub <= 7) { /* trunc_sat */
    uint8_t from = (sub & 2) ? WASM_F64 : WASM_F32;
    uint8_t to = (sub & 4) ? WASM_I64 : WASM_I32;
    return pop_expect(v, r, at, from) && push(v, to);
  }
  switch (sub) {
  case 8: /* memory.init */
    if (!need_memory(v, r, in) || !need_data_count(v, r, in)) return false;
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, WASM_I32) &&
           pop_expect(v, r, at, WASM_I32);
  case 9: /* data.drop */
    return need_data_count(v, r, in);
  case 10: /* memory.copy */
  case 11: /* memory.fill */
    if (!need_memory(v, r, in)) return false;
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, WASM_I32) &&
           pop_expect(v, r, at, WASM_I32);
  default:
    return table_op(v, r, in);
  }
}

static bool end_instr(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  scale__vframe_t *f = &v->ctrls[v->ctrl_count - 1];
  if (!end_frame(v, r, in->at)) return false;
  /* An if without else behaves as if its else passed the params through. */
  if (f->kind == 0x04 && (f->param_count != f->result_count ||
                          (f->param_count && memcmp(f->params, f->results, f->param_count) != 0)))
    return fail_at(v, r, in->at, MISMATCH);
  const uint8_t *results = f->results;
  uint32_t n = f->result_count;
  v->ctrl_count--;
  return v->ctrl_count == 0 || push_list(v, results, n);
}

static bool instr(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  const uint8_t *at = in->at;
  uint32_t op = in->op;
  switch (op) {
  case 0x00:
    set_unreachable(v);
    return true;
  case 0x01:
    return true;
  case 0x02:
  case 0x03:
  case 0x04: {
    const uint8_t *params, *results;
    uint32_t np, nr;
    if (!block_type(v, r, in, &params, &np, &results, &nr)) return false;
    if (op == 0x04 && !pop_expect(v, r, at, WASM_I32)) return false;
    return pop_list(v, r, at, params, np) &&
           push_frame(v, r, at, (uint8_t)op, params, np, results, nr);
  }
  case 0x05: {
    scale__vframe_t *f = &v->ctrls[v->ctrl_count - 1];
    if (f->kind != 0x04) return fail_at(v, r, at, END_EXPECTED);
    if (!end_frame(v, r, at)) return false;
    f->kind = 0x05;
    f->unreachable = false;
    v->val_count = f->height;
    return push_list(v, f->params, f->param_count);
  }
  case 0x0b:
    return end_instr(v, r, in);
  case 0x0c:
  case 0x0d: {
    if (in->a >= v->ctrl_count) return fail_at(v, r, at, "unknown label");
    const uint8_t *types;
    uint32_t n;
    label_types(&v->ctrls[v->ctrl_count - 1 - in->a], &types, &n);
    if (op == 0x0c) {
      if (!pop_list(v, r, at, types, n)) return false;
      set_unreachable(v);
      return true;
    }
    return pop_expect(v, r, at, WASM_I32) && pop_list(v, r, at, types, n) && push_list(v, types, n);
  }
  case 0x0e:
    return br_table(v, r, in);
  case 0x0f: {
    const scale__vframe_t *f = &v->ctrls[0];
    if (!pop_list(v, r, at, f->results, f->result_count)) return false;
    set_unreachable(v);
    return true;
  }
  case 0x10: {
    if (in->a >= v->func_total) return fail_at(v, r, at, "unknown function");
    const wasm_functype_t *t = v->func_types[in->a];
    if (!t) return fail_at(v, r, at, "unknown type");
    return pop_list(v, r, at, wasm_functype_params(t), t->param_count) &&
           push_list(v, wasm_functype_results(t), t->result_count);
  }
  case 0x11: {
    if (!need_table(v, r, in, in->b)) return false;
    if (in->a >= v->m->type_count) return fail_at(v, r, at, "unknown type");
    if (v->tables[in->b].elem_type != WASM_FUNCREF) return fail_at(v, r, at, MISMATCH);
    const wasm_functype_t *t = &v->m->types[in->a];
    return pop_expect(v, r, at, WASM_I32) &&
           pop_list(v, r, at, wasm_functype_params(t), t->param_count) &&
           push_list(v, wasm_functype_results(t), t->result_count);
  }
  case 0x1a: {
    uint8_t t;
    return pop(v, r, at, &t);
  }
  case 0x1b: {
    uint8_t t1, t2;
    if (!pop_expect(v, r, at, WASM_I32) || !pop(v, r, at, &t1) || !pop(v, r, at, &t2)) return false;
    if (is_ref(t1) || is_ref(t2)) return fail_at(v, r, at, MISMATCH);
    if (t1 != t2 && t1 != UNKNOWN && t2 != UNKNOWN) return fail_at(v, r, at, MISMATCH);
    return push(v, t1 == UNKNOWN ? t2 : t1);
  }
  case 0x1c: {
    if (in->a != 1) return fail_at(v, r, at, "invalid result arity");
    uint8_t t = in->table[0];
    return pop_expect(v, r, at, WASM_I32) && pop_expect(v, r, at, t) && pop_expect(v, r, at, t) &&
           push(v, t);
  }
  case 0x20:
  case 0x21:
  case 0x22: {
    if (in->a >= v->local_count) return fail_at(v, r, at, "unknown local");
    uint8_t t = v->locals[in->a];
    if (op == 0x20) return push(v, t);
    if (!pop_expect(v, r, at, t)) return false;
    return op == 0x21 || push(v, t);
  }
  case 0x23:
  case 0x24: {
    if (in->a >= v->global_total) return fail_at(v, r, at, "unknown global");
    wasm_globaltype_t g = v->globals[in->a];
    if (op == 0x23) return push(v, g.type);
    if (!g.mutable_) return fail_at(v, r, at, "global is immutable");
    return pop_expect(v, r, at, g.type);
  }
  case 0x25:
  case 0x26: {
    if (!need_table(v, r, in, in->a)) return false;
    uint8_t t = v->tables[in->a].elem_type;
    if (op == 0x25) return pop_expect(v, r, at, WASM_I32) && push(v, t);
    return pop_expect(v, r, at, t) && pop_expect(v, r, at, WASM_I32);
  }
  case 0x3f:
    return need_memory(v, r, in) && push(v, WASM_I32);
  case 0x40:
    return need_memory(v, r, in) && pop_expect(v, r, at, WASM_I32) && push(v, WASM_I32);
  case 0x41:
    return push(v, WASM_I32);
  case 0x42:
    return push(v, WASM_I64);
  case 0x43:
    return push(v, WASM_F32);
  case 0x44:
    return push(v, WASM_F64);
  case 0xd0:
    return push(v, (uint8_t)in->a);
  case 0xd1: {
    uint8_t t;
    if (!pop(v, r, at, &t)) return false;
    if (t != UNKNOWN && !is_ref(t)) return fail_at(v, r, at, MISMATCH);
    return push(v, WASM_I32);
  }
  case 0xd2:
    if (in->a >= v->func_total) return fail_at(v, r, at, "unknown function");
    if (!(v->m->declared_funcs[in->a / 8] & (1u << (in->a % 8))))
      return fail_at(v, r, at, "undeclared function reference");
    return push(v, WASM_FUNCREF);
  default:
    break;
  }
  if (op >= 0x28 && op <= 0x3e) {
    uint32_t natural;
    uint8_t t;
    mem_sig(op, &natural, &t);
    if (!need_memory(v, r, in)) return false;
    if (in->a > natural) return fail_at(v, r, at, "alignment must not be larger than natural");
    if (op <= 0x35) return pop_expect(v, r, at, WASM_I32) && push(v, t);
    return pop_expect(v, r, at, t) && pop_expect(v, r, at, WASM_I32);
  }
  uint8_t a, b, res;
  if (numeric_sig(op, &a, &b, &res)) {
    if (b && !pop_expect(v, r, at, b)) return false;
    return pop_expect(v, r, at, a) && push(v, res);
  }
  if (op >= WASM_OP_PREFIX_FC) return prefixed(v, r, in);
  return fail_at(v, r, at, "illegal opcode");
}

/*
 * Decode-only walk from r->p to the end of the current function (control
 * stack kinds only, no types). The reference decoder reads the whole
 * module before validating, so a malformed instruction anywhere must win
 * over a type error found earlier; this finds it.
 */
static bool scan_body(scale__vctx_t *v, wasm_reader_t *r, const uint8_t *body_end) {
  wasm_instr_t in;
  while (v->ctrl_count > 0) {
    if (!scale__wasm_instr_read(r, &in)) return false;
    switch (in.op) {
    case 0x02:
    case 0x03:
    case 0x04:
      if (!push_frame(v, r, in.at, (uint8_t)in.op, NULL, 0, NULL, 0)) return false;
      break;
    case 0x05:
      if (v->ctrls[v->ctrl_count - 1].kind != 0x04) return fail_at(v, r, in.at, END_EXPECTED);
      v->ctrls[v->ctrl_count - 1].kind = 0x05;
      break;
    case 0x0b:
      v->ctrl_count--;
      break;
    }
  }
  if (r->p != body_end) return fail_at(v, r, r->p, "section size mismatch");
  return true;
}

/* Apply the nesting effect of an instruction whose type check failed, so scanning can go on. */
static bool nesting_effect(scale__vctx_t *v, const wasm_reader_t *r, const wasm_instr_t *in) {
  if (in->op == 0x02 || in->op == 0x03 || in->op == 0x04)
    return push_frame(v, r, in->at, (uint8_t)in->op, NULL, 0, NULL, 0);
  if (in->op == 0x0b)
    v->ctrl_count--;
  else if (in->op == 0x05)
    v->ctrls[v->ctrl_count - 1].kind = 0x05;
  return true;
}

static wasm_reader_t body_reader(const scale__vctx_t *v, const wasm_func_t *f) {
  /* Bounded by the module, not the body: like the reference decoder, a
   * body missing its `end` is read on into what follows. */
  const wasm_module_t *m = v->m;
  wasm_reader_t r = {m->bytes, f->code, m->bytes + m->len, EOS_SECTION, v->diag};
  return r;
}

bool scale__validate_scan(scale__vctx_t *v, uint32_t defined_index) {
  const wasm_func_t *f = &v->m->funcs[defined_index];
  wasm_reader_t r = body_reader(v, f);
  v->val_count = 0;
  v->ctrl_count = 0;
  return push_frame(v, &r, r.p, 0, NULL, 0, NULL, 0) && scan_body(v, &r, f->code + f->code_len);
}

bool scale__validate_func(scale__vctx_t *v, uint32_t defined_index) {
  const wasm_module_t *m = v->m;
  const wasm_func_t *f = &m->funcs[defined_index];
  const wasm_functype_t *t = v->func_types[m->imported_func_count + defined_index];
  v->type_error = false;
  if (!t) return scale__validate_fail(v, f->code_offset, "unknown type");

  /* Expand parameters and local declarations into one type per local. */
  size_t nlocals = (size_t)t->param_count + f->local_count;
  uint8_t *locals = realloc(v->locals, nlocals ? nlocals : 1);
  if (!locals) return scale__validate_fail(v, f->code_offset, "out of memory");
  v->locals = locals;
  memcpy(locals, wasm_functype_params(t), t->param_count);
  size_t k = t->param_count;
  for (uint32_t i = 0; i < f->local_decl_count; i++) {
    memset(locals + k, f->local_decls[i].type, f->local_decls[i].count);
    k += f->local_decls[i].count;
  }
  v->local_count = nlocals;

  const uint8_t *body_end = f->code + f->code_len;
  wasm_reader_t r = body_reader(v, f);
  v->val_count = 0;
  v->ctrl_count = 0;
  if (!push_frame(v, &r, r.p, 0, NULL, 0, wasm_functype_results(t), t->result_count)) return false;
  v->val_count = 0; /* the parameters are locals, not operands */
  wasm_instr_t in;
  while (v->ctrl_count > 0) {
    if (!scale__wasm_instr_read(&r, &in)) return false;
    if (r.p > body_end) { /* ran past the declared size: a decoding error follows */
      r.p = in.at;
      return scan_body(v, &r, body_end);
    }
    if (!instr(v, &r, &in)) {
      if (v->diag->message == END_EXPECTED) return false;
      /* A type error: a malformed instruction later in the body takes precedence. */
      wasm_diag_t saved = *v->diag;
      v->diag->message = NULL;
      if (nesting_effect(v, &r, &in) && scan_body(v, &r, body_end)) {
        *v->diag = saved;
        v->type_error = true;
      }
      return false;
    }
  }
  if (r.p != body_end) return fail_at(v, &r, r.p, "section size mismatch");
  return true;
}
