/*
 * hashtab: an open-addressing hash table (linear probing, 64-bit keys) filled with 600k keys,
 * then probed 3M times, half hits and half misses. Random memory access and hashing.
 */
#include <stdlib.h>

#include "common.h"

#define SLOTS (1u << 20) /* power of two, load factor ~0.57 */
#define INSERTS 600000u
#define LOOKUPS 3000000u

typedef struct {
  uint64_t key; /* 0 = empty */
  uint32_t value;
  uint32_t pad;
} slot_t;

static inline uint32_t hash(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (uint32_t)k;
}

static void insert(slot_t *t, uint64_t key, uint32_t value) {
  uint32_t i = hash(key) & (SLOTS - 1);
  while (t[i].key != 0 && t[i].key != key)
    i = (i + 1) & (SLOTS - 1);
  t[i].key = key;
  t[i].value = value;
}

static int lookup(const slot_t *t, uint64_t key, uint32_t *value) {
  uint32_t i = hash(key) & (SLOTS - 1);
  while (t[i].key != 0) {
    if (t[i].key == key) {
      *value = t[i].value;
      return 1;
    }
    i = (i + 1) & (SLOTS - 1);
  }
  return 0;
}

int main(void) {
  slot_t *t = calloc(SLOTS, sizeof(slot_t));
  if (!t) return 1;
  uint64_t seed = 99;
  for (uint32_t i = 0; i < INSERTS; i++)
    insert(t, (bench_rand(&seed) | 1), i); /* odd keys are present, never 0 */
  uint64_t found = 0, sum = 0;
  uint64_t probe = 99;
  for (uint32_t i = 0; i < LOOKUPS; i++) {
    /* even i: replay an inserted key; odd i: an even key, never inserted */
    uint64_t key;
    if ((i & 1) == 0) {
      if ((i & 0x3ffff) == 0) probe = 99;
      key = bench_rand(&probe) | 1;
    } else {
      key = (bench_rand(&seed) & ~1ull) | 2;
    }
    uint32_t v;
    if (lookup(t, key, &v)) {
      found++;
      sum += v;
    }
  }
  free(t);
  return bench_report("hashtab", bench_mix(bench_mix(BENCH_MIX_INIT, found), sum));
}
