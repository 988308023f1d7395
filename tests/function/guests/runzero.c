/* run reports a hard failure (returns 0). */
#include "data.h"
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  return 1;
}
