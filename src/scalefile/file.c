/*
 * `.scale` files on disk: a bounded read (a size over the cap is refused
 * before a byte is read) and an atomic write (util/file.h: temporary file
 * beside it, fsync, rename), so a crash or a concurrent reader never sees
 * half a file.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "runtime/runtime.h"
#include "scalefile/internal.h"
#include "util/file.h"

scale_error_t *scale_scalefile_read(const char *path, scale_scalefile_t **out) {
  if (!path || !out) return scale__error_new(-1, "scale file: no path or no output");
  uint8_t *data = NULL;
  size_t len = 0;
  bool too_big = false;
  int e = scale__read_capped(path, SCALE_SCALEFILE_MAX_BYTES, true, &data, &len, &too_big);
  if (too_big)
    return scale__error_new(-1, "scale file: '%s' is larger than %u bytes", path,
                            SCALE_SCALEFILE_MAX_BYTES);
  if (e == EISDIR) {
    struct stat st;
    bool dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    return scale__error_new(-1, "cannot open '%s': %s", path,
                            dir ? "is a directory" : "not a regular file");
  }
  if (e)
    return scale__error_new(-1, "cannot %s '%s': %s", scale__errno_on_open(e) ? "open" : "read",
                            path, scale__errno_text(e));
  scale_error_t *err = scale_scalefile_decode(data, len, out);
  free(data);
  return err;
}

scale_error_t *scale_scalefile_write(const char *path, const scale_scalefile_t *sf) {
  if (!path || !sf) return scale__error_new(-1, "scale file: no path or no file");
  uint8_t *data;
  size_t len;
  scale_error_t *err = scale_scalefile_encode(sf, &data, &len);
  if (err) return err;
  int e = scale__write_atomic(path, data, len, 0644);
  free(data);
  return e ? scale__error_new(-1, "cannot write '%s': %s", path, scale__errno_text(e)) : NULL;
}
