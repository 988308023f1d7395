/*
 * What the Polyglot tests share: inputs placed right before an unreadable
 * page (so any over-read crashes at once), base64 and hex decoding.
 */
#ifndef SCALE_TESTS_POLYGLOT_VECTORS_H
#define SCALE_TESTS_POLYGLOT_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A copy of `len` bytes ending exactly at a PROT_NONE page. */
typedef struct guarded {
  uint8_t *map;
  size_t map_len;
  uint8_t *data;
} guarded_t;

static inline guarded_t guarded_copy(const void *p, size_t len) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t body = (len + page - 1) / page * page;
  if (body == 0) body = page;
  guarded_t g = {0};
  g.map_len = body + page;
  g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g.map == MAP_FAILED) {
    perror("mmap");
    exit(2);
  }
  if (mprotect(g.map + body, page, PROT_NONE) != 0) {
    perror("mprotect");
    exit(2);
  }
  g.data = g.map + body - len;
  if (len) memcpy(g.data, p, len);
  return g;
}

static inline void guarded_free(guarded_t *g) {
  munmap(g->map, g->map_len);
}

/* Standard base64 with padding; returns malloc'd bytes or NULL if malformed. */
static inline uint8_t *b64_decode(const char *s, size_t *out_len) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(s);
  if (n % 4) return NULL;
  uint8_t *out = malloc(n / 4 * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      char c = s[i + k];
      const char *q = c ? strchr(tab, c) : NULL;
      if (c == '=') {
        pad++;
        v <<= 6;
      } else if (q && !pad) {
        v = (v << 6) | (uint32_t)(q - tab);
      } else {
        free(out);
        return NULL;
      }
    }
    out[o++] = (uint8_t)(v >> 16);
    if (pad < 2) out[o++] = (uint8_t)(v >> 8);
    if (pad < 1) out[o++] = (uint8_t)v;
  }
  *out_len = o;
  return out;
}

#endif
