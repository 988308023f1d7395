/* A guest error: returns an Error value. */
#include "data.h"
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  scale_error_raw(out, "guest says no");
  return 0;
}
