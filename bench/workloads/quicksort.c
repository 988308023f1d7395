/*
 * quicksort: sort 1M pseudo-random 32-bit ints with our own quicksort (median of three,
 * insertion sort below 16 elements, recursion on the smaller side). Compares, swaps and
 * unpredictable branches.
 */
#include <stdlib.h>

#include "common.h"

#define COUNT (1u << 20)

static void insertion(int32_t *a, int32_t n) {
  for (int32_t i = 1; i < n; i++) {
    int32_t v = a[i], j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static inline void swap(int32_t *a, int32_t *b) {
  int32_t t = *a;
  *a = *b;
  *b = t;
}

static void quicksort(int32_t *a, int32_t n) {
  while (n > 16) {
    int32_t mid = n / 2;
    if (a[mid] < a[0]) swap(&a[mid], &a[0]);
    if (a[n - 1] < a[0]) swap(&a[n - 1], &a[0]);
    if (a[n - 1] < a[mid]) swap(&a[n - 1], &a[mid]);
    int32_t pivot = a[mid];
    int32_t i = 0, j = n - 1;
    for (;;) {
      while (a[i] < pivot)
        i++;
      while (a[j] > pivot)
        j--;
      if (i >= j) break;
      swap(&a[i], &a[j]);
      i++;
      j--;
    }
    /* Hoare partition: [0, j] <= pivot <= [j + 1, n). Recurse on the smaller side. */
    int32_t left = j + 1, right = n - left;
    if (left < right) {
      quicksort(a, left);
      a += left;
      n = right;
    } else {
      quicksort(a + left, right);
      n = left;
    }
  }
  insertion(a, n);
}

int main(void) {
  int32_t *a = malloc(sizeof(int32_t) * COUNT);
  if (!a) return 1;
  uint64_t seed = 1234;
  uint64_t h = BENCH_MIX_INIT;
  for (uint32_t round = 0; round < 2; round++) {
    for (uint32_t i = 0; i < COUNT; i++)
      a[i] = (int32_t)(uint32_t)bench_rand(&seed);
    quicksort(a, (int32_t)COUNT);
    for (uint32_t i = 1; i < COUNT; i++)
      if (a[i - 1] > a[i]) return 2; /* not sorted: a broken engine, not a slow one */
    for (uint32_t i = 0; i < COUNT; i += 1021)
      h = bench_mix(h, (uint32_t)a[i]);
  }
  free(a);
  return bench_report("quicksort", h);
}
