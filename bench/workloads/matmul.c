/*
 * matmul: dense double-precision matrix multiply (i-k-j order). Floating-point loads, multiplies
 * and adds. No fused multiply-add is involved on either side, so results agree bit for bit.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define N 512

int main(void) {
  double *a = malloc(sizeof(double) * N * N);
  double *b = malloc(sizeof(double) * N * N);
  double *c = malloc(sizeof(double) * N * N);
  if (!a || !b || !c) return 1;
  uint64_t seed = 42;
  for (uint32_t i = 0; i < N * N; i++) {
    a[i] = (double)(bench_rand(&seed) % 2001) / 1000.0 - 1.0;
    b[i] = (double)(bench_rand(&seed) % 2001) / 1000.0 - 1.0;
  }
  for (uint32_t rep = 0; rep < 3; rep++) {
    for (uint32_t i = 0; i < N * N; i++)
      c[i] = 0.0;
    for (uint32_t i = 0; i < N; i++)
      for (uint32_t k = 0; k < N; k++) {
        double aik = a[i * N + k];
        for (uint32_t j = 0; j < N; j++)
          c[i * N + j] += aik * b[k * N + j];
      }
    /* feed the result back so the second round is not the same work */
    for (uint32_t i = 0; i < N * N; i++)
      a[i] = c[i] * (1.0 / N);
  }
  double sum = 0.0;
  for (uint32_t i = 0; i < N * N; i++)
    sum += c[i] * (double)((i % 7) + 1);
  /* IEEE-754 without -ffast-math is deterministic, so the exact bits must match everywhere */
  uint64_t bits;
  memcpy(&bits, &sum, sizeof bits);
  free(a);
  free(b);
  free(c);
  return bench_report("matmul", bench_mix(BENCH_MIX_INIT, bits));
}
