/*
 * The test signature of upstream's Gen-1 runtime tests, Context{Data
 * string}: the whole context is one Polyglot String. Raw-mode helpers
 * shared by the test guests.
 */
#ifndef TEST_GUEST_DATA_H
#define TEST_GUEST_DATA_H

#include "scale_sdk.h"

/* Decode the Data string, or write an Error to @p out and return 0. */
static inline int data_get(const uint8_t *in, size_t len, const char **s, size_t *n,
                           scale_pg_buf_t *out) {
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, in, len);
  if (scale_pg_get_string(&r, len, s, n) != SCALE_PG_OK) {
    scale_error_raw(out, "cannot decode context");
    return 0;
  }
  return 1;
}

static inline void data_put(scale_pg_buf_t *out, const char *s, size_t n) {
  scale_pg_put_string(out, s, n);
}

/*
 * Next() on Data @p s: on success the new data is written to @p out and 1
 * returned; an error from the rest of the chain is written to @p out as an
 * Error value (propagated, as upstream guests do) and 0 returned.
 */
static inline int data_next(const char *s, size_t n, scale_pg_buf_t *out) {
  scale_pg_buf_t *b = scale_next_buffer();
  scale_pg_put_string(b, s, n);
  const uint8_t *res;
  size_t len;
  if (scale_next_raw(b->data, b->len, &res, &len) != 0) {
    scale_error_raw(out, "next failed");
    return 0;
  }
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, res, len);
  const char *msg;
  size_t mlen;
  if (scale_pg_get_error(&r, len, &msg, &mlen) == SCALE_PG_OK) {
    scale_pg_buf_reset(out);
    scale_pg_put_error(out, msg, mlen);
    return 0;
  }
  const char *t;
  size_t tn;
  if (scale_pg_get_string(&r, len, &t, &tn) != SCALE_PG_OK) {
    scale_error_raw(out, "cannot decode next's context");
    return 0;
  }
  data_put(out, t, tn);
  return 1;
}

#endif
