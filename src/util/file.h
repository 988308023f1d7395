/*
 * Files read and written whole, for every module that keeps data on disk
 * (the CLI, the function store, .scale files): bounded reads, atomic
 * writes, and errno values worded for people. All functions return 0 or
 * an errno value and never print; callers word their own messages.
 * Thread-safe (no shared state).
 */
#ifndef SCALE_UTIL_FILE_H
#define SCALE_UTIL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A short lower-case description of an errno value ("no such file"); never NULL. */
const char *scale__errno_text(int err);

/*
 * True for the errno values that mean the path itself could not be opened
 * (missing, forbidden, a directory...), so a message can say "cannot open"
 * rather than "cannot read".
 */
bool scale__errno_on_open(int err);

/* Write all @p len bytes to @p fd, retrying on EINTR. 0, or the errno of the failure. */
int scale__write_all(int fd, const void *data, size_t len);

/*
 * Replace @p path atomically: write a temporary file beside it
 * ("<path>.tmp-XXXXXX"), set @p mode, fsync, rename over @p path, then
 * fsync the directory (best effort). A crash or a concurrent reader never
 * sees half a file; on failure the temporary file is removed.
 * Returns 0 or an errno value.
 */
int scale__write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/*
 * Read the whole file at @p path, at most @p max bytes. The size the file
 * claims is only a hint (pipes say 0, files grow): the cap is enforced on
 * what is read. Directories are refused (EISDIR), and with
 * @p regular_only so is anything but a regular file.
 * Returns 0 with *out (malloc'd, free() it) and *len set; 0 with *too_big
 * set and nothing allocated when the file is over @p max; else an errno.
 */
int scale__read_capped(const char *path, size_t max, bool regular_only, uint8_t **out, size_t *len,
                       bool *too_big);

#endif
