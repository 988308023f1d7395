/**
 * @file scale/wasi.h
 * @brief WASI preview1 ("wasi_snapshot_preview1"), deny by default.
 *
 * What a guest gets: the args and environment the host gives, the clocks,
 * random bytes, fd_write on 1 and 2 (delivered to a host callback),
 * fd_read on 0 only when granted, proc_exit. Every other call answers with
 * the proper errno (EBADF for unknown descriptors, ENOTSUP/EACCES for file
 * system and socket calls); nothing reaches the host's files or network.
 */
#ifndef SCALE_WASI_H
#define SCALE_WASI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "linker.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scale_wasi scale_wasi_t;

/**
 * Receives what the guest writes to stdout (fd 1) or stderr (fd 2).
 * @return the number of bytes consumed; fewer than @p len makes the guest's
 *         fd_write report a short write, a negative value EIO.
 */
typedef long (*scale_wasi_write_fn_t)(void *env, int fd, const uint8_t *data, size_t len);
/**
 * Supplies stdin (fd 0) when granted: fill at most @p cap bytes. @p buf points into guest
 * memory, already prepared for system calls to write (scale_memory_prepare_write), so it may
 * be passed to read(2) directly.
 * @return bytes written to @p buf, 0 at end of input, negative for EIO.
 */
typedef long (*scale_wasi_read_fn_t)(void *env, uint8_t *buf, size_t cap);

/** Create a WASI context with nothing granted; NULL on out-of-memory. */
scale_wasi_t *scale_wasi_new(void);
/** Delete a context. It must outlive every instance linked to it. NULL is a no-op. */
void scale_wasi_delete(scale_wasi_t *wasi);
/** Set argv (copied). argv[0] is the program name by convention. */
scale_error_t *scale_wasi_set_args(scale_wasi_t *wasi, size_t argc, const char *const *argv);
/** Add one environment variable "KEY=VALUE" (copied). */
scale_error_t *scale_wasi_add_env(scale_wasi_t *wasi, const char *key, const char *value);
/**
 * Route fd 1 and 2 to @p fn. Without a callback output is discarded (and
 * reported as written).
 */
void scale_wasi_set_output(scale_wasi_t *wasi, scale_wasi_write_fn_t fn, void *env);
/** Grant fd_read on fd 0, served by @p fn. Without it, fd 0 reads give EBADF. */
void scale_wasi_set_input(scale_wasi_t *wasi, scale_wasi_read_fn_t fn, void *env);
/**
 * Make random_get deterministic (for tests) when @p seed is non-zero;
 * otherwise it reads the OS's random source.
 */
void scale_wasi_set_random_seed(scale_wasi_t *wasi, uint64_t seed);

/**
 * Define every wasi_snapshot_preview1 function in @p linker, bound to
 * @p wasi. Functions the guest calls find its memory through the caller's
 * "memory" export.
 */
scale_error_t *scale_linker_define_wasi(scale_linker_t *linker, scale_wasi_t *wasi);

#ifdef __cplusplus
}
#endif
#endif
