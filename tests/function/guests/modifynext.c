/* Sets Data to "modified", then calls Next() with it. */
#include "data.h"
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  const char *s;
  size_t n;
  if (data_get(in, len, &s, &n, out)) data_next("modified", 8, out);
  return 0;
}
