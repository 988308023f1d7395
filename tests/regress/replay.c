/*
 * Replays inputs through a fuzz target's entry point without libFuzzer, so
 * every crasher found once (the .wasm files beside this one) is run by the normal test
 * suite, with or without sanitizers. A crash fails the test by itself; the
 * target's own aborts catch the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "scale/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", path);
    return 1;
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      if (cap >= SCALE_MAX_MODULE_BYTES) break;
      uint8_t *p = realloc(buf, cap * 2);
      if (!p) break;
      buf = p;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return 1;
  LLVMFuzzerTestOneInput(buf, len);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int bad = 0;
  for (int i = 1; i < argc; i++)
    bad |= replay(argv[i]);
  printf("replayed %d inputs\n", argc - 1);
  return bad;
}
