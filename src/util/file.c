/*
 * Whole-file reads and atomic writes (file.h). Written once here because
 * the CLI, the store and the .scale reader all need the same care: caps
 * enforced on bytes actually read, EINTR retried, temporary files never
 * left visible under the final name.
 */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *scale__errno_text(int err) {
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
  case EEXIST:
    return "already exists";
  case ENAMETOOLONG:
    return "name too long";
  case ELOOP:
    return "too many symbolic links";
  case EIO:
    return "input/output error";
  case EPIPE:
    return "broken pipe";
  default:
    return strerror(err);
  }
}

bool scale__errno_on_open(int err) {
  return err == ENOENT || err == EACCES || err == EPERM || err == EISDIR || err == ENOTDIR ||
         err == ELOOP || err == ENAMETOOLONG;
}

int scale__write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int scale__write_atomic(const char *path, const void *data, size_t len, unsigned mode) {
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 12);
  if (!tmp) return ENOMEM;
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp-XXXXXX", 12);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return e;
  }
  int e = fchmod(fd, (mode_t)mode) != 0 ? errno : 0;
  if (!e) e = scale__write_all(fd, data, len);
  if (!e && fsync(fd) != 0) e = errno;
  if (close(fd) != 0 && !e) e = errno;
  if (!e && rename(tmp, path) != 0) e = errno;
  if (e) {
    unlink(tmp);
    free(tmp);
    return e;
  }
  /* Make the rename itself durable; best effort (some file systems refuse). */
  int dfd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  free(tmp);
  return 0;
}

int scale__read_capped(const char *path, size_t max, bool regular_only, uint8_t **out, size_t *len,
                       bool *too_big) {
  *too_big = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  bool stat_ok = fstat(fd, &st) == 0;
  if (stat_ok && (S_ISDIR(st.st_mode) || (regular_only && !S_ISREG(st.st_mode)))) {
    close(fd);
    return EISDIR;
  }
  bool sized = stat_ok && S_ISREG(st.st_mode) && st.st_size > 0;
  if (sized && (uint64_t)st.st_size > max) {
    close(fd);
    *too_big = true;
    return 0;
  }
  /* +1 so a file of the claimed size is read to its end in one buffer. */
  size_t cap = sized ? (size_t)st.st_size + 1 : 64 * 1024, n = 0;
  uint8_t *buf = malloc(cap);
  int err = buf ? 0 : ENOMEM;
  while (!err) {
    if (n == cap) {
      if (cap > max) break; /* max + 1 bytes read: over the cap */
      size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
      uint8_t *p = realloc(buf, grown);
      if (!p) {
        err = ENOMEM;
        break;
      }
      buf = p;
      cap = grown;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) err = errno;
    if (got <= 0) break;
    n += (size_t)got;
  }
  close(fd);
  if (!err && n > max) *too_big = true;
  if (err || *too_big) {
    free(buf);
    return err;
  }
  *out = buf;
  *len = n;
  return 0;
}
