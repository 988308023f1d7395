/*
 * Allocation failure in the Polyglot encoder. This program compiles the
 * codec's sources itself with SCALE_PG_REALLOC / SCALE_PG_FREE naming the
 * allocator below (the same hook the freestanding guest SDK uses), fails
 * the n-th allocation for every n, and checks that the buffer fails, stays
 * failed, never holds a half-written value, and leaks nothing.
 */
#include "scale/polyglot.h"

#include <string.h>

#include "../common/check.h"

void *test_realloc(void *p, size_t n);
void test_free(void *p);

static int allocs_left = -1; /* -1: never fail */
static int live;

void *test_realloc(void *p, size_t n) {
  if (allocs_left == 0) return NULL;
  if (allocs_left > 0) allocs_left--;
  void *q = realloc(p, n);
  if (q && !p) live++;
  return q;
}

void test_free(void *p) {
  if (p) live--;
  free(p);
}

/* A fixed sequence of puts that grows the buffer several times. */
static void fill(scale_pg_buf_t *b) {
  static char text[3000];
  memset(text, 'x', sizeof text);
  for (int i = 0; i < 50; i++) {
    scale_pg_put_u64(b, UINT64_MAX - (uint64_t)i);
    scale_pg_put_string(b, text, (size_t)i * 60);
    scale_pg_put_error(b, text, (size_t)i);
    scale_pg_put_f64(b, i * 0.5);
  }
}

int main(void) {
  scale_pg_buf_t ref;
  scale_pg_buf_init(&ref);
  fill(&ref);
  CHECK(!scale_pg_buf_failed(&ref));

  int fails_seen = 0;
  for (int n = 0; n < 64; n++) {
    allocs_left = n;
    scale_pg_buf_t b;
    scale_pg_buf_init(&b);
    fill(&b);
    allocs_left = -1;
    if (!scale_pg_buf_failed(&b)) {
      CHECK(b.len == ref.len && memcmp(b.data, ref.data, ref.len) == 0);
      scale_pg_buf_free(&b);
      break;
    }
    fails_seen++;
    /* whatever was kept is a prefix of the full output, ending on a value */
    CHECK(b.len <= ref.len && (b.len == 0 || memcmp(b.data, ref.data, b.len) == 0));
    scale_pg_reader_t r;
    scale_pg_reader_init(&r, b.data, b.len);
    while (scale_pg_remaining(&r) && scale_pg_skip(&r, 2) == SCALE_PG_OK) {
    }
    CHECK(scale_pg_remaining(&r) == 0);
    /* sticky: a put that would fit still does nothing */
    size_t len = b.len;
    scale_pg_put_nil(&b);
    CHECK(scale_pg_buf_failed(&b) && b.len == len);
    scale_pg_buf_reset(&b);
    CHECK(!scale_pg_buf_failed(&b));
    scale_pg_buf_free(&b);
  }
  CHECK(fails_seen >= 3);
  scale_pg_buf_free(&ref);
  CHECK(live == 0);
  printf("polyglot oom: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
