/* Never returns unless its input is "stop": for deadlines and fuel. */
#include "data.h"
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  const char *s;
  size_t n;
  if (!data_get(in, len, &s, &n, out)) return 0;
  volatile uint32_t spin = 0;
  if (!(n == 4 && __builtin_memcmp(s, "stop", 4) == 0))
    for (;;)
      spin++;
  data_put(out, "stopped", 7);
  return 0;
}
