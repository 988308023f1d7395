/*
 * WASI descriptor calls for the only descriptors a context has: 0, 1, 2.
 * Output goes to the host's callback, input comes from the host's
 * callback when granted; no call here opens, seeks or stats a host file.
 *
 * Stdio is described as a character device without FD_SEEK/FD_TELL
 * rights: wasi-libc's isatty() takes exactly that to mean "terminal", so
 * guest stdout is line-buffered and a guest's output shows up as it is
 * produced rather than at exit.
 */
#include "runtime/runtime.h"
#include "wasi/context.h"

enum { IOVEC_SIZE = 8, FDSTAT_SIZE = 24, FILESTAT_SIZE = 64 };

/*
 * Check a guest iovec array and every buffer it names. Returns the
 * host address of the array, or NULL (EFAULT) if any part is out of bounds.
 */
static const uint8_t *check_iovs(const scale__wasi_mem_t *m, uint32_t iovs, uint32_t count) {
  const uint8_t *v = scale__wasi_at(m, iovs, (uint64_t)count * IOVEC_SIZE);
  if (!v) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = v + (size_t)i * IOVEC_SIZE;
    if (!scale__wasi_at(m, scale__wasi_load32(e), scale__wasi_load32(e + 4))) return NULL;
  }
  return v;
}

/* Moves one buffer; returns bytes moved (may be short) or negative for EIO. */
typedef long (*transfer_fn)(scale_wasi_t *w, int fd, uint8_t *buf, uint32_t len);

static long write_out(scale_wasi_t *w, int fd, uint8_t *buf, uint32_t len) {
  return w->out_fn ? w->out_fn(w->out_env, fd, buf, len) : (long)len;
}

static long read_in(scale_wasi_t *w, int fd, uint8_t *buf, uint32_t len) {
  (void)fd;
  /* The host's reader may hand the buffer to read(2): tracked pages must be writable first. */
  scale__memory_prepare_write(buf, len);
  return w->in_fn(w->in_env, buf, len);
}

/*
 * The body of fd_write and fd_read: walk the (already checked) iovecs,
 * stop at the first short transfer the way readv/writev on a pipe do, so
 * we never block for more than the host had ready, and store the total.
 */
static scale_trap_t *transfer(scale_wasi_t *w, scale_caller_t *caller, const scale_val_t *args,
                              scale_val_t *results, transfer_fn fn) {
  uint32_t fd = scale__wasi_u32(args, 0), count = scale__wasi_u32(args, 2);
  uint32_t total_ptr = scale__wasi_u32(args, 3);
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  const uint8_t *v = check_iovs(&m, scale__wasi_u32(args, 1), count);
  if (!v || !scale__wasi_at(&m, total_ptr, 4)) return scale__wasi_ret(results, WASI_EFAULT);
  uint32_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = v + (size_t)i * IOVEC_SIZE;
    uint32_t len = scale__wasi_load32(e + 4);
    if (len == 0) continue;
    if (len > UINT32_MAX - total) /* the total is a u32: report a short transfer */
      break;
    long n = fn(w, (int)fd, m.data + scale__wasi_load32(e), len);
    if (n < 0) {
      if (total == 0) return scale__wasi_ret(results, WASI_EIO);
      break;
    }
    if ((unsigned long)n > len) n = len;
    total += (uint32_t)n;
    if ((uint32_t)n < len) break;
  }
  scale__wasi_put32(&m, total_ptr, total);
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

SCALE__WASI_FN(fd_write) {
  uint32_t fd = scale__wasi_u32(args, 0);
  if (fd != 1 && fd != 2) return scale__wasi_ret(results, WASI_EBADF);
  return transfer(env, caller, args, results, write_out);
}

SCALE__WASI_FN(fd_read) {
  scale_wasi_t *w = env;
  if (scale__wasi_u32(args, 0) != 0 || !w->in_fn) return scale__wasi_ret(results, WASI_EBADF);
  return transfer(w, caller, args, results, read_in);
}

SCALE__WASI_FN(fd_fdstat_get) {
  scale_wasi_t *w = env;
  uint32_t fd = scale__wasi_u32(args, 0);
  if (!scale__wasi_is_stdio(fd)) return scale__wasi_ret(results, WASI_EBADF);
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  uint8_t *p = scale__wasi_at(&m, scale__wasi_u32(args, 1), FDSTAT_SIZE);
  if (!p) return scale__wasi_ret(results, WASI_EFAULT);
  uint64_t rights = WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE;
  if (fd == 0)
    rights |= w->in_fn ? WASI_RIGHT_FD_READ : 0;
  else
    rights |= WASI_RIGHT_FD_WRITE;
  memset(p, 0, FDSTAT_SIZE);
  p[0] = WASI_FILETYPE_CHARACTER_DEVICE;
  scale__wasi_store64(p + 8, rights);
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

SCALE__WASI_FN(fd_fdstat_set_flags) {
  uint32_t fd = scale__wasi_u32(args, 0);
  if (!scale__wasi_is_stdio(fd)) return scale__wasi_ret(results, WASI_EBADF);
  /* Setting the flags stdio already has (none) is harmless; anything else
   * (append, nonblock, sync) is not something the host lets a guest change. */
  return scale__wasi_ret(results, scale__wasi_u32(args, 1) == 0 ? WASI_ESUCCESS : WASI_ENOTSUP);
}

SCALE__WASI_FN(fd_filestat_get) {
  uint32_t fd = scale__wasi_u32(args, 0);
  if (!scale__wasi_is_stdio(fd)) return scale__wasi_ret(results, WASI_EBADF);
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  uint8_t *p = scale__wasi_at(&m, scale__wasi_u32(args, 1), FILESTAT_SIZE);
  if (!p) return scale__wasi_ret(results, WASI_EFAULT);
  /* No device, inode or times of the host leak through: all zero. */
  memset(p, 0, FILESTAT_SIZE);
  p[16] = WASI_FILETYPE_CHARACTER_DEVICE;
  scale__wasi_store64(p + 24, 1); /* nlink */
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

/* No preopened directories: wasi-libc's scan of fds 3, 4, ... ends at once. */
SCALE__WASI_FN(fd_prestat_get) {
  return scale__wasi_ret(results, WASI_EBADF);
}

SCALE__WASI_FN(fd_prestat_dir_name) {
  return scale__wasi_ret(results, WASI_EBADF);
}

/*
 * Closing stdio succeeds without closing anything: a context may serve
 * many instances, one after another, and one guest's fclose(stdout) must
 * not silence the next. Other descriptors do not exist.
 */
SCALE__WASI_FN(fd_close) {
  uint32_t fd = scale__wasi_u32(args, 0);
  return scale__wasi_ret(results, scale__wasi_is_stdio(fd) ? WASI_ESUCCESS : WASI_EBADF);
}

/* Positioned calls: stdio is a stream (ESPIPE); no other descriptor exists (EBADF). */
static scale_trap_t *unseekable(const scale_val_t *args, scale_val_t *results) {
  uint32_t fd = scale__wasi_u32(args, 0);
  return scale__wasi_ret(results, scale__wasi_is_stdio(fd) ? WASI_ESPIPE : WASI_EBADF);
}

SCALE__WASI_FN(fd_seek) {
  return unseekable(args, results);
}

SCALE__WASI_FN(fd_tell) {
  return unseekable(args, results);
}

SCALE__WASI_FN(fd_pread) {
  return unseekable(args, results);
}

SCALE__WASI_FN(fd_pwrite) {
  return unseekable(args, results);
}
