/*
 * SHA-256 as lowercase hex, for every content hash Scale writes or checks
 * (AOT cache keys, .scale trailers, signature hashes, store digests).
 * Thread-safe.
 */
#ifndef SCALE_UTIL_SHA256_H
#define SCALE_UTIL_SHA256_H

#include <stddef.h>

/* SHA-256 of @p len bytes at @p data (NULL allowed when len is 0) as 64 hex digits + NUL. */
void scale__sha256_hex(const void *data, size_t len, char out[65]);

#endif
