/*
 * WASI guest: the everyday libc surface (stdio, malloc, qsort, string
 * functions, snprintf with floats, args, environment, clocks, random).
 * Built both for wasm32-wasi and natively: the two must print the same,
 * so everything printed is deterministic.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++)
    printf("argv[%d]=%s\n", i, argv[i]);

  const char *v = getenv("SCALE_TEST");
  printf("SCALE_TEST=%s\n", v ? v : "(unset)");
  extern char **environ;
  int nenv = 0;
  while (environ[nenv])
    nenv++;
  printf("environ count=%d\n", nenv);

  /* malloc/free: many sizes, checked contents. */
  unsigned long sum = 0;
  for (int round = 0; round < 50; round++) {
    size_t n = (size_t)(round * 977 % 70000) + 1;
    unsigned char *p = malloc(n);
    if (!p) {
      printf("malloc failed\n");
      return 1;
    }
    memset(p, round, n);
    sum += p[n - 1] + p[0] + n;
    free(p);
  }
  printf("malloc sum=%lu\n", sum);

  /* qsort on a pseudo-random array. */
  int a[200];
  uint32_t x = 12345;
  for (int i = 0; i < 200; i++) {
    x = x * 1103515245u + 12345u;
    a[i] = (int)(x >> 16) % 1000 - 500;
  }
  qsort(a, 200, sizeof a[0], cmp_int);
  int sorted = 1;
  for (int i = 1; i < 200; i++)
    sorted &= a[i - 1] <= a[i];
  printf("qsort sorted=%d min=%d max=%d\n", sorted, a[0], a[199]);

  /* string functions */
  char buf[128];
  memcpy(buf, "hello, ", 8);
  strcat(buf, "world");
  printf("strlen=%zu strcmp=%d strncmp=%d strchr=%s\n", strlen(buf),
         strcmp(buf, "hello, world") == 0, strncmp(buf, "help", 3) == 0, strchr(buf, 'w'));
  snprintf(buf, sizeof buf, "%d|%5.2f|%g|%e|%x|%s|%c", -42, 3.14159, 1e-5, 12345.678, 0xbeef, "str",
           'z');
  printf("snprintf=%s\n", buf);
  const char *src = argc > 1000 ? "" : "truncated"; /* not a constant: no -Wformat-truncation */
  int n = snprintf(buf, 4, "%s", src);
  printf("snprintf truncated=%s n=%d\n", buf, n);
  printf("strtol=%ld atof=%.3f\n", strtol("-0x1f", NULL, 16), atof("2.5e3"));

  /* clocks: realtime after 2020, monotonic never goes back */
  struct timespec t0, t1, rt;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  volatile unsigned spin = 0;
  for (unsigned i = 0; i < 100000; i++)
    spin += i;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_REALTIME, &rt);
  int mono_ok = t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec >= t0.tv_nsec);
  printf("clock monotonic=%d realtime=%d spin=%u\n", mono_ok, rt.tv_sec > 1577836800, spin);

  /* random: 64 bytes, not all equal */
  unsigned char r[64];
  int rok = getentropy(r, sizeof r) == 0;
  int differ = 0;
  for (int i = 1; i < 64; i++)
    differ |= r[i] != r[0];
  printf("random ok=%d\n", rok && differ);

  fprintf(stderr, "to stderr\n");
  puts("done");
  return 0;
}
