/* Appends MARKER to Data, then calls Next(): a chain of these records its order. */
#include "data.h"
#ifndef MARKER
#define MARKER "?"
#endif
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  const char *s;
  size_t n;
  if (!data_get(in, len, &s, &n, out)) return 0;
  static char buf[256];
  size_t m = sizeof MARKER - 1;
  if (n + m > sizeof buf) {
    scale_error_raw(out, "too long");
    return 0;
  }
  __builtin_memcpy(buf, s, n);
  __builtin_memcpy(buf + n, MARKER, m);
  data_next(buf, n + m, out);
  return 0;
}
