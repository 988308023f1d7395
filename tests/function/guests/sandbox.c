/*
 * Tries to open a file and use a socket (WASI, denied by the host): returns
 * an error naming what failed, or "escaped" if anything succeeded.
 */
#include "data.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

__attribute__((import_module("wasi_snapshot_preview1"), import_name("sock_send"))) int
raw_sock_send(int fd, const void *iovs, size_t iovs_len, int flags, size_t *sent);

int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  const char *s;
  size_t n;
  if (!data_get(in, len, &s, &n, out)) return 0;
  if (n == 4 && memcmp(s, "file", 4) == 0) {
    FILE *f = fopen("/etc/passwd", "r");
    if (f) {
      fclose(f);
      data_put(out, "escaped", 7);
      return 0;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "file: %s", strerror(errno));
    scale_error_raw(out, msg);
    return 0;
  }
  size_t sent = 0;
  int err = raw_sock_send(3, 0, 0, 0, &sent);
  if (err == 0) {
    data_put(out, "escaped", 7);
    return 0;
  }
  char msg[64];
  snprintf(msg, sizeof msg, "network: wasi errno %d", err);
  printf("sandbox guest on stdout\n");
  fflush(stdout);
  scale_error_raw(out, msg);
  return 0;
}
