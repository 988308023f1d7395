/*
 * LEB128 reader tests. Each input is copied so that it ends exactly where
 * an unreadable page begins: any read past `end` crashes the test.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/leb128.h"
#include "util/utf8.h"

static uint8_t *page; /* a readable page followed by a PROT_NONE page */
static size_t page_size;
static int failures;

static const uint8_t *place(const uint8_t *bytes, size_t n) {
  uint8_t *p = page + page_size - n;
  memcpy(p, bytes, n);
  return p;
}

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                              \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

/* Read with `bits`; check status, value (if OK) and consumed bytes. */
static void u(const char *in, size_t n, unsigned bits, scale_leb_status_t want, uint64_t value,
              size_t used) {
  const uint8_t *p = place((const uint8_t *)in, n), *start = p;
  uint64_t v = 0xdeadbeef;
  scale_leb_status_t st = scale__leb128_read_unsigned(&p, start + n, bits, &v);
  if (st != want || (st == SCALE_LEB_OK && (v != value || (size_t)(p - start) != used))) {
    printf("unsigned%u case %zu bytes: status %d (want %d) value %llu (want %llu)\n", bits, n, st,
           want, (unsigned long long)v, (unsigned long long)value);
    failures++;
  }
}

static void s(const char *in, size_t n, unsigned bits, scale_leb_status_t want, int64_t value,
              size_t used) {
  const uint8_t *p = place((const uint8_t *)in, n), *start = p;
  int64_t v = 0x1234;
  scale_leb_status_t st = scale__leb128_read_signed(&p, start + n, bits, &v);
  if (st != want || (st == SCALE_LEB_OK && (v != value || (size_t)(p - start) != used))) {
    printf("signed%u case %zu bytes: status %d (want %d) value %lld (want %lld)\n", bits, n, st,
           want, (long long)v, (long long)value);
    failures++;
  }
}

