/* Decodes a U32 where the host sends a String: the "bad signature" case. */
#include "data.h"
int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, in, len);
  uint32_t v;
  scale_pg_status_t st = scale_pg_get_u32(&r, &v);
  if (st != SCALE_PG_OK) {
    scale_error_raw(out, scale_pg_status_text(st));
    return 0;
  }
  scale_pg_put_u32(out, v);
  return 0;
}
