/*
 * textscan: the classic Scale demo workload. A 16 KiB text is scanned word by word and every
 * word of exactly four letters is replaced with "wasm"; the whole pass is repeated. Byte loads,
 * character-class branches and short stores, as in request and response rewriting.
 */
#include <string.h>

#include "common.h"

#define TEXT_SIZE (16u * 1024u)
#define PASSES 15000u

static uint8_t text[TEXT_SIZE];
static uint8_t out[TEXT_SIZE];

static int is_letter(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Fill the text with words of 1..9 letters separated by spaces and some punctuation. */
static void make_text(void) {
  static const char seps[] = "     ,.;:!?\n";
  uint64_t seed = 2024;
  uint32_t i = 0;
  while (i < TEXT_SIZE) {
    uint64_t r = bench_rand(&seed);
    uint32_t len = 1 + (uint32_t)(r % 9);
    for (uint32_t k = 0; k < len && i < TEXT_SIZE; k++) {
      r = r * 6364136223846793005ull + 1442695040888963407ull;
      uint8_t c = (uint8_t)('a' + (r >> 33) % 26);
      text[i++] = (r >> 60) == 0 ? (uint8_t)(c - 'a' + 'A') : c;
    }
    if (i < TEXT_SIZE) text[i++] = (uint8_t)seps[(r >> 40) % (sizeof seps - 1)];
  }
}

/* One pass: copy and rewrite. Returns the number of words replaced. */
static uint32_t rewrite(const uint8_t *in, uint8_t *o, uint32_t n) {
  uint32_t replaced = 0, i = 0;
  memcpy(o, in, n);
  while (i < n) {
    while (i < n && !is_letter(in[i]))
      i++;
    uint32_t start = i;
    while (i < n && is_letter(in[i]))
      i++;
    if (i - start == 4) {
      o[start] = 'w';
      o[start + 1] = 'a';
      o[start + 2] = 's';
      o[start + 3] = 'm';
      replaced++;
    }
  }
  return replaced;
}

int main(void) {
  make_text();
  uint64_t total = 0;
  for (uint32_t pass = 0; pass < PASSES; pass++) {
    total += rewrite(text, out, TEXT_SIZE);
    /* vary the input a little so no pass is provably the same as the last */
    text[pass % TEXT_SIZE] ^= 0x20;
  }
  uint64_t h = bench_mix(BENCH_MIX_INIT, total);
  for (uint32_t i = 0; i < TEXT_SIZE; i += 8) {
    uint64_t v;
    memcpy(&v, out + i, 8);
    h = bench_mix(h, v);
  }
  return bench_report("textscan", h);
}
