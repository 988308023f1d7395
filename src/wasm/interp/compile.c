/*
 * The translator: one validated function body in, register-slot code out
 * (layout in code.h). It keeps a virtual operand stack saying where each
 * value lives (a local's slot, a constant, or the temporary of its height),
 * so local.get and constants emit nothing, results are retargeted into
 * the local a local.set names, and compares fuse with the branch reading
 * them. Control nesting uses an explicit stack: no C recursion on Wasm
 * nesting. It trusts validation for typing but never reads out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "scale/limits.h"
#include "wasm/decode/reader.h"
#include "wasm/interp/compile.h"

enum { C_FUNC, C_BLOCK, C_LOOP, C_IF };

typedef struct ctl {
  uint8_t kind;
  bool dead; /* rest of this block is unreachable: skipped */
  uint32_t dead_depth;
  uint32_t base; /* stack height below the block's params */
  uint32_t np, nr;
  uint32_t label;      /* loop: word index of its start */
  uint32_t patches;    /* forward branches to the end (list through the delta words) */
  uint32_t else_patch; /* if: branch to the else arm */
  uint32_t hidden;     /* if: first hidden local holding a copy of the params */
} ctl_t;

/* A branch condition taken from the virtual stack. */
enum { K_CONST, K_NZ, K_Z, K_CMP };
typedef struct cond {
  int kind;
  uint32_t cmp;
  bool is64, imm;
  uint32_t a, b;
} cond_t;

