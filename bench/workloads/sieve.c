/*
 * sieve: sieve of Eratosthenes over byte flags. Tight loops of byte loads and stores with a
 * stride, the shape of much string and buffer code.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define LIMIT (8u * 1024u * 1024u)

static uint32_t sieve(uint8_t *flags, uint32_t limit) {
  memset(flags, 1, limit);
  flags[0] = flags[1] = 0;
  for (uint32_t i = 2; (uint64_t)i * i < limit; i++) {
    if (!flags[i]) continue;
    for (uint32_t j = i * i; j < limit; j += i)
      flags[j] = 0;
  }
  uint32_t count = 0;
  for (uint32_t i = 0; i < limit; i++)
    count += flags[i];
  return count;
}

int main(void) {
  uint8_t *flags = malloc(LIMIT);
  if (!flags) return 1;
  uint64_t h = BENCH_MIX_INIT;
  for (uint32_t round = 0; round < 8; round++)
    h = bench_mix(h, sieve(flags, LIMIT - round * 1000u));
  free(flags);
  return bench_report("sieve", h);
}
