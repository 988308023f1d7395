/*
 * Shared helpers for the benchmark workloads: a deterministic PRNG and a checksum printer.
 * Every workload is a plain C program built twice, natively and as a wasm32-wasi command, so
 * nothing here may depend on the width of `long` or on anything the host provides.
 */
#ifndef SCALE_BENCH_COMMON_H
#define SCALE_BENCH_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* splitmix64: tiny, fast and identical on every target, so inputs never differ between engines. */
static inline uint64_t bench_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* FNV-1a step, used to fold results into one printed number. */
static inline uint64_t bench_mix(uint64_t h, uint64_t v) {
  for (int i = 0; i < 8; i++) {
    h ^= (v >> (i * 8)) & 0xff;
    h *= 0x100000001b3ull;
  }
  return h;
}

#define BENCH_MIX_INIT 0xcbf29ce484222325ull

/* The one line every workload prints; the runner compares it across engines. */
static inline int bench_report(const char *name, uint64_t checksum) {
  printf("%s checksum=%016" PRIx64 "\n", name, checksum);
  return 0;
}

#endif
