/* WASI guest: prints, then exit(3) from a nested call (proc_exit). */
#include <stdio.h>
#include <stdlib.h>

static void leave(int code) {
  printf("leaving with %d\n", code);
  exit(code);
}

int main(void) {
  leave(3);
  puts("not reached");
  return 0;
}
