/*
 * The interpreter's internal code form, shared by the translator
 * (compile.c) and the dispatch loop (exec.c).
 *
 * A compiled function is an array of 32-bit words. Each instruction is the
 * address of its handler (two words, read unaligned) followed by operand
 * words: frame slot indices, 32-bit immediates, or branch deltas (signed,
 * in words, relative to the delta word itself). Nothing here needs LEB128
 * decoding or operand-stack bookkeeping at run time.
 *
 * Every i32 value in a slot is kept zero-extended (upper 32 bits zero):
 * i32 producers (arithmetic, loads, constants, wrap, conversions) and the
 * runtime (scale__val_to_slot, global initialisers) all guarantee it, so
 * i64.extend_i32_u needs no instruction at all.
 *
 * Frame layout (slot = 64 bits), R = max(params, results):
 *   [0, R)           parameters on entry, results on return
 *   [R, R+3)         frame record: return ip, caller fp, caller function
 *   [R+3, R+3+L)     declared locals (and hidden copies of `if` params)
 *   [R+3+L, ...)     operand-stack temporaries, one per stack height
 * A call places the arguments in the caller's temporaries at the stack
 * height of the first argument; that address is the callee's frame.
 */
#ifndef SCALE_WASM_INTERP_CODE_H
#define SCALE_WASM_INTERP_CODE_H

#include <stdint.h>

#include "wasm/interp/interp.h"

/* The X-macro tables below are laid out by hand: clang-format does not settle on them. */
// clang-format off
/* Compare conditions in the order of the i32 compare opcodes 0x46..0x4f. */
#define SCALE_INTERP_CMPS(X)                                                                       \
  X(eq) X(ne) X(lt_s) X(lt_u) X(gt_s) X(gt_u) X(le_s) X(le_u) X(ge_s) X(ge_u)

/* Numeric opcodes 0x45..0xc4, in opcode order (the translator relies on it). */
#define SCALE_INTERP_NUMERIC(X)                                                                    \
  X(i32_eqz)                                                                                       \
  X(i32_eq) X(i32_ne) X(i32_lt_s) X(i32_lt_u) X(i32_gt_s) X(i32_gt_u) X(i32_le_s) X(i32_le_u) X(   \
      i32_ge_s) X(i32_ge_u) X(i64_eqz) X(i64_eq) X(i64_ne) X(i64_lt_s) X(i64_lt_u) X(i64_gt_s)     \
      X(i64_gt_u) X(i64_le_s) X(i64_le_u) X(i64_ge_s) X(i64_ge_u) X(f32_eq) X(f32_ne) X(f32_lt) X( \
          f32_gt) X(f32_le) X(f32_ge) X(f64_eq) X(f64_ne) X(f64_lt) X(f64_gt) X(f64_le) X(f64_ge)  \
          X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i32_add) X(i32_sub) X(i32_mul) X(i32_div_s) X(     \
              i32_div_u) X(i32_rem_s) X(i32_rem_u) X(i32_and) X(i32_or) X(i32_xor) X(i32_shl)      \
              X(i32_shr_s) X(i32_shr_u) X(i32_rotl) X(i32_rotr) X(i64_clz) X(i64_ctz) X(           \
                  i64_popcnt) X(i64_add) X(i64_sub) X(i64_mul) X(i64_div_s) X(i64_div_u)           \
                  X(i64_rem_s) X(i64_rem_u) X(i64_and) X(i64_or) X(i64_xor) X(i64_shl) X(          \
                      i64_shr_s) X(i64_shr_u) X(i64_rotl) X(i64_rotr)                              \
                      X(f32_abs) X(f32_neg) X(f32_ceil) X(f32_floor) X(f32_trunc) X(               \
                          f32_nearest) X(f32_sqrt) X(f32_add) X(f32_sub) X(f32_mul) X(f32_div)     \
                          X(f32_min) X(f32_max) X(f32_copysign)                                    \
                              X(f64_abs) X(f64_neg) X(f64_ceil) X(f64_floor) X(f64_trunc) X(       \
                                  f64_nearest) X(f64_sqrt) X(f64_add) X(f64_sub) X(f64_mul)        \
                                  X(f64_div) X(f64_min) X(f64_max) X(f64_copysign) X(i32_wrap_i64) \
                                      X(i32_trunc_f32_s) X(i32_trunc_f32_u) X(i32_trunc_f64_s) X(  \
                                          i32_trunc_f64_u) X(i64_extend_i32_s) X(i64_extend_i32_u) \
                                          X(i64_trunc_f32_s) X(i64_trunc_f32_u) X(i64_trunc_f64_s) \
                                              X(i64_trunc_f64_u) X(f32_convert_i32_s) X(           \
                                                  f32_convert_i32_u) X(f32_convert_i64_s)          \
                                                  X(f32_convert_i64_u) X(f32_demote_f64) X(        \
                                                      f64_convert_i32_s) X(f64_convert_i32_u)      \
                                                      X(f64_convert_i64_s) X(f64_convert_i64_u) X( \
                                                          f64_promote_f32) X(i32_reinterpret_f32)  \
                                                          X(i64_reinterpret_f64) X(                \
                                                              f32_reinterpret_i32)                 \
                                                              X(f64_reinterpret_i64) X(            \
                                                                  i32_extend8_s) X(i32_extend16_s) \
                                                                  X(i64_extend8_s)                 \
                                                                      X(i64_extend16_s)            \
                                                                          X(i64_extend32_s)

