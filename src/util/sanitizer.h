/*
 * Which sanitizer this translation unit is built with, as 0/1 macros that
 * gcc (__SANITIZE_*__) and clang (__has_feature) both set. Code that lives
 * on signals (write tracking, the AOT tier's unwinding) behaves differently
 * under them, and the tests skip what a sanitizer cannot run.
 */
#ifndef SCALE_UTIL_SANITIZER_H
#define SCALE_UTIL_SANITIZER_H

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SCALE__UNDER_TSAN 1
#endif
#if __has_feature(address_sanitizer)
#define SCALE__UNDER_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define SCALE__UNDER_MSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(SCALE__UNDER_TSAN)
#define SCALE__UNDER_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SCALE__UNDER_ASAN)
#define SCALE__UNDER_ASAN 1
#endif
#ifndef SCALE__UNDER_TSAN
#define SCALE__UNDER_TSAN 0
#endif
#ifndef SCALE__UNDER_ASAN
#define SCALE__UNDER_ASAN 0
#endif
#ifndef SCALE__UNDER_MSAN
#define SCALE__UNDER_MSAN 0
#endif

#endif
