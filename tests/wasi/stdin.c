/*
 * WASI guest: reads stdin to the end, prints each line upper-cased, then
 * the byte count and whether reading failed (EBADF without a grant).
 */
#include <ctype.h>
#include <stdio.h>

int main(void) {
  int c;
  unsigned long n = 0;
  while ((c = getchar()) != EOF) {
    putchar(toupper(c));
    n++;
  }
  printf("bytes=%lu error=%d\n", n, ferror(stdin) != 0);
  return 0;
}
