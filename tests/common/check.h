/*
 * What the C test programs share: counted checks (safe from many threads)
 * and reading the .wasm files wat2wasm built next to them. Include once
 * per test program; it defines the program's `passed` and `failed`.
 */
#ifndef SCALE_TESTS_COMMON_CHECK_H
#define SCALE_TESTS_COMMON_CHECK_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int passed, failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) {                                                                                    \
      atomic_fetch_add(&passed, 1);                                                                \
    } else {                                                                                       \
      atomic_fetch_add(&failed, 1);                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
    }                                                                                              \
  } while (0)

/* The whole of dir/name (one spare byte after it); exits with 2 when it cannot be read,
 * since the test itself is then broken. */
static inline uint8_t *check_read_file(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read '%s'\n", path);
    exit(2);
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

#endif
