/*
 * vm: a small stack machine interpreting a byte-code program (nested loops over arithmetic and
 * a little memory). An interpreter inside the interpreter: switch dispatch, indirect branches
 * and a data-dependent control flow that native branch predictors find hard too.
 */
#include "common.h"

enum {
  OP_PUSH,  /* push imm */
  OP_LOAD,  /* push reg[imm] */
  OP_STORE, /* reg[imm] = pop */
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_XOR,
  OP_SHR, /* a >> (b & 31) */
  OP_AND,
  OP_MLOAD,  /* push mem[pop & 255] */
  OP_MSTORE, /* v = pop, a = pop: mem[a & 255] = v */
  OP_JNZ,    /* if pop != 0 jump to imm */
  OP_HALT,
};

typedef struct {
  uint8_t op;
  int32_t imm;
} insn_t;

/*
 * r0 = outer counter, r1 = inner counter, r2 = accumulator, r3 = scratch.
 *   for (r0 = OUTER; r0; r0--) for (r1 = 1000; r1; r1--) {
 *     r2 = (r2 * 31 + r1) ^ (r2 >> 7);  mem[r2] += r0;  r2 += mem[r1 + r0];
 *   }
 */
static const insn_t program[] = {
    /* 0 */ {OP_PUSH, 1000},
    /* 1 */ {OP_STORE, 1},
    /* 2 */ {OP_LOAD, 2},
    /* 3 */ {OP_PUSH, 31},
    /* 4 */ {OP_MUL, 0},
    /* 5 */ {OP_LOAD, 1},
    /* 6 */ {OP_ADD, 0},
    /* 7 */ {OP_LOAD, 2},
    /* 8 */ {OP_PUSH, 7},
    /* 9 */ {OP_SHR, 0},
    /* 10 */ {OP_XOR, 0},
    /* 11 */ {OP_STORE, 2},
    /* 12 */ {OP_LOAD, 2},
    /* 13 */ {OP_LOAD, 2},
    /* 14 */ {OP_MLOAD, 0},
    /* 15 */ {OP_LOAD, 0},
    /* 16 */ {OP_ADD, 0},
    /* 17 */ {OP_MSTORE, 0},
    /* 18 */ {OP_LOAD, 2},
    /* 19 */ {OP_LOAD, 1},
    /* 20 */ {OP_LOAD, 0},
    /* 21 */ {OP_ADD, 0},
    /* 22 */ {OP_MLOAD, 0},
    /* 23 */ {OP_ADD, 0},
    /* 24 */ {OP_STORE, 2},
    /* 25 */ {OP_LOAD, 1},
    /* 26 */ {OP_PUSH, 1},
    /* 27 */ {OP_SUB, 0},
    /* 28 */ {OP_STORE, 1},
    /* 29 */ {OP_LOAD, 1},
    /* 30 */ {OP_JNZ, 2},
    /* 31 */ {OP_LOAD, 0},
    /* 32 */ {OP_PUSH, 1},
    /* 33 */ {OP_SUB, 0},
    /* 34 */ {OP_STORE, 0},
    /* 35 */ {OP_LOAD, 0},
    /* 36 */ {OP_JNZ, 0},
    /* 37 */ {OP_HALT, 0},
};

static uint32_t run(const insn_t *code, uint32_t outer, uint32_t mem[256]) {
  uint32_t stack[64], reg[4] = {outer, 0, 1, 0};
  uint32_t sp = 0, pc = 0;
  for (;;) {
    const insn_t in = code[pc++];
    switch (in.op) {
    case OP_PUSH:
      stack[sp++] = (uint32_t)in.imm;
      break;
    case OP_LOAD:
      stack[sp++] = reg[in.imm & 3];
      break;
    case OP_STORE:
      reg[in.imm & 3] = stack[--sp];
      break;
    case OP_ADD:
      sp--;
      stack[sp - 1] += stack[sp];
      break;
    case OP_SUB:
      sp--;
      stack[sp - 1] -= stack[sp];
      break;
    case OP_MUL:
      sp--;
      stack[sp - 1] *= stack[sp];
      break;
    case OP_XOR:
      sp--;
      stack[sp - 1] ^= stack[sp];
      break;
    case OP_SHR:
      sp--;
      stack[sp - 1] >>= stack[sp] & 31;
      break;
    case OP_AND:
      sp--;
      stack[sp - 1] &= stack[sp];
      break;
    case OP_MLOAD:
      stack[sp - 1] = mem[stack[sp - 1] & 255];
      break;
    case OP_MSTORE:
      sp -= 2;
      mem[stack[sp] & 255] = stack[sp + 1];
      break;
    case OP_JNZ:
      if (stack[--sp] != 0) pc = (uint32_t)in.imm;
      break;
    case OP_HALT:
    default:
      return reg[2];
    }
    sp &= 63; /* a bad program cannot run off the stack */
  }
}

int main(void) {
  /* volatile: keep the compiler from specialising run() on a constant program length */
  volatile uint32_t outer = 3000;
  uint32_t mem[256];
  for (uint32_t i = 0; i < 256; i++)
    mem[i] = i * 2654435761u;
  uint64_t h = bench_mix(BENCH_MIX_INIT, run(program, outer, mem));
  for (uint32_t i = 0; i < 256; i++)
    h = bench_mix(h, mem[i]);
  return bench_report("vm", h);
}
