/*
 * Page restores (util/pagecopy): for random images with zero and non-zero
 * stretches and random damage to the destination, scale__page_span must
 * bound every non-zero byte and scale__page_restore must leave the
 * destination byte-equal to the image, whatever vector path the CPU takes.
 */
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "util/pagecopy.h"

#define PAGE SCALE__PAGE_BYTES

static uint32_t rng = 12345;
static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

/* Fill [a, b) of @p p with random bytes, some of them zero. */
static void scribble(uint8_t *p, uint32_t a, uint32_t b) {
  for (uint32_t i = a; i < b; i++)
    p[i] = next() % 4 == 0 ? 0 : (uint8_t)next();
}

int main(void) {
  uint8_t *image = aligned_alloc(PAGE, PAGE), *page = aligned_alloc(PAGE, PAGE);
  CHECK(image && page);
  if (!image || !page) return 1;

  /* All zero: an empty span, and restore clears whatever was written. */
  memset(image, 0, PAGE);
  uint32_t lo, hi;
  scale__page_span(image, &lo, &hi);
  CHECK(lo == hi);
  scribble(page, 0, PAGE);
  scale__page_restore(page, image, lo, hi);
  CHECK(memcmp(page, image, PAGE) == 0);

  /* One byte at each end: the span is the whole page. */
  image[0] = 1;
  image[PAGE - 1] = 2;
  scale__page_span(image, &lo, &hi);
  CHECK(lo == 0 && hi == PAGE);

  for (int round = 0; round < 2000; round++) {
    memset(image, 0, PAGE);
    /* A few non-zero stretches, at random places and lengths (single bytes too). */
    int stretches = (int)(next() % 4);
    for (int s = 0; s < stretches; s++) {
      uint32_t a = next() % PAGE, len = 1 + next() % (next() % 2 ? 8 : 1500);
      uint32_t b = a + len > PAGE ? PAGE : a + len;
      scribble(image, a, b);
      image[a] |= 1; /* at least one non-zero byte per stretch */
    }
    scale__page_span(image, &lo, &hi);
    CHECK(lo % SCALE__PAGE_LINE == 0 && hi % SCALE__PAGE_LINE == 0 && lo <= hi && hi <= PAGE);
    for (uint32_t i = 0; i < PAGE; i++)
      if (image[i] && (i < lo || i >= hi)) {
        CHECK(!"non-zero byte outside the span");
        break;
      }
    /* The destination: the image, then damage anywhere (as a guest's writes would be). */
    memcpy(page, image, PAGE);
    int writes = (int)(next() % 6);
    for (int w = 0; w < writes; w++) {
      uint32_t a = next() % PAGE, len = 1 + next() % 300;
      scribble(page, a, a + len > PAGE ? PAGE : a + len);
    }
    scale__page_restore(page, image, lo, hi);
    CHECK(memcmp(page, image, PAGE) == 0);
  }

  /* The plain copy. */
  scribble(image, 0, PAGE);
  scale__page_copy(page, image);
  CHECK(memcmp(page, image, PAGE) == 0);

  free(image);
  free(page);
  printf("pagecopy: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
