/*
 * hello: the smallest useful WASI command, used by embed_bench to time instantiate + _start.
 * It goes through wasi-libc's stdio like a real guest, so the timing includes fd_write.
 */
#include <stdio.h>

int main(void) {
  puts("hello from wasm");
  return 0;
}
