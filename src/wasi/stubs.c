/*
 * The WASI calls a deny-by-default context refuses: file system, sockets
 * and descriptor operations that only make sense on files. They exist so
 * that any wasi-libc, Rust or Go program links; each answers with the
 * errno POSIX gives for the same call on the same kind of descriptor:
 * EBADF for a descriptor that does not exist (every fd past 2, since there
 * are no preopens), and for stdio ENOTDIR / ENOTSOCK / ESPIPE / EINVAL /
 * ENOTSUP as a terminal would answer.
 *
 * Nothing here may touch guest memory or the host: they only look at the
 * descriptor number.
 */
#include "wasi/context.h"

/* The answer for descriptor @p fd: EBADF unless it is stdio. */
static scale_trap_t *deny(scale_val_t *results, uint32_t fd, int on_stdio) {
  return scale__wasi_ret(results, scale__wasi_is_stdio(fd) ? on_stdio : WASI_EBADF);
}

/* ---- descriptor operations for files -------------------------------- */

SCALE__WASI_FN(fd_advise) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ESPIPE);
}
SCALE__WASI_FN(fd_allocate) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSUP);
}
SCALE__WASI_FN(fd_datasync) {
  return deny(results, scale__wasi_u32(args, 0), WASI_EINVAL);
}
SCALE__WASI_FN(fd_sync) {
  return deny(results, scale__wasi_u32(args, 0), WASI_EINVAL);
}
SCALE__WASI_FN(fd_fdstat_set_rights) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSUP);
}
SCALE__WASI_FN(fd_filestat_set_size) {
  return deny(results, scale__wasi_u32(args, 0), WASI_EINVAL);
}
SCALE__WASI_FN(fd_filestat_set_times) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSUP);
}
SCALE__WASI_FN(fd_readdir) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(fd_renumber) {
  uint32_t from = scale__wasi_u32(args, 0), to = scale__wasi_u32(args, 1);
  /* Renumbering onto or from stdio would let one guest rewire the host's
   * output routing; refuse it even though both descriptors exist. */
  if (!scale__wasi_is_stdio(to)) return scale__wasi_ret(results, WASI_EBADF);
  return deny(results, from, WASI_ENOTSUP);
}

/* ---- paths: there is no directory to resolve them against ----------- */

SCALE__WASI_FN(path_create_directory) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_filestat_get) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_filestat_set_times) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_link) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_open) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_readlink) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_remove_directory) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_rename) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_symlink) {
  /* (old_path, old_path_len, fd, new_path, new_path_len) */
  return deny(results, scale__wasi_u32(args, 2), WASI_ENOTDIR);
}
SCALE__WASI_FN(path_unlink_file) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTDIR);
}

/* ---- sockets: none are ever handed to a guest ----------------------- */

SCALE__WASI_FN(sock_accept) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSOCK);
}
SCALE__WASI_FN(sock_recv) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSOCK);
}
SCALE__WASI_FN(sock_send) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSOCK);
}
SCALE__WASI_FN(sock_shutdown) {
  return deny(results, scale__wasi_u32(args, 0), WASI_ENOTSOCK);
}
