/*
 * WASI preview1 internals: the context a host configures, the list of
 * every wasi_snapshot_preview1 function with its Wasm type, and the
 * bounds-checked guest memory helpers every call goes through.
 *
 * This module is layered on the public API only (include/scale.h): it must
 * never include runtime or interpreter headers, and it must never touch a
 * guest address without checking it against the memory's current size.
 */
#ifndef SCALE_WASI_CONTEXT_H
#define SCALE_WASI_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scale.h"

/* Errno values from the preview1 witx (not the host's errno numbers). */
enum {
  WASI_ESUCCESS = 0,
  WASI_EACCES = 2,
  WASI_EBADF = 8,
  WASI_EFAULT = 21,
  WASI_EINVAL = 28,
  WASI_EIO = 29,
  WASI_ENOMEM = 48,
  WASI_ENOSYS = 52,
  WASI_ENOTDIR = 54,
  WASI_ENOTSOCK = 57,
  WASI_ENOTSUP = 58,
  WASI_ESPIPE = 70,
  WASI_ENOTCAPABLE = 76,
};

/* File types and rights (fdstat) from the preview1 witx. */
enum {
  WASI_FILETYPE_CHARACTER_DEVICE = 2,
};
#define WASI_RIGHT_FD_READ (1ull << 1)
#define WASI_RIGHT_FD_SEEK (1ull << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define WASI_RIGHT_FD_TELL (1ull << 5)
#define WASI_RIGHT_FD_WRITE (1ull << 6)
#define WASI_RIGHT_FD_FILESTAT_GET (1ull << 21)
#define WASI_RIGHT_POLL_FD_READWRITE (1ull << 27)

struct scale_wasi {
  char **argv; /* argc strings, each owned */
  size_t argc;
  size_t args_bytes; /* sum of strlen + 1 */
  char **env;        /* envc "KEY=VALUE" strings, each owned */
  size_t envc;
  size_t env_cap;
  size_t env_bytes;
  scale_wasi_write_fn_t out_fn;
  void *out_env;
  scale_wasi_read_fn_t in_fn;
  void *in_env;
  bool seeded;
  uint64_t rng; /* splitmix64 state when seeded */
};

/*
 * Every wasi_snapshot_preview1 function: name, parameter kinds, result
 * kinds ('i' = i32, 'I' = i64). Pointers and sizes are i32 (wasm32).
 */
#define SCALE__WASI_FUNCS(X)                                                                       \
  X(args_get, "ii", "i")                                                                           \
  X(args_sizes_get, "ii", "i")                                                                     \
  X(environ_get, "ii", "i")                                                                        \
  X(environ_sizes_get, "ii", "i")                                                                  \
  X(clock_res_get, "ii", "i")                                                                      \
  X(clock_time_get, "iIi", "i")                                                                    \
  X(fd_advise, "iIIi", "i")                                                                        \
  X(fd_allocate, "iII", "i")                                                                       \
  X(fd_close, "i", "i")                                                                            \
  X(fd_datasync, "i", "i")                                                                         \
  X(fd_fdstat_get, "ii", "i")                                                                      \
  X(fd_fdstat_set_flags, "ii", "i")                                                                \
  X(fd_fdstat_set_rights, "iII", "i")                                                              \
  X(fd_filestat_get, "ii", "i")                                                                    \
  X(fd_filestat_set_size, "iI", "i")                                                               \
  X(fd_filestat_set_times, "iIIi", "i")                                                            \
  X(fd_pread, "iiiIi", "i")                                                                        \
  X(fd_prestat_get, "ii", "i")                                                                     \
  X(fd_prestat_dir_name, "iii", "i")                                                               \
  X(fd_pwrite, "iiiIi", "i")                                                                       \
  X(fd_read, "iiii", "i")                                                                          \
  X(fd_readdir, "iiiIi", "i")                                                                      \
  X(fd_renumber, "ii", "i")                                                                        \
  X(fd_seek, "iIii", "i")                                                                          \
  X(fd_sync, "i", "i")                                                                             \
  X(fd_tell, "ii", "i")                                                                            \
  X(fd_write, "iiii", "i")                                                                         \
  X(path_create_directory, "iii", "i")                                                             \
  X(path_filestat_get, "iiiii", "i")                                                               \
  X(path_filestat_set_times, "iiiiIIi", "i")                                                       \
  X(path_link, "iiiiiii", "i")                                                                     \
  X(path_open, "iiiiiIIii", "i")                                                                   \
  X(path_readlink, "iiiiii", "i")                                                                  \
  X(path_remove_directory, "iii", "i")                                                             \
  X(path_rename, "iiiiii", "i")                                                                    \
  X(path_symlink, "iiiii", "i")                                                                    \
  X(path_unlink_file, "iii", "i")                                                                  \
  X(poll_oneoff, "iiii", "i")                                                                      \
  X(proc_exit, "i", "")                                                                            \
  X(proc_raise, "i", "i")                                                                          \
  X(sched_yield, "", "i")                                                                          \
  X(random_get, "ii", "i")                                                                         \
  X(sock_accept, "iii", "i")                                                                       \
  X(sock_recv, "iiiiii", "i")                                                                      \
  X(sock_send, "iiiii", "i")                                                                       \
  X(sock_shutdown, "ii", "i")

