/*
 * UTF-8 well-formedness check (Unicode 3.9 / RFC 3629): no overlong forms,
 * no surrogates, nothing above U+10FFFF. Bounded by `len`; never allocates.
 */
#ifndef SCALE_UTIL_UTF8_H
#define SCALE_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when the `len` bytes at `s` are well-formed UTF-8. */
bool scale__utf8_valid(const uint8_t *s, size_t len);

#endif
