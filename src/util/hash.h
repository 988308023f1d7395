/*
 * FNV-1a, for the runtime's small hash tables (interned types, linker
 * names). Not for anything an attacker could aim collisions at across a
 * trust boundary; those tables are bounded by module limits anyway.
 */
#ifndef SCALE_UTIL_HASH_H
#define SCALE_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SCALE_FNV_SEED 2166136261u

/* Fold `len` bytes into hash `h` (start from SCALE_FNV_SEED). */
static inline uint32_t scale__fnv1a(uint32_t h, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

#endif
