/* initialize fails: the host must refuse the function at chain creation. */
#include "data.h"
const char *scale_initialize(void) {
  return "init refused";
}
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  return 0;
}