int main(void) {
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  uint8_t *map =
      mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED || mprotect(map + page_size, page_size, PROT_NONE) != 0) {
    perror("mmap");
    return 2;
  }
  page = map;

  /* u32 */
  u("\x00", 1, 32, SCALE_LEB_OK, 0, 1);
  u("\x7f", 1, 32, SCALE_LEB_OK, 127, 1);
  u("\x80\x01", 2, 32, SCALE_LEB_OK, 128, 2);
  u("\x80\x00", 2, 32, SCALE_LEB_OK, 0, 2); /* padded but in range: fine */
  u("\xff\xff\xff\xff\x0f", 5, 32, SCALE_LEB_OK, 0xffffffffu, 5);
  u("\x80\x80\x80\x80\x00", 5, 32, SCALE_LEB_OK, 0, 5);
  u("\xff\xff\xff\xff\x1f", 5, 32, SCALE_LEB_TOO_LARGE, 0, 0);
  u("\x80\x80\x80\x80\x10", 5, 32, SCALE_LEB_TOO_LARGE, 0, 0);
  u("\x80\x80\x80\x80\x80\x00", 6, 32, SCALE_LEB_TOO_LONG, 0, 0);
  u("\x8f\x80\x80\x80\x80\x00", 6, 32, SCALE_LEB_TOO_LONG, 0, 0);
  u("\x80\x80\x80\x80\x8f", 5, 32, SCALE_LEB_TOO_LONG, 0, 0);
  u("", 0, 32, SCALE_LEB_END, 0, 0);
  u("\x80", 1, 32, SCALE_LEB_END, 0, 0);
  u("\xff\xff\xff\xff", 4, 32, SCALE_LEB_END, 0, 0);
  /* u1 (limits flags) */
  u("\x01", 1, 1, SCALE_LEB_OK, 1, 1);
  u("\x02", 1, 1, SCALE_LEB_TOO_LARGE, 0, 0);
  u("\x81\x00", 2, 1, SCALE_LEB_TOO_LONG, 0, 0);
  /* u64 */
  u("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, 64, SCALE_LEB_OK, UINT64_MAX, 10);
  u("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10, 64, SCALE_LEB_TOO_LARGE, 0, 0);
  u("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, 64, SCALE_LEB_TOO_LONG, 0, 0);
  u("\x80\x80\x80\x80\x80\x80\x80\x80\x80", 9, 64, SCALE_LEB_END, 0, 0);

  /* s32 */
  s("\x00", 1, 32, SCALE_LEB_OK, 0, 1);
  s("\x7f", 1, 32, SCALE_LEB_OK, -1, 1);
  s("\x40", 1, 32, SCALE_LEB_OK, -64, 1);
  s("\x3f", 1, 32, SCALE_LEB_OK, 63, 1);
  s("\xc0\x00", 2, 32, SCALE_LEB_OK, 64, 2);
  s("\xff\x7f", 2, 32, SCALE_LEB_OK, -1, 2);
  s("\xff\xff\xff\xff\x07", 5, 32, SCALE_LEB_OK, INT32_MAX, 5);
  s("\x80\x80\x80\x80\x78", 5, 32, SCALE_LEB_OK, INT32_MIN, 5);
  s("\xff\xff\xff\xff\x7f", 5, 32, SCALE_LEB_OK, -1, 5);
  s("\xff\xff\xff\xff\x0f", 5, 32, SCALE_LEB_TOO_LARGE, 0, 0);
  s("\x80\x80\x80\x80\x70", 5, 32, SCALE_LEB_TOO_LARGE, 0, 0);
  s("\xff\xff\xff\xff\xff\x7f", 6, 32, SCALE_LEB_TOO_LONG, 0, 0);
  s("\x80", 1, 32, SCALE_LEB_END, 0, 0);
  s("", 0, 32, SCALE_LEB_END, 0, 0);
  /* s33 (block types) */
  s("\xff\xff\xff\xff\x0f", 5, 33, SCALE_LEB_OK, 0xffffffffll, 5);
  s("\x80\x80\x80\x80\x70", 5, 33, SCALE_LEB_OK, -4294967296ll, 5);
  s("\xff\xff\xff\xff\x1f", 5, 33, SCALE_LEB_TOO_LARGE, 0, 0);
  s("\x80\x80\x80\x80\x80\x00", 6, 33, SCALE_LEB_TOO_LONG, 0, 0);
  /* s64 */
  s("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 10, 64, SCALE_LEB_OK, INT64_MAX, 10);
  s("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10, 64, SCALE_LEB_OK, INT64_MIN, 10);
  s("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, 64, SCALE_LEB_OK, -1, 10);
  s("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, 64, SCALE_LEB_TOO_LARGE, 0, 0);
  s("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x40", 10, 64, SCALE_LEB_TOO_LARGE, 0, 0);
  s("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, 64, SCALE_LEB_TOO_LONG, 0, 0);

  /* The wrappers and the messages. */
  {
    const uint8_t *p = place((const uint8_t *)"\xe5\x8e\x26", 3);
    uint32_t v;
    CHECK(scale__leb128_read_u32(&p, p + 3, &v) == SCALE_LEB_OK && v == 624485);
    p = place((const uint8_t *)"\xc0\xbb\x78", 3);
    int32_t sv;
    CHECK(scale__leb128_read_s32(&p, p + 3, &sv) == SCALE_LEB_OK && sv == -123456);
    CHECK(!strcmp(scale__leb128_message(SCALE_LEB_TOO_LONG), "integer representation too long"));
    CHECK(!strcmp(scale__leb128_message(SCALE_LEB_TOO_LARGE), "integer too large"));
    CHECK(scale__leb128_message(SCALE_LEB_OK) == NULL);
  }

  /* UTF-8 at the guard page too. */
  CHECK(scale__utf8_valid(place((const uint8_t *)"abc", 3), 3));
  CHECK(scale__utf8_valid(place((const uint8_t *)"\xf0\x9f\x98\x80", 4), 4));
  CHECK(!scale__utf8_valid(place((const uint8_t *)"\xf0\x9f\x98", 3), 3));
  CHECK(!scale__utf8_valid(place((const uint8_t *)"\xc0\x80", 2), 2));
  CHECK(!scale__utf8_valid(place((const uint8_t *)"\xed\xa0\x80", 3), 3));
  CHECK(!scale__utf8_valid(place((const uint8_t *)"\xf4\x90\x80\x80", 4), 4));
  CHECK(!scale__utf8_valid(place((const uint8_t *)"\xe0", 1), 1));

  munmap(map, 2 * page_size);
  if (failures) {
    printf("leb128_test: %d failures\n", failures);
    return 1;
  }
  printf("leb128_test: all passed\n");
  return 0;
}
