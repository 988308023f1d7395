/*
 * Content-addressed blobs of the function store: SHA-256 digests, atomic
 * writes (temporary file + fsync + rename) and reads that check size and
 * digest before anyone sees the bytes.
 *
 * Never trusts what is on disk: a blob whose size or hash differs from
 * its descriptor is an error naming the blob, and reads are capped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/store.h"
#include "util/file.h"
#include "util/sha256.h"

scale_error_t *scale__registry_errorf(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return scale_error_new(buf);
}

void scale__registry_digest(const uint8_t *data, size_t len, char out[SCALE_STORE_DIGEST_SIZE]) {
  memcpy(out, "sha256:", 7);
  scale__sha256_hex(data, len, out + 7);
}

bool scale__registry_digest_valid(const char *digest) {
  if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71) return false;
  for (const char *p = digest + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
  return true;
}

scale_error_t *scale__registry_mkdirs(const char *path, unsigned mode) {
  size_t n = strlen(path);
  char *buf = malloc(n + 1);
  if (!buf) return scale_error_new("out of memory");
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] != '/' && buf[i] != '\0') continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST) {
      int err = errno;
      scale_error_t *e =
          scale__registry_errorf("cannot create directory '%s': %s", buf, scale__errno_text(err));
      free(buf);
      return e;
    }
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    free(buf);
    return scale__registry_errorf("cannot create directory '%s': not a directory", path);
  }
  free(buf);
  return NULL;
}

scale_error_t *scale__registry_write_atomic(const char *path, const uint8_t *data, size_t len) {
  /* "<name>.tmp-XXXXXX" never looks like a digest, so collection can tell it apart. */
  int err = scale__write_atomic(path, data, len, 0644);
  return err ? scale__registry_errorf("cannot write '%s': %s", path, scale__errno_text(err)) : NULL;
}

static char *blob_path(const char *root, const char *digest) {
  size_t cap = strlen(root) + 96;
  char *p = malloc(cap);
  if (p) snprintf(p, cap, "%s/blobs/sha256/%s", root, digest + 7);
  return p;
}

scale_error_t *scale__registry_read_blob(const char *root, const char *digest, int64_t size,
                                         size_t max, uint8_t **out, size_t *len) {
  if (!scale__registry_digest_valid(digest))
    return scale__registry_errorf("invalid blob digest '%s' in '%s/index.json' or a manifest "
                                  "(want sha256:<64 lower-case hex digits>)",
                                  digest ? digest : "", root);
  if (size >= 0 && (uint64_t)size > max)
    return scale__registry_errorf("blob %s in '%s' is too large (%lld bytes, limit %zu)", digest,
                                  root, (long long)size, max);
  char *path = blob_path(root, digest);
  if (!path) return scale_error_new("out of memory");
  uint8_t *buf = NULL;
  size_t n = 0;
  bool too_big;
  int err = scale__read_capped(path, max, true, &buf, &n, &too_big);
  if (err) {
    scale_error_t *e =
        err == ENOENT
            ? scale__registry_errorf("blob %s is missing from '%s' (the store is damaged)", digest,
                                     root)
            : scale__registry_errorf("cannot read blob '%s': %s", path, scale__errno_text(err));
    free(path);
    return e;
  }
  if (too_big) {
    scale_error_t *e =
        scale__registry_errorf("blob '%s' is larger than the limit of %zu bytes", path, max);
    free(path);
    return e;
  }
  if (size >= 0 && (uint64_t)size != n) {
    scale_error_t *e = scale__registry_errorf(
        "blob '%s' is corrupt: %zu bytes, its descriptor says %lld", path, n, (long long)size);
    free(buf);
    free(path);
    return e;
  }
  char actual[SCALE_STORE_DIGEST_SIZE];
  scale__registry_digest(buf, n, actual);
  if (strcmp(actual, digest) != 0) {
    scale_error_t *e = scale__registry_errorf(
        "blob '%s' is corrupt: its content hashes to %s, not %s", path, actual, digest);
    free(buf);
    free(path);
    return e;
  }
  free(path);
  *out = buf;
  *len = n;
  return NULL;
}

scale_error_t *scale__registry_write_blob(const char *root, const uint8_t *data, size_t len,
                                          char digest[SCALE_STORE_DIGEST_SIZE]) {
  scale__registry_digest(data, len, digest);
  /* A verified copy already there is kept (blobs are immutable); a damaged one is replaced. */
  uint8_t *old = NULL;
  size_t old_len = 0;
  scale_error_t *e = scale__registry_read_blob(root, digest, (int64_t)len, len, &old, &old_len);
  if (!e) {
    free(old);
    return NULL;
  }
  scale_error_delete(e);
  char *path = blob_path(root, digest);
  if (!path) return scale_error_new("out of memory");
  e = scale__registry_write_atomic(path, data, len);
  free(path);
  return e;
}