static const uint8_t cmp_not[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

/* ---- reading --------------------------------------------------------- */

uint8_t scale__interp_rd_u8(rd_t *r) {
  if (r->p >= r->end) {
    r->bad = true;
    return 0x0b;
  }
  return *r->p++;
}

static uint64_t rd_leb(rd_t *r, bool sign) {
  uint64_t v = 0;
  unsigned shift = 0;
  uint8_t b;
  do {
    if (r->p >= r->end || shift >= 70) {
      r->bad = true;
      return 0;
    }
    b = *r->p++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (sign && shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
  return v;
}

uint32_t scale__interp_rd_u32(rd_t *r) {
  return (uint32_t)rd_leb(r, false);
}
int64_t scale__interp_rd_sleb(rd_t *r, unsigned bits) {
  (void)bits;
  return (int64_t)rd_leb(r, true);
}

static bool is_valtype(uint8_t b) {
  return b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f;
}

static void blocktype(comp_t *c, uint32_t *np, uint32_t *nr) {
  rd_t *r = &c->rd;
  *np = *nr = 0;
  if (r->p >= r->end) {
    r->bad = true;
    return;
  }
  uint8_t b = *r->p;
  if (b == 0x40) {
    r->p++;
  } else if (is_valtype(b)) {
    r->p++;
    *nr = 1;
  } else {
    int64_t idx = (int64_t)rd_leb(r, true);
    if (idx < 0 || (uint64_t)idx >= c->m->type_count) {
      r->bad = true;
      return;
    }
    *np = c->m->types[idx].param_count;
    *nr = c->m->types[idx].result_count;
  }
}

/*
 * Skip the immediates of `op`, whose opcode byte was just read (unreachable
 * code and the pre-scan): the decoder's instruction reader, which already
 * accepted this body, walks them, so the two cannot disagree on a length.
 */
static void skip_imm(comp_t *c, uint8_t op) {
  rd_t *r = &c->rd;
  wasm_reader_t wr = {.base = r->p - 1, .p = r->p - 1, .end = r->end, .eos = "unexpected end"};
  wasm_instr_t in;
  if (r->bad || r->p[-1] != op || !scale__wasm_instr_read(&wr, &in)) {
    r->bad = true;
    return;
  }
  r->p = wr.p;
}

/* ---- emitting -------------------------------------------------------- */

static bool reserve(comp_t *c, uint32_t n) {
  if (c->oom) return false;
  if ((uint64_t)c->len + n <= c->cap) return true;
  uint64_t cap = c->cap ? c->cap : 64;
  while (cap < (uint64_t)c->len + n)
    cap *= 2;
  if (cap > (1u << 30)) {
    c->oom = true;
    return false;
  }
  uint32_t *p = realloc(c->code, (size_t)cap * sizeof *p);
  if (!p) {
    c->oom = true;
    return false;
  }
  c->code = p;
  c->cap = (uint32_t)cap;
  return true;
}

static const struct pair {
  uint16_t a, b, ab;
} g_pairs[] = {
#define PAIR_ROW(a, b) {IOP_##a, IOP_##b, IOP_##a##__##b},
    SCALE_INTERP_PAIRS(PAIR_ROW)
#undef PAIR_ROW
};

/* The superinstruction running a then b, or -1. */
static int pair_of(int a, int b) {
  for (size_t i = 0; i < sizeof g_pairs / sizeof g_pairs[0]; i++)
    if (g_pairs[i].a == a && g_pairs[i].b == b) return g_pairs[i].ab;
  return -1;
}

/* For a linked chain (code.h), the operand of B that must be A's result slot; else -1. */
static int link_operand(int ab) {
  switch (ab) {
/* f64 add/multiply take the chained value as operand 2 (the loaded value pushed last). */
#define LINK_GEN(a, b)                                                                             \
  case IOP_##a##__##b:                                                                             \
    return IOP_##b == IOP_f64_mul || IOP_##b == IOP_f64_add ? 2 : 1;
#define LINK_BR(a, b)                                                                              \
  case IOP_##a##__##b:                                                                             \
    return 0;
    SCALE_INTERP_CHAINS_GEN_L(LINK_GEN)
    SCALE_INTERP_CHAINS_BR_L(LINK_BR)
#undef LINK_BR
#undef LINK_GEN
  default:
    return -1;
  }
}

uint32_t scale__interp_emit(comp_t *c, int op, const uint32_t *w, uint32_t n) {
  c->last = LAST_NONE;
  c->fused_b = CNONE;
  if (!reserve(c, 2 + n)) {
    c->len = 0; /* out of memory: keep writing into the first words, result discarded */
    c->prev_op = -1;
    return 2;
  }
  /* Fuse with the previous instruction when it ends here and no jump lands between. */
  int ab = c->prev_op >= 0 && c->prev_end == c->len && c->prev_start >= c->barrier
               ? pair_of(c->prev_op, op)
               : -1;
  int k = ab >= 0 ? link_operand(ab) : -1;
  if (k >= 0 && ((uint32_t)k >= n || c->prev_dst >= c->len || w[k] != c->code[c->prev_dst]))
    ab = -1;
  /* A multiply-load-add chain also takes the add's operand 1 from the multiply (6 words back). */
  if ((ab == IOP_LM__load64__f64_add || ab == IOP_ALM__load64__f64_add ||
       ab == IOP_AALM__load64__f64_add) &&
      (c->prev_end < 6 || w[1] != c->code[c->prev_end - 6]))
    ab = -1;
  if (ab >= 0) {
    memcpy(&c->code[c->prev_start], &c->h[ab], sizeof(void *));
    memcpy(&c->code[c->len], w, n * sizeof *w);
    uint32_t at = c->len;
    c->len += n;
    c->fused_a = c->prev_start;
    c->fused_a_op = c->prev_op;
    c->fused_a_dst = c->prev_dst;
    c->fused_b = at;
    c->prev_op = ab;
    c->prev_end = c->len;
    c->prev2_op = -1;
    c->prev_dst = at;
    return at;
  }
  memcpy(&c->code[c->len], &c->h[op], sizeof(void *));
  memcpy(&c->code[c->len + 2], w, n * sizeof *w);
  uint32_t at = c->len + 2;
  c->prev2_start = c->prev_start;
  c->prev2_end = c->prev_end;
  c->prev2_op = c->prev_op;
  c->prev2_dst = c->prev_dst;
  c->prev_start = c->len;
  c->prev_op = op;
  c->len += 2 + n;
  c->prev_end = c->len;
  c->prev_dst = at;
  return at;
}

void scale__interp_unemit(comp_t *c, uint32_t start) {
  if (c->fused_b != CNONE && c->fused_b == start && c->len >= start) {
    /* The dropped instruction was fused into its predecessor: restore that one alone. */
    memcpy(&c->code[c->fused_a], &c->h[c->fused_a_op], sizeof(void *));
    c->prev_start = c->fused_a;
    c->prev_op = c->fused_a_op;
    c->prev_end = start;
    c->prev_dst = c->fused_a_dst;
  } else if (c->prev_op >= 0 && c->prev_start == start && c->prev2_end == start) {
    c->prev_start = c->prev2_start;
    c->prev_end = c->prev2_end;
    c->prev_op = c->prev2_op;
    c->prev_dst = c->prev2_dst;
  } else {
    c->prev_dst = CNONE;
    c->prev_op = -1;
  }
  c->prev2_op = -1;
  c->fused_b = CNONE;
  c->len = start;
}

static void emit_const(comp_t *c, uint32_t d, uint64_t bits) {
  if ((bits >> 32) == 0)
    EMIT(c, const32, d, (uint32_t)bits);
  else
    EMIT(c, const64, d, (uint32_t)bits, (uint32_t)(bits >> 32));
}

static void move_to(comp_t *c, uint32_t d, vval_t v) {
  if (v.kind == V_CONST)
    emit_const(c, d, v.bits);
  else if (v.slot != d)
    EMIT(c, mov, d, v.slot);
}

/* ---- the virtual stack ------------------------------------------------ */

void scale__interp_push(comp_t *c, vval_t v) {
  if (c->vh == c->vcap) {
    uint32_t cap = c->vcap ? c->vcap * 2 : 64;
    vval_t *p = c->oom || cap > (1u << 26) ? NULL : realloc(c->vs, cap * sizeof *p);
    if (!p) {
      c->oom = true;
      return;
    }
    c->vs = p;
    c->vcap = cap;
  }
  if (v.kind == V_LOCAL) c->refs[v.local]++;
  c->vs[c->vh++] = v;
  if (c->vh > c->max_h) c->max_h = c->vh;
}

vval_t scale__interp_pop(comp_t *c) {
  if (c->vh == 0) {
    vval_t z = {V_CONST, 0, 0, 0};
    c->rd.bad = c->rd.bad || !c->oom;
    return z;
  }
  vval_t v = c->vs[--c->vh];
  if (v.kind == V_LOCAL) c->refs[v.local]--;
  return v;
}

uint32_t scale__interp_use(comp_t *c, vval_t v, uint32_t h) {
  if (v.kind != V_CONST) return v.slot;
  uint32_t d = comp_temp(c, h);
  emit_const(c, d, v.bits);
  return d;
}

void scale__interp_result(comp_t *c, uint32_t start, uint32_t dst) {
  uint32_t h = c->vh;
  vval_t v = {V_TEMP, comp_temp(c, h), 0, 0};
  scale__interp_push(c, v);
  c->last = LAST_VALUE;
  c->last_start = start;
  c->last_end = c->len;
  c->last_h = h;
  c->last_dst = dst;
}

static void push_temp(comp_t *c, uint32_t h) {
  vval_t v = {V_TEMP, comp_temp(c, h), 0, 0};
  scale__interp_push(c, v);
}

/* Make stack entry i live in its own temporary. */
static void materialize(comp_t *c, uint32_t i) {
  vval_t *v = &c->vs[i];
  uint32_t d = comp_temp(c, i);
  if (v->kind == V_TEMP && v->slot == d) return;
  vval_t copy = *v;
  if (copy.kind == V_LOCAL) c->refs[copy.local]--;
  v->kind = V_TEMP;
  v->slot = d;
  move_to(c, d, copy);
}

static void truncate_to(comp_t *c, uint32_t h) {
  while (c->vh > h)
    scale__interp_pop(c);
}

static uint32_t local_slot(const comp_t *c, uint32_t l) {
  return l < c->np ? l : c->rec + 3 + (l - c->np);
}

/* ---- branches ---------------------------------------------------------- */

static void bind_one(comp_t *c, uint32_t w) {
  c->last = LAST_NONE;
  if (w == CNONE || c->oom) return;
  comp_label(c);
  c->code[w] = c->len - w;
}

static void bind_list(comp_t *c, uint32_t w) {
  c->last = LAST_NONE;
  if (w != CNONE) comp_label(c);
  while (w != CNONE && !c->oom) {
    uint32_t next = c->code[w];
    c->code[w] = c->len - w;
    w = next;
  }
}

static void link(comp_t *c, ctl_t *t, uint32_t w) {
  if (w == CNONE || c->oom) return;
  if (t->kind == C_LOOP) {
    /* Back edges land after the loop's fuel instruction and charge its count themselves. */
    c->code[w] = (uint32_t)(int32_t)((int64_t)t->label + 3 - (int64_t)w);
  } else {
    c->code[w] = t->patches;
    t->patches = w;
  }
}

static uint32_t arity(const ctl_t *t) {
  return t->kind == C_LOOP ? t->np : t->nr;
}

static bool moves_needed(comp_t *c, const ctl_t *t) {
  uint32_t n = arity(t);
  for (uint32_t i = 0; i < n; i++) {
    const vval_t *v = &c->vs[c->vh - n + i];
    if (v->kind != V_TEMP || v->slot != comp_temp(c, t->base + i)) return true;
  }
  return false;
}

/* Copy the top n values to T(base..): ascending order never clobbers a later source. */
static void move_results(comp_t *c, uint32_t base, uint32_t n) {
  if (c->vh < n) return;
  for (uint32_t i = 0; i < n; i++)
    move_to(c, comp_temp(c, base + i), c->vs[c->vh - n + i]);
}

static void emit_return(comp_t *c) {
  uint32_t n = c->nr;
  if (c->vh < n) return;
  uint32_t first = c->vh - n;
  for (uint32_t i = 0; i < n; i++) {
    const vval_t *v = &c->vs[first + i];
    if (v->kind == V_LOCAL && v->slot < i) {
      for (uint32_t j = 0; j < n; j++)
        if (c->vs[first + j].kind == V_LOCAL) materialize(c, first + j);
      break;
    }
  }
  if (n == 1 && scale__interp_fresh(c) && !c->oom) {
    /* A single result computed just now: write it straight into slot 0. */
    c->code[c->last_dst] = 0;
  } else {
    for (uint32_t i = 0; i < n; i++)
      move_to(c, i, c->vs[first + i]);
  }
  EMIT(c, ret, c->rec);
}

static void branch_to(comp_t *c, ctl_t *t) {
  if (t->kind == C_FUNC) {
    emit_return(c);
    return;
  }
  move_results(c, t->base, arity(t));
  link(c, t, EMIT(c, br, 0));
}

bool scale__interp_fresh(const comp_t *c) {
  return c->vh > 0 && c->last != LAST_NONE && c->last_end == c->len && c->last_h == c->vh - 1 &&
         c->vs[c->vh - 1].kind == V_TEMP && c->vs[c->vh - 1].slot == comp_temp(c, c->vh - 1);
}

static cond_t take_cond(comp_t *c) {
  cond_t k;
  memset(&k, 0, sizeof k);
  bool fresh = scale__interp_fresh(c);
  if (fresh && c->last == LAST_CMP) {
    scale__interp_unemit(c, c->last_start);
    k.kind = K_CMP;
    k.cmp = c->last_cmp;
    k.is64 = c->last_64;
    k.imm = c->last_imm;
    k.a = c->last_a;
    k.b = c->last_b;
  } else if (fresh && c->last == LAST_EQZ) {
    scale__interp_unemit(c, c->last_start);
    k.kind = K_Z;
    k.a = c->last_a;
  } else if (c->vh > 0 && c->vs[c->vh - 1].kind == V_CONST) {
    k.kind = K_CONST;
    k.a = (uint32_t)c->vs[c->vh - 1].bits != 0;
  } else if (c->vh > 0) {
    k.kind = K_NZ;
    k.a = c->vs[c->vh - 1].slot;
  }
  c->last = LAST_NONE;
  scale__interp_pop(c);
  return k;
}

/* A temporary slot no value on the virtual stack lives in: a write to it is dead. */
static bool dead_temp(const comp_t *c, uint32_t slot) {
  if (slot < c->tbase) return false;
  for (uint32_t i = 0; i < c->vh; i++)
    if (c->vs[i].kind == V_TEMP && c->vs[i].slot == slot) return false;
  return true;
}

static bool handler_is(const comp_t *c, uint32_t at, int op) {
  return at + 2 <= c->len && memcmp(&c->code[at], &c->h[op], sizeof(void *)) == 0;
}

/*
 * The letter-loop chain just took its back edge (delta word w): make it a
 * scan_loop (code.h) when the loop head and the dead results allow.
 */
static void scan_loop(comp_t *c, uint32_t w) {
  const int chain = IOP_AAML__i32_and_imm__i32_add_imm__i32_and_imm__br_i32_gt_u_imm;
  if (c->oom || w == CNONE || c->prev_op != chain || c->prev_end != c->len) return;
  uint32_t x = c->prev_start; /* the chain's handler word; its operands start at x + 2 */
  if (w != x + 2 + 22) return;
  int64_t head = (int64_t)w + (int32_t)c->code[w];
  if (head < 1 || head + 5 > x || !handler_is(c, (uint32_t)head, IOP_br_i32_ne_imm)) return;
  uint32_t hd = (uint32_t)head + 4; /* the head's delta word */
  if ((int64_t)hd + (int32_t)c->code[hd] != (int64_t)x) return;
  static const uint32_t dead[] = {8, 11, 14, 17}; /* load, and, add, and: their destinations */
  for (size_t i = 0; i < sizeof dead / sizeof dead[0]; i++)
    if (!dead_temp(c, c->code[x + 2 + dead[i]])) return;
  memcpy(&c->code[x], &c->h[IOP_scan_loop], sizeof(void *));
  c->prev_op = IOP_scan_loop;
}

/*
 * The non-letter chain's compare-branch was just emitted (delta word w): make it a scan_class
 * (code.h) when the load feeds the first step and the first three results are dead.
 */
static void scan_class(comp_t *c, uint32_t w) {
  const int chain = IOP_load8_u_ai__i32_and_imm__i32_add_imm__i32_and_imm__br_i32_gt_u_imm;
  if (c->oom || c->prev_op != chain || c->prev_end != c->len) return;
  uint32_t x = c->prev_start;
  if (w != x + 2 + 15) return;
  const uint32_t *o = &c->code[x + 2];
  if (o[5] != o[0] || !dead_temp(c, o[0]) || !dead_temp(c, o[4]) || !dead_temp(c, o[7])) return;
  memcpy(&c->code[x], &c->h[IOP_scan_class], sizeof(void *));
  c->prev_op = IOP_scan_class;
}

/* Branch taken when the condition's truth equals `sense`; returns the delta word or CNONE. */
static uint32_t emit_cond_br(comp_t *c, const cond_t *k, bool sense) {
  switch (k->kind) {
  case K_CONST:
    return (k->a != 0) == sense ? EMIT(c, br, 0) : CNONE;
  case K_NZ:
    return sense ? EMIT(c, br_nz, k->a, 0) + 1 : EMIT(c, br_z, k->a, 0) + 1;
  case K_Z:
    return sense ? EMIT(c, br_z, k->a, 0) + 1 : EMIT(c, br_nz, k->a, 0) + 1;
  default: {
    uint32_t cmp = sense ? k->cmp : cmp_not[k->cmp];
    int base = k->is64 ? (k->imm ? IOP_br_i64_eq_imm : IOP_br_i64_eq)
                       : (k->imm ? IOP_br_i32_eq_imm : IOP_br_i32_eq);
    uint32_t w = scale__interp_emit(c, base + (int)cmp, (const uint32_t[]){k->a, k->b, 0}, 3) + 2;
    scan_class(c, w);
    return w;
  }
  }
}

/* ---- the translation loop ------------------------------------------- */

typedef struct fstate {
  ctl_t *ctl;
  uint32_t nctl, ctlcap;
  uint32_t hidden_next;
} fstate_t;

static ctl_t *push_ctl(comp_t *c, fstate_t *s, uint8_t kind, uint32_t np, uint32_t nr) {
  if (s->nctl == s->ctlcap) {
    uint32_t cap = s->ctlcap ? s->ctlcap * 2 : 16;
    ctl_t *p = cap > SCALE_MAX_BLOCK_DEPTH * 2 + 16 ? NULL : realloc(s->ctl, cap * sizeof *p);
    if (!p) {
      c->oom = true;
      return NULL;
    }
    s->ctl = p;
    s->ctlcap = cap;
  }
  ctl_t *t = &s->ctl[s->nctl++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->np = np;
  t->nr = nr;
  t->base = c->vh >= np ? c->vh - np : 0;
  t->patches = CNONE;
  t->else_patch = CNONE;
  return t;
}

/* On entering a block, values in locals move to temporaries (a local.set inside may run on only
 * one path), and the params sit in the block's own slots. */
static void enter_block(comp_t *c, uint32_t np) {
  uint32_t first_param = c->vh >= np ? c->vh - np : 0;
  for (uint32_t i = 0; i < c->vh; i++)
    if (c->vs[i].kind == V_LOCAL || i >= first_param) materialize(c, i);
}

static void charge_region(comp_t *c) {
  if (c->fuel_word == CNONE)
    c->fuel_entry = c->fuel_count;
  else if (!c->oom)
    c->code[c->fuel_word] = c->fuel_count;
  c->fuel_count = 0;
}

static void local_set(comp_t *c, uint32_t l, bool tee) {
  if (l >= c->nlocals_all) {
    c->rd.bad = true;
    return;
  }
  bool forward =
      c->last != LAST_NONE && c->last_end == c->len && c->vh > 0 && c->last_h == c->vh - 1;
  vval_t v = scale__interp_pop(c);
  uint32_t sl = local_slot(c, l);
  if (!(v.kind == V_LOCAL && v.local == l)) {
    if (forward && v.kind == V_TEMP && v.slot == comp_temp(c, c->vh) && c->refs[l] == 0) {
      if (!c->oom) c->code[c->last_dst] = sl;
    } else {
      if (c->refs[l])
        for (uint32_t i = 0; i < c->vh; i++)
          if (c->vs[i].kind == V_LOCAL && c->vs[i].local == l) materialize(c, i);
      move_to(c, sl, v);
    }
  }
  c->last = LAST_NONE;
  if (tee) {
    if (v.kind == V_CONST) {
      scale__interp_push(c, v);
    } else {
      vval_t lv = {V_LOCAL, sl, l, 0};
      scale__interp_push(c, lv);
    }
  }
}

static void call_op(comp_t *c, const wasm_functype_t *ft, bool indirect, uint32_t a, uint32_t b) {
  uint32_t np = ft->param_count, nr = ft->result_count;
  uint32_t islot = 0;
  if (indirect) {
    vval_t iv = scale__interp_pop(c);
    islot = scale__interp_use(c, iv, c->vh);
  }
  if (c->vh < np) {
    c->rd.bad = true;
    return;
  }
  uint32_t h0 = c->vh - np;
  for (uint32_t i = h0; i < c->vh; i++)
    materialize(c, i);
  if (indirect)
    EMIT(c, call_indirect, a, b, islot, comp_temp(c, h0));
  else if (a >= c->m->imported_func_count)
    EMIT(c, call_defined, a, comp_temp(c, h0));
  else
    EMIT(c, call, a, comp_temp(c, h0));
  truncate_to(c, h0);
  for (uint32_t i = 0; i < nr; i++)
    push_temp(c, h0 + i);
}

/* Returns false when the function's final `end` was translated. */
static bool step(comp_t *c, fstate_t *s) {
  rd_t *r = &c->rd;
  uint8_t op = scale__interp_rd_u8(r);
  if (r->bad) return false;
  c->fuel_count++;
  ctl_t *t = &s->ctl[s->nctl - 1];
  if (t->dead) {
    if (op == 0x02 || op == 0x03 || op == 0x04) {
      skip_imm(c, op);
      t->dead_depth++;
      return true;
    }
    if ((op == 0x0b || op == 0x05) && t->dead_depth) {
      if (op == 0x0b) t->dead_depth--;
      return true;
    }
    if (op != 0x0b && op != 0x05) {
      skip_imm(c, op);
      return true;
    }
  }
  uint32_t np, nr, idx;
  switch (op) {
  case 0x00:
    EMIT(c, unreachable, 0);
    t->dead = true;
    return true;
  case 0x01:
    return true;
  case 0x02:
  case 0x03: {
    blocktype(c, &np, &nr);
    if (c->vh < np) {
      r->bad = true;
      return false;
    }
    enter_block(c, np);
    c->last = LAST_NONE;
    ctl_t *b = push_ctl(c, s, op == 0x02 ? C_BLOCK : C_LOOP, np, nr);
    if (!b) return false;
    if (op == 0x03) {
      charge_region(c);
      b->label = c->len;
      c->fuel_word = EMIT(c, loop_fuel, 0);
      /* Back edges land after the count word (link adds 3); the count may have fused into the
       * instruction before (mov + loop_fuel), which moves it. */
      b->label = c->fuel_word - 2;
      comp_label(c); /* back edges land here */
    }
    return true;
  }
  case 0x04: {
    blocktype(c, &np, &nr);
    cond_t k = take_cond(c);
    if (c->vh < np) {
      r->bad = true;
      return false;
    }
    enter_block(c, np);
    uint32_t hidden = s->hidden_next;
    s->hidden_next += np;
    for (uint32_t i = 0; i < np; i++)
      EMIT(c, mov, local_slot(c, hidden + i), comp_temp(c, c->vh - np + i));
    uint32_t w = emit_cond_br(c, &k, false);
    ctl_t *b = push_ctl(c, s, C_IF, np, nr);
    if (!b) return false;
    b->hidden = hidden;
    if (w != CNONE && !c->oom) {
      c->code[w] = CNONE;
      b->else_patch = w;
    }
    c->last = LAST_NONE;
    return true;
  }
  case 0x05: {
    if (t->kind != C_IF) {
      r->bad = true;
      return false;
    }
    if (!t->dead) {
      move_results(c, t->base, t->nr);
      link(c, t, EMIT(c, br, 0));
    }
    bind_list(c, t->else_patch);
    t->else_patch = CNONE;
    truncate_to(c, t->base);
    for (uint32_t i = 0; i < t->np; i++) {
      vval_t lv = {V_LOCAL, local_slot(c, t->hidden + i), t->hidden + i, 0};
      scale__interp_push(c, lv);
    }
    t->dead = false;
    return true;
  }
  case 0x0b: {
    if (t->kind == C_FUNC) {
      if (!t->dead) emit_return(c);
      s->nctl--;
      return false;
    }
    if (!t->dead) move_results(c, t->base, t->nr);
    bind_list(c, t->else_patch);
    bind_list(c, t->patches);
    truncate_to(c, t->base);
    for (uint32_t i = 0; i < t->nr; i++)
      push_temp(c, t->base + i);
    s->nctl--;
    return true;
  }
  case 0x0c:
    idx = scale__interp_rd_u32(r);
    if (idx >= s->nctl) {
      r->bad = true;
      return false;
    }
    branch_to(c, &s->ctl[s->nctl - 1 - idx]);
    t->dead = true;
    return true;
  case 0x0d: {
    idx = scale__interp_rd_u32(r);
    if (idx >= s->nctl) {
      r->bad = true;
      return false;
    }
    ctl_t *target = &s->ctl[s->nctl - 1 - idx];
    cond_t k = take_cond(c);
    if (target->kind == C_FUNC || moves_needed(c, target)) {
      uint32_t skip = emit_cond_br(c, &k, false);
      branch_to(c, target);
      bind_one(c, skip);
    } else {
      uint32_t w = emit_cond_br(c, &k, true);
      link(c, target, w);
      if (target->kind == C_LOOP) scan_loop(c, w);
    }
    c->last = LAST_NONE;
    return true;
  }
  case 0x0e: {
    uint32_t n = scale__interp_rd_u32(r);
    if (n > SCALE_MAX_BR_TABLE) {
      r->bad = true;
      return false;
    }
    uint32_t *depths = malloc(((size_t)n + 1) * sizeof *depths);
    if (!depths) {
      c->oom = true;
      return false;
    }
    for (uint32_t i = 0; i <= n; i++) {
      depths[i] = scale__interp_rd_u32(r);
      if (depths[i] >= s->nctl) r->bad = true;
    }
    if (r->bad) {
      free(depths);
      return false;
    }
    vval_t iv = scale__interp_pop(c);
    uint32_t islot = scale__interp_use(c, iv, c->vh);
    uint32_t first = EMIT(c, br_table, islot, n) + 2;
    if (reserve(c, n + 1)) {
      c->len += n + 1;
      for (uint32_t i = 0; i <= n; i++) {
        ctl_t *tg = &s->ctl[s->nctl - 1 - depths[i]];
        if (tg->kind == C_FUNC || moves_needed(c, tg))
          depths[i] |= 0x80000000u; /* needs a stub that moves the values first */
        else
          link(c, tg, first + i);
      }
      for (uint32_t i = 0; i <= n && !c->oom; i++) {
        if (!(depths[i] & 0x80000000u)) continue;
        bind_one(c, first + i);
        branch_to(c, &s->ctl[s->nctl - 1 - (depths[i] & 0x7fffffffu)]);
      }
    }
    free(depths);
    t->dead = true;
    return true;
  }
  case 0x0f:
    emit_return(c);
    t->dead = true;
    return true;
  case 0x10: {
    idx = scale__interp_rd_u32(r);
    if (idx >= wasm_module_total_funcs(c->m)) {
      r->bad = true;
      return false;
    }
    call_op(c, wasm_module_func_type(c->m, idx), false, idx, 0);
    return true;
  }
  case 0x11: {
    idx = scale__interp_rd_u32(r);
    uint32_t table = scale__interp_rd_u32(r);
    if (idx >= c->m->type_count) {
      r->bad = true;
      return false;
    }
    call_op(c, &c->m->types[idx], true, idx, table);
    return true;
  }
  case 0x1a:
    scale__interp_pop(c);
    return true;
  case 0x20: {
    idx = scale__interp_rd_u32(r);
    if (idx >= c->nlocals_all) {
      r->bad = true;
      return false;
    }
    vval_t lv = {V_LOCAL, local_slot(c, idx), idx, 0};
    scale__interp_push(c, lv);
    return true;
  }
  case 0x21:
  case 0x22:
    local_set(c, scale__interp_rd_u32(r), op == 0x22);
    return true;
  case 0x23: {
    idx = scale__interp_rd_u32(r);
    uint32_t start = c->len;
    /* funcref globals hold a 3-word reference (AOT layout), not a slot. */
    bool ref = wasm_module_global_type(c->m, idx).type == WASM_FUNCREF;
    uint32_t w = ref ? EMIT(c, global_get_ref, comp_temp(c, c->vh), idx)
                     : EMIT(c, global_get, comp_temp(c, c->vh), idx);
    scale__interp_result(c, start, w);
    return true;
  }
  case 0x24: {
    idx = scale__interp_rd_u32(r);
    vval_t v = scale__interp_pop(c);
    uint32_t sv = scale__interp_use(c, v, c->vh);
    if (wasm_module_global_type(c->m, idx).type == WASM_FUNCREF)
      EMIT(c, global_set_ref, idx, sv);
    else
      EMIT(c, global_set, idx, sv);
    return true;
  }
  case 0x41: {
    vval_t v = {V_CONST, 0, 0, (uint32_t)(int32_t)rd_leb(r, true)};
    scale__interp_push(c, v);
    return true;
  }
  case 0x42: {
    vval_t v = {V_CONST, 0, 0, rd_leb(r, true)};
    scale__interp_push(c, v);
    return true;
  }
  case 0x43:
  case 0x44: {
    unsigned n = op == 0x43 ? 4 : 8;
    vval_t v = {V_CONST, 0, 0, 0};
    if ((size_t)(r->end - r->p) < n) {
      r->bad = true;
      return false;
    }
    for (unsigned i = 0; i < n; i++)
      v.bits |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    scale__interp_push(c, v);
    return true;
  }
  default:
    if (!scale__interp_compile_op(c, op)) r->bad = true;
    return !r->bad;
  }
}

/* Count the hidden locals needed: one per param of every `if` with params. */
static uint64_t count_if_params(comp_t *c) {
  rd_t save = c->rd;
  uint64_t total = 0;
  while (c->rd.p < c->rd.end && !c->rd.bad) {
    uint8_t op = *c->rd.p++;
    if (op == 0x04) {
      uint32_t np, nr;
      blocktype(c, &np, &nr);
      total += np;
    } else {
      skip_imm(c, op);
    }
  }
  c->rd = save;
  return total;
}

bool scale__interp_compile(const wasm_module_t *m, const scale_functype_t *const *types,
                           uint32_t defined_index, scale__code_t **out, wasm_diag_t *diag) {
  (void)types;
  *out = NULL;
  if (defined_index >= m->func_count || m->funcs[defined_index].type_index >= m->type_count) {
    diag->message = "interp: bad function index";
    return false;
  }
  const wasm_func_t *f = &m->funcs[defined_index];
  const wasm_functype_t *ft = &m->types[f->type_index];
  comp_t c;
  memset(&c, 0, sizeof c);
  fstate_t s;
  memset(&s, 0, sizeof s);
  c.m = m;
  c.h = scale__interp_handlers();
  c.rd.p = f->code;
  c.rd.end = f->code + f->code_len;
  c.np = ft->param_count;
  c.nr = ft->result_count;
  c.rec = c.np > c.nr ? c.np : c.nr;
  uint64_t hidden = count_if_params(&c);
  uint64_t nlx = (uint64_t)f->local_count + hidden;
  uint64_t all = c.np + nlx;
  bool ok = false;
  if (all > (1u << 24)) {
    diag->message = "interp: too many locals";
    goto done;
  }
  c.nlx = (uint32_t)nlx;
  c.nlocals_all = (uint32_t)all;
  c.tbase = c.rec + 3 + c.nlx;
  s.hidden_next = c.np + f->local_count;
  c.refs = calloc(all + 1, sizeof *c.refs);
  if (!c.refs) {
    diag->message = "out of memory";
    goto done;
  }
  c.fuel_word = CNONE;
  c.prev_op = -1;
  c.prev_dst = CNONE;
  c.prev2_op = -1;
  c.fused_b = CNONE;
  c.code = malloc(64 * sizeof *c.code);
  if (!c.code) {
    c.oom = true;
    goto fail;
  }
  c.cap = 64;
  if (!push_ctl(&c, &s, C_FUNC, 0, c.nr)) goto fail;
  while (!c.oom && step(&c, &s)) {
  }
  charge_region(&c);
  if (c.oom || c.rd.bad || s.nctl != 0) goto fail;
  scale__code_t *code = malloc(sizeof *code);
  if (!code) {
    c.oom = true;
    goto fail;
  }
  uint32_t *shrunk = realloc(c.code, (size_t)(c.len ? c.len : 1) * sizeof *shrunk);
  code->words = shrunk ? shrunk : c.code;
  c.code = NULL;
  code->nwords = c.len;
  code->nparams = c.np;
  code->nresults = c.nr;
  code->rec = c.rec;
  code->nlocals = c.nlx;
  code->frame_slots = c.tbase + c.max_h + 1;
  code->fuel_entry = c.fuel_entry;
  *out = code;
  ok = true;
  goto done;
fail:
  diag->message = c.oom ? "out of memory" : "interp: malformed function body";
  diag->offset = f->code_offset + (size_t)(c.rd.p - f->code);
done:
  free(c.code);
  free(c.vs);
  free(c.refs);
  free(s.ctl);
  return ok;
}

void scale__interp_code_free(scale__code_t *code) {
  if (!code) return;
  free(code->words);
  free(code);
}
