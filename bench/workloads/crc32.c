/*
 * crc32: table-driven CRC-32 (IEEE) over a 1 MiB buffer, repeated. One table load, a shift and
 * an xor per byte: the cost of byte-at-a-time loops over guest memory.
 */
#include <stdlib.h>

#include "common.h"

#define BUF_SIZE (1u << 20)
#define ROUNDS 64

static uint32_t table[256];

static void make_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, uint32_t n) {
  crc = ~crc;
  for (uint32_t i = 0; i < n; i++)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

int main(void) {
  make_table();
  uint8_t *buf = malloc(BUF_SIZE);
  if (!buf) return 1;
  uint64_t seed = 5;
  for (uint32_t i = 0; i < BUF_SIZE; i++)
    buf[i] = (uint8_t)bench_rand(&seed);
  uint32_t crc = 0;
  for (uint32_t r = 0; r < ROUNDS; r++) {
    crc = crc32(crc, buf, BUF_SIZE);
    buf[r] = (uint8_t)crc;
  }
  free(buf);
  return bench_report("crc32", bench_mix(BENCH_MIX_INIT, crc));
}
