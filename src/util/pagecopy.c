/*
 * Page restores with the widest plain vector moves the CPU has (see
 * pagecopy.h for why). The choice is made once, on first use: AVX2 when the
 * CPU has it, else portable C. AVX-512 was a little faster still in
 * isolation but can lower the clock of the whole core on some CPUs, for
 * everything else the process runs; AVX2 does not.
 */
#include "util/pagecopy.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define LINE SCALE__PAGE_LINE
_Static_assert(SCALE__PAGE_BYTES % LINE == 0 && LINE % 128 == 0, "whole vector blocks");

typedef struct ops {
  void (*copy)(uint8_t *dst, const uint8_t *src, size_t n); /* n: a multiple of LINE */
  void (*clear)(uint8_t *dst, size_t n);                    /* zero what is not zero */
} ops_t;

/* ---- portable ---------------------------------------------------------- */

static void copy_plain(uint8_t *dst, const uint8_t *src, size_t n) {
  memcpy(dst, src, n);
}

static bool line_zero(const uint8_t *p) {
  uint64_t acc = 0, w;
  for (size_t k = 0; k < LINE; k += sizeof w) {
    memcpy(&w, p + k, sizeof w);
    acc |= w;
  }
  return acc == 0;
}

static void clear_plain(uint8_t *dst, size_t n) {
  for (size_t i = 0; i < n; i += LINE)
    if (!line_zero(dst + i)) memset(dst + i, 0, LINE);
}

/* ---- AVX2 ---------------------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2 1

__attribute__((target("avx2"))) static void copy_avx2(uint8_t *dst, const uint8_t *src, size_t n) {
  const __m256i *s = (const __m256i *)src;
  __m256i *d = (__m256i *)dst;
  for (size_t i = 0; i < n / sizeof *s; i += 4) {
    __m256i a = _mm256_load_si256(s + i), b = _mm256_load_si256(s + i + 1);
    __m256i c = _mm256_load_si256(s + i + 2), e = _mm256_load_si256(s + i + 3);
    _mm256_store_si256(d + i, a);
    _mm256_store_si256(d + i + 1, b);
    _mm256_store_si256(d + i + 2, c);
    _mm256_store_si256(d + i + 3, e);
  }
}

__attribute__((target("avx2"))) static void clear_avx2(uint8_t *dst, size_t n) {
  __m256i *d = (__m256i *)dst;
  const __m256i zero = _mm256_setzero_si256();
  for (size_t i = 0; i < n / sizeof *d; i += 4) {
    __m256i o = _mm256_or_si256(
        _mm256_or_si256(_mm256_load_si256(d + i), _mm256_load_si256(d + i + 1)),
        _mm256_or_si256(_mm256_load_si256(d + i + 2), _mm256_load_si256(d + i + 3)));
    if (__builtin_expect(!_mm256_testz_si256(o, o), 0)) {
      _mm256_store_si256(d + i, zero);
      _mm256_store_si256(d + i + 1, zero);
      _mm256_store_si256(d + i + 2, zero);
      _mm256_store_si256(d + i + 3, zero);
    }
  }
}
#endif

static const ops_t *chosen(void) {
  static const ops_t plain = {copy_plain, clear_plain};
#ifdef HAVE_AVX2
  static const ops_t avx2 = {copy_avx2, clear_avx2};
#endif
  /* Racing first calls all store the same pointer: relaxed order is enough. */
  static _Atomic(const ops_t *) ops;
  const ops_t *o = atomic_load_explicit(&ops, memory_order_relaxed);
  if (o) return o;
  o = &plain;
#ifdef HAVE_AVX2
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) o = &avx2;
#endif
  atomic_store_explicit(&ops, o, memory_order_relaxed);
  return o;
}

void scale__page_copy(void *dst, const void *src) {
  chosen()->copy(dst, src, SCALE__PAGE_BYTES);
}

void scale__page_span(const void *page, uint32_t *lo, uint32_t *hi) {
  const uint8_t *p = page;
  uint32_t a = 0, b = SCALE__PAGE_BYTES;
  while (a < b && line_zero(p + a))
    a += LINE;
  while (b > a && line_zero(p + b - LINE))
    b -= LINE;
  *lo = a;
  *hi = b;
}

void scale__page_restore(void *dst, const void *src, uint32_t lo, uint32_t hi) {
  const ops_t *o = chosen();
  uint8_t *d = dst;
  if (lo) o->clear(d, lo);
  if (hi > lo) o->copy(d + lo, (const uint8_t *)src + lo, hi - lo);
  if (hi < SCALE__PAGE_BYTES) o->clear(d + hi, SCALE__PAGE_BYTES - hi);
}
