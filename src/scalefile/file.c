/*
 * `.scale` files on disk: a bounded read (size checked with fstat before a
 * byte is read) and an atomic write (temporary file in the same directory,
 * fsync, rename), so a crash or a concurrent reader never sees half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "scalefile/internal.h"

static const char *errno_text(int err) {
  switch (err) {
  case ENOENT:
    return "no such file";
  case EACCES:
  case EPERM:
    return "permission denied";
  case EISDIR:
    return "is a directory";
  case ENOTDIR:
    return "a parent is not a directory";
  case ENOMEM:
    return "out of memory";
  case ENOSPC:
    return "no space left on device";
  case EROFS:
    return "read-only file system";
  case ENAMETOOLONG:
    return "name too long";
  case ELOOP:
    return "too many symbolic links";
  case EIO:
    return "input/output error";
  }
  return "i/o error";
}

scale_error_t *scale_scalefile_read(const char *path, scale_scalefile_t **out) {
  if (!path || !out) return scale__error_new(-1, "scale file: no path or no output");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return scale__error_new(-1, "cannot open '%s': %s", path, errno_text(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return scale__error_new(-1, "cannot open '%s': %s", path, errno_text(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return scale__error_new(-1, "cannot open '%s': %s", path,
                            S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
  }
  if (st.st_size > (off_t)SCALE_SCALEFILE_MAX_BYTES) {
    close(fd);
    return scale__error_new(-1, "scale file: '%s' is larger than %u bytes", path,
                            SCALE_SCALEFILE_MAX_BYTES);
  }
  size_t len = (size_t)st.st_size;
  uint8_t *data = malloc(len ? len : 1);
  if (!data) {
    close(fd);
    return scale__error_new(-1, "cannot read '%s': out of memory", path);
  }
  size_t got = 0;
  while (got < len) {
    ssize_t n = read(fd, data + got, len - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : 0;
      free(data);
      close(fd);
      return e ? scale__error_new(-1, "cannot read '%s': %s", path, errno_text(e))
               : scale__error_new(-1, "cannot read '%s': it shrank while being read", path);
    }
    got += (size_t)n;
  }
  close(fd);
  scale_error_t *err = scale_scalefile_decode(data, len, out);
  free(data);
  return err;
}

static int write_all(int fd, const uint8_t *p, size_t len) {
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

scale_error_t *scale_scalefile_write(const char *path, const scale_scalefile_t *sf) {
  if (!path || !sf) return scale__error_new(-1, "scale file: no path or no file");
  uint8_t *data;
  size_t len;
  scale_error_t *err = scale_scalefile_encode(sf, &data, &len);
  if (err) return err;

  size_t plen = strlen(path);
  char *tmp = malloc(plen + 16);
  if (!tmp) {
    free(data);
    return scale__error_new(-1, "cannot write '%s': out of memory", path);
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp-XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    free(data);
    return scale__error_new(-1, "cannot write '%s': %s", path, errno_text(e));
  }
  int e = 0;
  if (fchmod(fd, 0644) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) e = errno;
  if (close(fd) != 0 && !e) e = errno;
  if (!e && rename(tmp, path) != 0) e = errno;
  if (e) {
    unlink(tmp);
    free(tmp);
    free(data);
    return scale__error_new(-1, "cannot write '%s': %s", path, errno_text(e));
  }
  /* make the rename itself durable; best effort (some file systems refuse) */
  char *dir = strdup(tmp);
  if (dir) {
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
    free(dir);
  }
  free(tmp);
  free(data);
  return NULL;
}
