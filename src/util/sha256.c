/*
 * One SHA-256 for the whole tree (sha256.h). OpenSSL's low-level API, not
 * EVP: the first EVP digest in a process costs millions of instructions
 * (provider loading), which showed in every short-lived `scale` run.
 */
#include "util/sha256.h"

/* The low-level calls are deprecated in OpenSSL 3 but kept, and much cheaper to start. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

void scale__sha256_hex(const void *data, size_t len, char out[65]) {
  static const char digits[] = "0123456789abcdef";
  static const unsigned char empty[1];
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX c;
  SHA256_Init(&c);
  SHA256_Update(&c, len ? data : empty, len);
  SHA256_Final(md, &c);
  for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    out[2 * i] = digits[md[i] >> 4];
    out[2 * i + 1] = digits[md[i] & 15];
  }
  out[64] = '\0';
}