#define SCALE_INTERP_BRCMP(X, T)                                                                   \
  X(br_##T##_eq)                                                                                   \
  X(br_##T##_ne) X(br_##T##_lt_s) X(br_##T##_lt_u) X(br_##T##_gt_s) X(br_##T##_gt_u)               \
      X(br_##T##_le_s) X(br_##T##_le_u) X(br_##T##_ge_s) X(br_##T##_ge_u)

/* Every internal op. Operand words follow the handler, in the order given. */
#define SCALE_INTERP_OPS(X)                                                                        \
  SCALE_INTERP_NUMERIC(X) /* un: d a | bin: d a b */                                               \
  X(unreachable)          /* - */                                                                  \
  X(br)                   /* delta */                                                              \
  X(br_nz)                                                                                         \
  X(br_z)                                 /* cond delta */                                         \
      X(br_table)                         /* idx count delta[count+1] */                           \
      X(ret)                              /* R */                                                  \
      X(loop_fuel)                        /* n */                                                  \
      X(call)                             /* funcidx argbase */                                    \
      X(call_defined)                     /* funcidx argbase: a function defined in this module */ \
      X(call_indirect)                    /* typeidx tableidx idx argbase */                       \
      X(mov)                              /* d a */                                                \
      X(const32)                          /* d imm */                                              \
      X(const64)                          /* d lo hi */                                            \
      X(select)                           /* d a b cond */                                         \
      X(global_get) X(global_set)         /* d idx | idx a */                                      \
      X(global_get_ref) X(global_set_ref) /* funcref globals: d idx | idx a */                     \
      X(load8_s) X(load8_u) X(load16_s) X(load16_u) X(load32_s) X(load32_u)                        \
          X(load64)                              /* d a off */                                     \
      X(i32_load8_s) X(i32_load16_s)             /* d a off: sign-extend to 32 bits only */        \
      X(store8) X(store16) X(store32) X(store64) /* a v off */                                     \
      X(memory_size) X(memory_grow)              /* d | d n */                                     \
      X(memory_init) X(data_drop)                /* seg d s n | seg */                             \
      X(memory_copy) X(memory_fill)              /* d s n | d v n */                               \
      X(ref_func)                                /* d funcidx */                                   \
      X(table_get) X(table_set)                  /* d t i | t i v */                               \
      X(table_size) X(table_grow)                /* d t | d t init n */                            \
      X(table_fill) X(table_copy)                /* t i v n | dt st d s n */                       \
      X(table_init) X(elem_drop)                 /* t seg d s n | seg */                           \
      X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u) X(i32_trunc_sat_f64_s) X(i32_trunc_sat_f64_u)  \
          X(i64_trunc_sat_f32_s) X(i64_trunc_sat_f32_u) X(i64_trunc_sat_f64_s)                     \
              X(i64_trunc_sat_f64_u) SCALE_INTERP_BRCMP(X, i32)                                    \
                  SCALE_INTERP_BRCMP(X, i64) /* a b delta */                                       \
      SCALE_INTERP_BRCMP_IMM(X)              /* a imm delta */                                     \
      SCALE_INTERP_IMM_OPS(X)                /* d a imm */                                         \
      X(load8_s_ai) X(load8_u_ai) X(load16_s_ai) X(load16_u_ai) X(load32_s_ai) X(load32_u_ai)      \
          X(load64_ai) /* d a imm off: address (a + imm) mod 2^32 */                               \
      X(i32_load8_s_ai) X(i32_load16_s_ai) X(store8_ai) X(store16_ai) X(store32_ai)                \
          X(store64_ai)                                  /* a imm v off */                         \
      X(store8_k) X(store16_k) X(store32_k) X(store64_k) /* a k off: constant value */             \
      X(scan_loop)  /* the operands of AAML__..._and_imm__br_i32_gt_u_imm */                       \
      X(scan_class) /* the operands of load8_u_ai__..._and_imm__br_i32_gt_u_imm */

#define SCALE_INTERP_BRCMP_IMM(X)                                                                  \
  X(br_i32_eq_imm)                                                                                 \
  X(br_i32_ne_imm) X(br_i32_lt_s_imm) X(br_i32_lt_u_imm) X(br_i32_gt_s_imm) X(br_i32_gt_u_imm)     \
      X(br_i32_le_s_imm) X(br_i32_le_u_imm) X(br_i32_ge_s_imm) X(br_i32_ge_u_imm) X(br_i64_eq_imm) \
          X(br_i64_ne_imm) X(br_i64_lt_s_imm) X(br_i64_lt_u_imm) X(br_i64_gt_s_imm)                \
              X(br_i64_gt_u_imm) X(br_i64_le_s_imm) X(br_i64_le_u_imm) X(br_i64_ge_s_imm)          \
                  X(br_i64_ge_u_imm)
#define SCALE_INTERP_IMM_OPS(X)                                                                    \
  X(i32_eq_imm)                                                                                    \
  X(i32_ne_imm) X(i32_lt_s_imm) X(i32_lt_u_imm) X(i32_gt_s_imm) X(i32_gt_u_imm) X(i32_le_s_imm)    \
      X(i32_le_u_imm) X(i32_ge_s_imm) X(i32_ge_u_imm) X(i32_add_imm) X(i32_sub_imm) X(i32_mul_imm) \
          X(i32_and_imm) X(i32_or_imm) X(i32_xor_imm) X(i32_shl_imm) X(i32_shr_s_imm)              \
              X(i32_shr_u_imm) X(i32_rotl_imm) X(i32_rotr_imm) X(i64_eq_imm) X(i64_ne_imm)         \
                  X(i64_lt_s_imm) X(i64_lt_u_imm) X(i64_gt_s_imm) X(i64_gt_u_imm) X(i64_le_s_imm)  \
                      X(i64_le_u_imm) X(i64_ge_s_imm) X(i64_ge_u_imm) X(i64_add_imm)               \
                          X(i64_sub_imm) X(i64_mul_imm) X(i64_and_imm) X(i64_or_imm)               \
                              X(i64_xor_imm) X(i64_shl_imm) X(i64_shr_s_imm) X(i64_shr_u_imm)      \
                                  X(i64_rotl_imm) X(i64_rotr_imm)

/*
 * Superinstructions: pairs (A, B) of adjacent instructions run by one
 * handler, A's body then B's, with A's operands followed by B's (B's handler
 * words dropped). Semantics are exactly the sequence, so the translator may
 * fuse any listed pair with no jump target between them. Chosen from the
 * dispatch profile of the bench workloads (-DSCALE_INTERP_PROFILE).
 * _GEN pairs: A falls through and B is a plain value/memory op (generic
 * handler); _BR pairs: B is a conditional branch or a call (written per family).
 */
#define SCALE_INTERP_PAIRS_GEN(P)                                                                  \
  P(i32_add_imm, i32_add_imm)                                                                      \
  P(i32_add_imm, i32_and_imm) P(i32_add_imm, load64_ai) P(i32_add_imm, load32_u_ai) P(             \
      i32_add_imm, mov) P(i32_add_imm, i32_shl_imm) P(i32_add_imm, load32_u)                       \
      P(i32_add_imm, load8_u) P(i32_and_imm, i32_add_imm) P(i32_and_imm, i32_shl_imm) P(           \
          i32_add, load64) P(i32_add, load32_u) P(i32_add, load8_u) P(i32_add, i32_add)            \
          P(i32_add, i32_add_imm) P(i32_add, mov) P(i32_add, i64_extend_i32_u) P(i32_add, i32_xor) \
              P(f64_mul, load64) P(load64, f64_add) P(f64_add, store64) P(store64, i32_add_imm)    \
                  P(i32_rotl_imm, i32_xor) P(i32_xor, i32_rotl_imm) P(i32_rotl_imm, i32_rotl_imm)  \
                      P(i32_xor, i32_add) P(i32_xor, i32_shr_u_imm) P(i32_shr_u_imm, i32_xor)      \
                          P(load32_u_ai, i32_rotl_imm) P(i32_and, i32_add) P(i32_and, i32_xor)     \
                              P(i32_xor, i32_and) P(mov, mov) P(load32_u_ai, i32_and)              \
                                  P(i32_shl_imm, i32_add) P(i32_shl_imm, i32_or)                   \
                                      P(load32_u_ai, load8_u_ai) P(load32_u, store32)              \
                                          P(store32, i32_add_imm) P(store32, i32_and_imm)          \
                                              P(i32_or, load32_u) P(load8_u, i32_and_imm) P(       \
                                                  mov, load8_u) P(store8_k, i32_add)               \
                                                  P(i64_extend_i32_u, i32_add) P(i32_and, i32_and) \
                                                      P(i32_add_imm, store32)                      \
                                                          P(load32_u, i32_add_imm) P(i32_add,      \
                                                                                     load32_u_ai)  \
                                                              P(load8_u_ai, i32_add)               \
                                                                  P(i32_add, store32)              \
                                                                      P(i32_add, i32_xor_imm)      \
                                                                          P(load64_ai, f64_sub)    \
                                                                              P(f64_mul, f64_mul)

/*
 * Chains: a fused op as A extends to three or more instructions, one prefix
 * at a time (the translator fuses greedily, so every prefix is listed).
 * textscan's character-class test is load, and, add, and, compare-branch;
 * sieve's inner loop ends in a copy, an add and a 64-bit compare-branch.
 * _L chains are linked: B's input (operand 1, or operand 0 of a branch) is
 * the slot A's last part just wrote, so the handler passes the value in a
 * register instead of through the frame (a store-to-load round trip per
 * step); the translator fuses them only when the operands say so.
 */
#define SCALE_INTERP_CHAINS_GEN_U(P)                                                               \
  P(mov, i32_add)                                                                                  \
  P(const32, const32) P(const32__const32, i32_add_imm) P(i32_add_imm__i32_add_imm__mov, load8_u)   \
      P(load8_u_ai, i32_and_imm) P(LM, load64) P(ALM, load64) P(store8_k__i32_add, mov)            \
          P(SAM, i32_add) P(load8_u_ai, load8_u_ai) P(load8_u_ai__load8_u_ai, load8_u_ai)          \
              P(L3, load8_u) P(i32_add__i32_add, i32_add) P(i32_add__i32_add__i32_add, i32_add)    \
                  P(i32_add_imm, i64_add_imm) P(i32_add__i32_add, load64) P(AALM, load64)          \
                      P(ALMS, i32_add_imm)
#define SCALE_INTERP_CHAINS_GEN_L(P)                                                               \
  P(mov__load8_u, i32_and_imm)                                                                     \
  P(mov__load8_u__i32_and_imm, i32_add_imm) P(mov__load8_u__i32_and_imm__i32_add_imm, i32_and_imm) \
      P(load8_u_ai__i32_and_imm, i32_add_imm) P(load8_u_ai__i32_and_imm__i32_add_imm, i32_and_imm) \
          P(i32_and_imm__i32_add_imm, i32_and_imm) P(i32_add_imm__i32_add_imm, mov)                \
              P(AAML, i32_and_imm) P(AAML__i32_and_imm, i32_add_imm)                               \
                  P(AAML__i32_and_imm__i32_add_imm, i32_and_imm) P(load64, f64_mul)                \
                      P(LM__load64, f64_add) P(LM__load64__f64_add, store64)                       \
                          P(i32_add_imm__load64_ai, f64_mul) P(ALM__load64, f64_add)               \
                              P(ALM__load64__f64_add, store64) P(AAL, f64_mul)                     \
                                  P(AALM__load64, f64_add) P(AALM__load64__f64_add, store64)
#define SCALE_INTERP_CHAINS_BR_U(P)                                                                \
  P(mov__i32_add, br_i64_lt_u)                                                                     \
  P(const32__const32__i32_add_imm, br_i32_ne_imm) P(SAM__i32_add, br_i64_lt_u)                     \
      P(i32_add_imm__i64_add_imm, br_i64_ne_imm) P(ALMS__i32_add_imm, br_i32_ne_imm)
#define SCALE_INTERP_CHAINS_BR_L(P)                                                                \
  P(mov__load8_u__i32_and_imm__i32_add_imm__i32_and_imm, br_i32_gt_u_imm)                          \
  P(load8_u_ai__i32_and_imm__i32_add_imm__i32_and_imm, br_i32_gt_u_imm)                            \
  P(i32_and_imm__i32_add_imm__i32_and_imm, br_i32_gt_u_imm)                                        \
  P(AAML__i32_and_imm__i32_add_imm__i32_and_imm, br_i32_gt_u_imm)
#define SCALE_INTERP_CHAINS(P)                                                                     \
  SCALE_INTERP_CHAINS_GEN_U(P)                                                                     \
  SCALE_INTERP_CHAINS_GEN_L(P) SCALE_INTERP_CHAINS_BR_U(P) SCALE_INTERP_CHAINS_BR_L(P)
/*
 * scan_loop: a whole byte-scanning loop in one handler, textscan's letter
 * loop (`while (i < n && is_letter(in[i])) i++` as clang emits it). The
 * loop head is `br_i32_ne_imm x k` jumping over an exit path straight to the
 * chain AAML, and, add, and, br_i32_gt_u_imm whose back edge returns to that
 * head. The translator turns the chain into scan_loop when (1) the back
 * edge's target is such a head and the head's own target is the chain, and
 * (2) the load's and the three class steps' results are temporaries nobody
 * reads after the branch. The handler then keeps the class value in a
 * register (no frame stores), charges the loop's fuel, runs the head's
 * compare itself and loops without a dispatch while the head jumps back.
 * scan_class: the same class test after an indexed byte load (textscan's
 * non-letter loop), when the load feeds the first `and` and the load's and
 * the first two steps' results are dead; only the last step is stored.
 */
/* Short name for the prefix add_imm, add_imm, mov, load8_u (textscan's letter loop). */
#define IOP_AAML IOP_i32_add_imm__i32_add_imm__mov__load8_u
#define L_AAML L_i32_add_imm__i32_add_imm__mov__load8_u
/* matmul's c[j] += a * b[j]: load, multiply, load, add, store (optionally after an address add). */
/* sieve's marking loop: store byte, advance pointer, copy counter, advance it, compare. */
#define IOP_SAM IOP_store8_k__i32_add__mov
#define L_SAM L_store8_k__i32_add__mov
/* sieve's counting loop: four byte loads, four adds, two counter updates and the test. */
#define IOP_L3 IOP_load8_u_ai__load8_u_ai__load8_u_ai
#define L_L3 L_load8_u_ai__load8_u_ai__load8_u_ai
#define IOP_LM IOP_load64__f64_mul
#define L_LM L_load64__f64_mul
#define IOP_ALM IOP_i32_add_imm__load64_ai__f64_mul
#define L_ALM L_i32_add_imm__load64_ai__f64_mul
#define IOP_AAL IOP_i32_add__i32_add__load64
#define L_AAL L_i32_add__i32_add__load64
#define IOP_AALM IOP_AAL__f64_mul
#define L_AALM L_AAL__f64_mul
#define IOP_ALMS IOP_ALM__load64__f64_add__store64
#define L_ALMS L_ALM__load64__f64_add__store64

#define SCALE_INTERP_PAIRS_BR(P)                                                                   \
  P(i32_add_imm, br_i32_eq_imm)                                                                    \
  P(i32_add_imm, br_i32_ne_imm) P(i32_add_imm, br_i32_lt_s_imm) P(i32_add_imm, br_i32_lt_u_imm)    \
      P(i32_add_imm, br_i32_gt_s_imm) P(i32_add_imm, br_i32_gt_u_imm)                              \
          P(i32_add_imm, br_i32_le_s_imm) P(i32_add_imm, br_i32_le_u_imm)                          \
              P(i32_add_imm, br_i32_ge_s_imm) P(i32_add_imm, br_i32_ge_u_imm)                      \
                  P(i32_add_imm, br_i32_eq) P(i32_add_imm, br_i32_ne) P(i32_add_imm, br_i32_lt_s)  \
                      P(i32_add_imm, br_i32_lt_u) P(i32_add_imm, br_i32_gt_s)                      \
                          P(i32_add_imm, br_i32_gt_u) P(i32_add_imm, br_i32_le_s) P(i32_add_imm,   \
                                                                                    br_i32_le_u)   \
                              P(i32_add_imm, br_i32_ge_s) P(i32_add_imm, br_i32_ge_u)              \
                                  P(i32_add_imm, br_nz) P(i32_add_imm, br_z) P(i32_add_imm, call)  \
                                      P(i32_add_imm, call_defined) P(i32_and_imm, br_i32_gt_u_imm) \
                                          P(i32_and_imm, br_nz) P(i32_and_imm, br_z)               \
                                              P(i32_add, br_i64_lt_u) P(i32_add, br_i32_lt_u)      \
                                                  P(i32_add, br_i32_ne) P(i32_add, ret)            \
                                                      P(i32_and_imm, br) P(load8_u_ai, br_table)   \
                                                          P(mov, loop_fuel) P(const32, loop_fuel)  \
                                                              P(mov, br) P(i32_sub, br_i32_eq_imm) \
                                                                  P(i32_sub, br_i32_ne_imm)

#define SCALE_INTERP_PAIRS(P)                                                                      \
  SCALE_INTERP_PAIRS_GEN(P) SCALE_INTERP_PAIRS_BR(P) SCALE_INTERP_CHAINS(P)

enum scale__iop {
#define SCALE_INTERP_ENUM(n) IOP_##n,
#define SCALE_INTERP_PAIR_ENUM(a, b) IOP_##a##__##b,
  SCALE_INTERP_OPS(SCALE_INTERP_ENUM) SCALE_INTERP_PAIRS(SCALE_INTERP_PAIR_ENUM)
#undef SCALE_INTERP_PAIR_ENUM
#undef SCALE_INTERP_ENUM
      IOP_COUNT_
};

// clang-format on

struct scale__code {
  uint32_t *words;
  uint32_t nwords;
  uint32_t nparams;
  uint32_t nresults;
  uint32_t rec;         /* slot of the frame record (= max(params, results)) */
  uint32_t nlocals;     /* slots zeroed at entry, starting at rec + 3 */
  uint32_t frame_slots; /* whole frame, temporaries included */
  uint32_t fuel_entry;  /* instructions charged at entry */
};

/* Handler addresses, indexed by enum scale__iop. Built on first use. */
const void *const *scale__interp_handlers(void);

#ifdef SCALE_INTERP_PROFILE
/* Count one dispatch to handler `h` (profile.c). */
void scale__interp_prof_hit(const void *h);
#define SCALE_INTERP_PROF(h) scale__interp_prof_hit(h)
#else
#define SCALE_INTERP_PROF(h) ((void)0)
#endif

#endif