/*
 * Signature of every WASI host function; `env` is the scale_wasi_t. The
 * runtime has checked the argument count and kinds against the type.
 */
#define SCALE__WASI_FN(name)                                                                       \
  scale_trap_t *scale__wasi_##name(                                                                \
      void *env __attribute__((unused)), scale_caller_t *caller __attribute__((unused)),           \
      const scale_val_t *args __attribute__((unused)), size_t nargs __attribute__((unused)),       \
      scale_val_t *results __attribute__((unused)), size_t nresults __attribute__((unused)))

#define SCALE__WASI_DECLARE(name, params, res) SCALE__WASI_FN(name);
SCALE__WASI_FUNCS(SCALE__WASI_DECLARE)
#undef SCALE__WASI_DECLARE

/* Store an errno as the function's i32 result. */
static inline scale_trap_t *scale__wasi_ret(scale_val_t *results, int err) {
  results[0] = scale_val_i32(err);
  return NULL;
}

/* Argument i as the guest's unsigned 32-bit value (pointers, sizes, fds). */
static inline uint32_t scale__wasi_u32(const scale_val_t *args, size_t i) {
  return (uint32_t)args[i].of.i32;
}

/* ---- guest memory --------------------------------------------------- */

/* A view of the caller's linear memory, valid until the guest runs again. */
typedef struct scale__wasi_mem {
  uint8_t *data;
  size_t size;
} scale__wasi_mem_t;

/*
 * Find the caller's exported "memory". Returns NULL and fills @p m, or an
 * owned trap when the module exports no memory (WASI cannot work then).
 */
scale_trap_t *scale__wasi_mem(scale_caller_t *caller, scale__wasi_mem_t *m);

/* Guest range [ptr, ptr+len) as a host pointer, or NULL if out of bounds. */
static inline uint8_t *scale__wasi_at(const scale__wasi_mem_t *m, uint32_t ptr, uint64_t len) {
  if ((uint64_t)ptr > m->size || len > m->size - (uint64_t)ptr) return NULL;
  return m->data + ptr;
}

/* Little-endian loads and stores; guest addresses need not be aligned. */
static inline uint32_t scale__wasi_load32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t scale__wasi_load64(const uint8_t *p) {
  return (uint64_t)scale__wasi_load32(p) | (uint64_t)scale__wasi_load32(p + 4) << 32;
}
static inline uint16_t scale__wasi_load16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}
static inline void scale__wasi_store16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void scale__wasi_store32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}
static inline void scale__wasi_store64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * Store a u32 / u64 at a guest address. False (store nothing) when the
 * address is out of bounds, so the caller answers EFAULT.
 */
bool scale__wasi_put32(const scale__wasi_mem_t *m, uint32_t ptr, uint32_t v);
bool scale__wasi_put64(const scale__wasi_mem_t *m, uint32_t ptr, uint64_t v);

/* True for the three stdio descriptors, the only ones a context has. */
static inline bool scale__wasi_is_stdio(uint32_t fd) {
  return fd <= 2;
}

#endif
