/*
 * upper: a raw-mode function on the custom signature Context{Data string} (upper.signature):
 * upper-cases Data. For `scale run --json` and the stdin mode in tests/e2e/run_test.py.
 */
#include "scale_sdk.h"

int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, in, len);
  const char *s;
  size_t n;
  if (scale_pg_get_string(&r, len, &s, &n) != SCALE_PG_OK) {
    scale_error_raw(out, "cannot decode the context");
    return 0;
  }
  if (n == 5 && __builtin_memcmp(s, "error", 5) == 0) {
    scale_error_raw(out, "upper: refused 'error'");
    return 0;
  }
  if (!scale_pg_buf_reserve(out, n + 16)) return 1;
  char tmp[256];
  size_t m = n < sizeof tmp ? n : sizeof tmp;
  for (size_t i = 0; i < m; i++)
    tmp[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
  scale_pg_put_string(out, tmp, m);
  return 0;
}
