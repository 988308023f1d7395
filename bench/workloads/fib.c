/*
 * fib: naive doubly recursive Fibonacci. Measures the cost of calls and returns, which the
 * interpreter pays in frame set-up and native code pays almost nothing for.
 */
#include "common.h"

static uint32_t fib(uint32_t n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void) {
  /* volatile so the compiler cannot fold the whole computation into a constant. */
  volatile uint32_t n = 38;
  uint64_t h = BENCH_MIX_INIT;
  for (uint32_t i = 0; i < 2; i++)
    h = bench_mix(h, fib(n - i));
  return bench_report("fib", h);
}
