/*
 * UTF-8 validation for Wasm names. Table 3-7 of the Unicode standard gives
 * the only well-formed byte sequences; everything else is rejected.
 */
#include "util/utf8.h"

bool scale__utf8_valid(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    /* ASCII eight bytes at a time: most strings that cross the sandbox are mostly ASCII, and
     * guests run this too (a byte-at-a-time loop was a visible part of a small call). */
    while (len - i >= 8) {
      uint64_t w;
      __builtin_memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i == len) break;
    uint8_t b = s[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b == 0xe0)
        lo = 0xa0; /* overlong */
      else if (b == 0xed)
        hi = 0x9f; /* surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b == 0xf0)
        lo = 0x90; /* overlong */
      else if (b == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    } else {
      return false;
    }
    if (len - i - 1 < n) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (size_t k = 2; k <= n; k++)
      if ((s[i + k] & 0xc0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}
