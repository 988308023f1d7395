/*
 * Optional dispatch profile (-DSCALE_INTERP_PROFILE): counts executed
 * handlers and adjacent handler pairs, and prints the hottest of each to
 * stderr at exit. It tells which instruction sequences are worth fusing.
 * Not thread-safe and slow; a measurement tool only, compiled out by default.
 */
#include "wasm/interp/code.h"

#ifdef SCALE_INTERP_PROFILE
#include <stdio.h>
#include <stdlib.h>

#define NAME_OF(n) #n,
#define PAIR_NAME_OF(a, b) #a "+" #b,
static const char *const g_names[IOP_COUNT_] = {SCALE_INTERP_OPS(NAME_OF)
                                                    SCALE_INTERP_PAIRS(PAIR_NAME_OF)};
#undef PAIR_NAME_OF
#undef NAME_OF

enum { HBITS = 12, HSIZE = 1 << HBITS };
static const void *g_key[HSIZE];
static int g_val[HSIZE];
static unsigned long long g_count[IOP_COUNT_];
static unsigned long long *g_pairs; /* IOP_COUNT_ * IOP_COUNT_ */
static int g_prev = -1;

static size_t slot_of(const void *h) {
  size_t i = ((uintptr_t)h >> 2) & (HSIZE - 1);
  while (g_key[i] && g_key[i] != h)
    i = (i + 1) & (HSIZE - 1);
  return i;
}

typedef struct row {
  unsigned long long n;
  int a, b;
} row_t;

static int by_count(const void *x, const void *y) {
  const row_t *p = x, *q = y;
  return p->n < q->n ? 1 : p->n > q->n ? -1 : 0;
}

static void report(void) {
  unsigned long long total = 0;
  row_t *rows = malloc(sizeof(row_t) * IOP_COUNT_ * IOP_COUNT_);
  if (!rows) return;
  size_t n = 0;
  for (int i = 0; i < IOP_COUNT_; i++) {
    total += g_count[i];
    if (g_count[i]) rows[n++] = (row_t){g_count[i], i, -1};
  }
  qsort(rows, n, sizeof *rows, by_count);
  fprintf(stderr, "interp profile: %llu dispatches\n", total);
  for (size_t i = 0; i < n && i < 40; i++)
    fprintf(stderr, "  %5.2f%% %12llu %s\n", 100.0 * rows[i].n / (total ? total : 1), rows[i].n,
            g_names[rows[i].a]);
  n = 0;
  for (int i = 0; i < IOP_COUNT_; i++)
    for (int j = 0; j < IOP_COUNT_; j++)
      if (g_pairs[i * IOP_COUNT_ + j]) rows[n++] = (row_t){g_pairs[i * IOP_COUNT_ + j], i, j};
  qsort(rows, n, sizeof *rows, by_count);
  fprintf(stderr, "pairs:\n");
  for (size_t i = 0; i < n && i < 40; i++)
    fprintf(stderr, "  %5.2f%% %12llu %s -> %s\n", 100.0 * rows[i].n / (total ? total : 1),
            rows[i].n, g_names[rows[i].a], g_names[rows[i].b]);
  free(rows);
}

void scale__interp_prof_hit(const void *h) {
  if (!g_pairs) {
    g_pairs = calloc((size_t)IOP_COUNT_ * IOP_COUNT_, sizeof *g_pairs);
    if (!g_pairs) abort();
    const void *const *hs = scale__interp_handlers();
    for (int i = 0; i < IOP_COUNT_; i++) {
      size_t s = slot_of(hs[i]);
      if (!g_key[s]) { /* several ops may share one handler */
        g_key[s] = hs[i];
        g_val[s] = i;
      }
    }
    atexit(report);
  }
  size_t s = slot_of(h);
  int op = g_key[s] ? g_val[s] : 0;
  g_count[op]++;
  if (g_prev >= 0) g_pairs[g_prev * IOP_COUNT_ + op]++;
  g_prev = op;
}
#else
typedef int scale__interp_profile_unused_t; /* ISO C forbids an empty translation unit */
#endif
