/*
 * Reading input files for commands: whole files, with a hard cap, and
 * errors worded for people ("cannot open 'x.wasm': no such file").
 *
 * Never trusts the size a file claims: pipes and /proc files report 0
 * and growing files grow, so the cap is enforced on what is read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

const char *scale__cli_errno_text(int err) {
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
  case ENAMETOOLONG:
    return "name too long";
  case ELOOP:
    return "too many symbolic links";
  case EIO:
    return "input/output error";
  case EPIPE:
    return "broken pipe";
  case ENOSPC:
    return "no space left on device";
  default:
    return "system error";
  }
}

bool scale__cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    scale__cli_error("cannot open '%s': %s", path, scale__cli_errno_text(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    scale__cli_error("cannot open '%s': %s", path, scale__cli_errno_text(EISDIR));
    close(fd);
    return false;
  }
  size_t cap = 64 * 1024, n = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (uint64_t)st.st_size <= max)
    cap = (size_t)st.st_size + 1; /* +1 so the read loop sees end of file */
  uint8_t *buf = malloc(cap);
  bool ok = buf != NULL;
  while (ok) {
    if (n == cap) {
      if (cap > max) { /* read max + 1 bytes: the file is over the cap */
        scale__cli_error("cannot load '%s': larger than the limit of %zu bytes", path, max);
        ok = false;
        break;
      }
      size_t grown = cap * 2 > max + 1 ? max + 1 : cap * 2;
      uint8_t *p = realloc(buf, grown);
      if (!p) {
        scale__cli_error("cannot read '%s': out of memory", path);
        ok = false;
        break;
      }
      buf = p;
      cap = grown;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      scale__cli_error("cannot read '%s': %s", path, scale__cli_errno_text(errno));
      ok = false;
      break;
    }
    if (got == 0)
      break;
    n += (size_t)got;
  }
  if (!buf)
    scale__cli_error("cannot read '%s': out of memory", path);
  else if (ok && n > max) {
    scale__cli_error("cannot load '%s': larger than the limit of %zu bytes", path, max);
    ok = false;
  }
  close(fd);
  if (!ok) {
    free(buf);
    return false;
  }
  *out = buf;
  *len = n;
  return true;
}
