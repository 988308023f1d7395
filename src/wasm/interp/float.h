/*
 * Bit-exact float helpers for the interpreter: the places where C's
 * operators and libm differ from Wasm (min/max on zeros and NaN, NaN
 * quieting, float-to-int range checks). Values travel as bit patterns.
 */
#ifndef SCALE_WASM_INTERP_FLOAT_H
#define SCALE_WASM_INTERP_FLOAT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float f32_of(uint64_t s) {
  uint32_t b = (uint32_t)s;
  float f;
  memcpy(&f, &b, 4);
  return f;
}
static inline double f64_of(uint64_t s) {
  double d;
  memcpy(&d, &s, 8);
  return d;
}
static inline uint64_t bits_f32(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}
static inline uint64_t bits_f64(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

/* NaN in, quiet NaN out (arithmetic NaN as the spec requires). */
static inline uint64_t f32_quiet(uint64_t b) {
  return (uint32_t)b | 0x00400000u;
}
static inline uint64_t f64_quiet(uint64_t b) {
  return b | 0x0008000000000000ull;
}

static inline uint64_t f32_min(uint64_t x, uint64_t y) {
  float a = f32_of(x), b = f32_of(y);
  if (a != a) return f32_quiet(x);
  if (b != b) return f32_quiet(y);
  if (a == b) return ((uint32_t)x | (uint32_t)y); /* -0 wins */
  return a < b ? (uint32_t)x : (uint32_t)y;
}
static inline uint64_t f32_max(uint64_t x, uint64_t y) {
  float a = f32_of(x), b = f32_of(y);
  if (a != a) return f32_quiet(x);
  if (b != b) return f32_quiet(y);
  if (a == b) return ((uint32_t)x & (uint32_t)y); /* +0 wins */
  return a > b ? (uint32_t)x : (uint32_t)y;
}
static inline uint64_t f64_min(uint64_t x, uint64_t y) {
  double a = f64_of(x), b = f64_of(y);
  if (a != a) return f64_quiet(x);
  if (b != b) return f64_quiet(y);
  if (a == b) return x | y;
  return a < b ? x : y;
}
static inline uint64_t f64_max(uint64_t x, uint64_t y) {
  double a = f64_of(x), b = f64_of(y);
  if (a != a) return f64_quiet(x);
  if (b != b) return f64_quiet(y);
  if (a == b) return x & y;
  return a > b ? x : y;
}

/* Rounding ops: libm keeps signed zeros; NaN results are quieted. */
#define F32_ROUND(fn, s) (f32_of(s) != f32_of(s) ? f32_quiet(s) : bits_f32(fn##f(f32_of(s))))
#define F64_ROUND(fn, s) (f64_of(s) != f64_of(s) ? f64_quiet(s) : bits_f64(fn(f64_of(s))))

/* Float-to-int range tests: true when the truncated value fits. */
static inline int f32_fits_i32(float f) {
  return f >= -2147483648.0f && f < 2147483648.0f;
}
static inline int f32_fits_u32(float f) {
  return f > -1.0f && f < 4294967296.0f;
}
static inline int f64_fits_i32(double f) {
  return f > -2147483649.0 && f < 2147483648.0;
}
static inline int f64_fits_u32(double f) {
  return f > -1.0 && f < 4294967296.0;
}
static inline int f32_fits_i64(float f) {
  return f >= -9223372036854775808.0f && f < 9223372036854775808.0f;
}
static inline int f32_fits_u64(float f) {
  return f > -1.0f && f < 18446744073709551616.0f;
}
static inline int f64_fits_i64(double f) {
  return f >= -9223372036854775808.0 && f < 9223372036854775808.0;
}
static inline int f64_fits_u64(double f) {
  return f > -1.0 && f < 18446744073709551616.0;
}

#endif
