/*
 * The C guest SDK for `scale build`: where its files come from (the copy
 * embedded in the scale binary, written into the build directory, or a
 * source tree named by SCALE_SDK_DIR) and its compiled objects, which are
 * cached because they depend only on the SDK, the compiler and the flags.
 *
 * A cache entry is used only when every object matches the digest recorded
 * beside it; anything else is recompiled, never trusted.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/build.h"
#include "cli/templates/embedded.h"
#include "registry/store.h"

/* Where the SDK files are: SCALE_SDK_DIR, or the embedded copy written into the build dir. */
bool scale__cli_sdk_prepare(build_t *b) {
  const char *env = getenv("SCALE_SDK_DIR");
  if (env && *env) {
    char *probe = scale__cli_path_join(env, "sdk/c/include/scale_sdk.h");
    bool ok = probe && access(probe, R_OK) == 0;
    if (!ok) scale__cli_error("SCALE_SDK_DIR='%s' has no sdk/c/include/scale_sdk.h", env);
    free(probe);
    b->sdk = ok ? strdup(env) : NULL;
    return ok;
  }
  b->sdk = scale__cli_path_join(b->work, "sdk");
  if (!b->sdk) return scale__cli_report(scale_error_new("out of memory"));
  for (size_t i = 0; i < scale__cli_sdk_file_count; i++) {
    const scale__cli_file_t *f = &scale__cli_sdk_files[i];
    char *path = scale__cli_path_join(b->sdk, f->path);
    bool ok = path && scale__cli_write_file(path, f->data, f->len);
    free(path);
    if (!ok) return false;
  }
  return true;
}

/* ---- the compiled SDK, cached ------------------------------------- */

/*
 * The SDK objects depend only on the SDK sources, the compiler, the
 * sysroot and the flags, so they are compiled once and kept in
 * $SCALE_HOME/cache/sdk/<key>/ (0.o, 1.o, ... and `objects`, their
 * SHA-256 digests, checked before use). A damaged or missing entry is
 * rebuilt; a cache that cannot be written only costs time.
 */
static bool want_sdk_file(const build_t *b, const scale__cli_file_t *f) {
  return f->role == SCALE_CLI_SDK_CORE || (b->http && f->role == SCALE_CLI_SDK_HTTP);
}

typedef struct sbuf {
  uint8_t *data;
  size_t len, cap;
  bool oom;
} sbuf_t;

static void sput(sbuf_t *s, const void *p, size_t n) {
  if (s->oom) return;
  if (s->len + n > s->cap) {
    size_t cap = (s->cap ? s->cap * 2 : 4096) + n;
    uint8_t *nd = realloc(s->data, cap);
    if (!nd) {
      s->oom = true;
      return;
    }
    s->data = nd;
    s->cap = cap;
  }
  memcpy(s->data + s->len, p, n);
  s->len += n;
}

static void sput_str(sbuf_t *s, const char *str) {
  sput(s, str, strlen(str) + 1);
}

/* Fold the identity of file @p path (resolved; size and mtime) into @p s. */
static void sput_stat(sbuf_t *s, const char *path) {
  char *real = realpath(path, NULL);
  struct stat st;
  char text[128] = "missing";
  if (real && stat(real, &st) == 0)
    snprintf(text, sizeof text, "%lld %lld.%09ld", (long long)st.st_size,
             (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
  sput_str(s, real ? real : path);
  sput_str(s, text);
  free(real);
}

static bool sdk_key(build_t *b, char key[SCALE_STORE_DIGEST_SIZE]) {
  sbuf_t s = {0};
  sput_str(&s, "scale sdk cache v1");
  sput_stat(&s, b->clang);
  char *libc = scale__cli_path_join(b->sysroot, "lib/wasm32-wasi/libc.a");
  if (libc) sput_stat(&s, libc);
  free(libc);
  sput_str(&s, b->sysroot);
  sput_str(&s, b->http ? "http" : "raw");
  bool ok = true;
  for (size_t i = 0; ok && i < scale__cli_sdk_file_count; i++) {
    const scale__cli_file_t *f = &scale__cli_sdk_files[i];
    /* Headers too: a changed header changes the objects. */
    if (f->role != SCALE_CLI_SDK_HEADER && !want_sdk_file(b, f)) continue;
    char *path = scale__cli_path_join(b->sdk, f->path);
    uint8_t *data = NULL;
    size_t len = 0;
    ok = path && scale__cli_read_file(path, 16u << 20, &data, &len);
    sput_str(&s, f->path);
    sput(&s, data, len);
    free(data);
    free(path);
  }
  ok = ok && !s.oom;
  if (ok) scale__registry_digest(s.data, s.len, key);
  free(s.data);
  return ok;
}

/* The digests file for objects 0.o .. count-1.o in @p dir. */
static bool write_digests(const char *dir, size_t count) {
  sbuf_t s = {0};
  for (size_t i = 0; i < count; i++) {
    char name[32];
    snprintf(name, sizeof name, "%zu.o", i);
    char *path = scale__cli_path_join(dir, name);
    uint8_t *data = NULL;
    size_t len = 0;
    char digest[SCALE_STORE_DIGEST_SIZE];
    bool ok = path && scale__cli_read_file(path, 64u << 20, &data, &len);
    free(path);
    if (!ok) {
      free(s.data);
      return false;
    }
    scale__registry_digest(data, len, digest);
    free(data);
    char line[128];
    int n = snprintf(line, sizeof line, "%s %s\n", name, digest);
    sput(&s, line, (size_t)n);
  }
  char *path = scale__cli_path_join(dir, "objects");
  bool ok = !s.oom && path && scale__cli_write_file(path, s.data, s.len);
  free(path);
  free(s.data);
  return ok;
}

/* True when @p dir holds @p count objects matching its digests file. Quiet. */
static bool cache_valid(const char *dir, size_t count) {
  char *path = scale__cli_path_join(dir, "objects");
  FILE *f = path ? fopen(path, "r") : NULL;
  free(path);
  if (!f) return false;
  bool ok = true;
  size_t i = 0;
  char line[256];
  while (ok && fgets(line, sizeof line, f)) {
    char name[32], want[SCALE_STORE_DIGEST_SIZE], expect[32];
    snprintf(expect, sizeof expect, "%zu.o", i);
    if (sscanf(line, "%31s %71s", name, want) != 2 || strcmp(name, expect) != 0) {
      ok = false;
      break;
    }
    char *obj = scale__cli_path_join(dir, name);
    int fd = obj ? open(obj, O_RDONLY | O_CLOEXEC) : -1;
    uint8_t *data = NULL;
    size_t len = 0;
    if (fd >= 0) {
      close(fd);
      /* scale__cli_read_file prints on failure; the open above keeps a miss quiet. */
      ok = scale__cli_read_file(obj, 64u << 20, &data, &len);
    } else {
      ok = false;
    }
    char got[SCALE_STORE_DIGEST_SIZE];
    if (ok) {
      scale__registry_digest(data, len, got);
      ok = strcmp(got, want) == 0;
    }
    free(data);
    free(obj);
    i++;
  }
  fclose(f);
  return ok && i == count;
}

static bool add_objects(build_t *b, const char *dir, size_t count) {
  for (size_t i = 0; i < count; i++) {
    char name[32];
    snprintf(name, sizeof name, "%zu.o", i);
    char *path = scale__cli_path_join(dir, name);
    if (path) scale__cli_args_add(&b->objects, path);
    free(path);
    if (!path || b->objects.oom) return scale__cli_report(scale_error_new("out of memory"));
  }
  return true;
}

bool scale__cli_sdk_compile(build_t *b) {
  size_t count = 0;
  for (size_t i = 0; i < scale__cli_sdk_file_count; i++)
    count += want_sdk_file(b, &scale__cli_sdk_files[i]);
  char key[SCALE_STORE_DIGEST_SIZE];
  char *home = NULL, *cache = NULL;
  if (b->cache && sdk_key(b, key)) {
    scale_error_t *e = scale__registry_home(true, &home);
    scale_error_delete(e);
    if (home) {
      size_t cap = strlen(home) + 96;
      cache = malloc(cap);
      if (cache) snprintf(cache, cap, "%s/cache/sdk/%.32s", home, key + 7);
    }
  }
  if (cache && cache_valid(cache, count)) {
    printf("using the compiled C SDK from the cache (%zu files)\n", count);
    bool ok = add_objects(b, cache, count);
    free(cache);
    free(home);
    return ok;
  }
  printf("compiling the C SDK (%zu files)\n", count);
  char *dir = scale__cli_path_join(b->work, "sdk-obj");
  bool ok = dir && scale__cli_report(scale__registry_mkdirs(dir, 0700));
  size_t n = 0;
  for (size_t i = 0; ok && i < scale__cli_sdk_file_count; i++) {
    const scale__cli_file_t *f = &scale__cli_sdk_files[i];
    if (!want_sdk_file(b, f)) continue;
    char name[32];
    snprintf(name, sizeof name, "%zu.o", n++);
    char *src = scale__cli_path_join(b->sdk, f->path), *out = scale__cli_path_join(dir, name);
    ok = src && out && scale__cli_compile_to(b, src, out, true, NULL);
    free(src);
    free(out);
  }
  if (ok && cache && write_digests(dir, count)) {
    /* Publish: a directory rename is atomic; losing a race to another build is fine. */
    char *parent = scale__cli_path_join(home, "cache/sdk");
    scale_error_t *e = parent ? scale__registry_mkdirs(parent, 0700) : NULL;
    bool published = parent && !e && rename(dir, cache) == 0;
    if (parent && !e && !published && !cache_valid(cache, count)) {
      /* A damaged entry (or a half-removed one): replace it with ours. */
      scale__cli_remove_tree(cache);
      published = rename(dir, cache) == 0;
    }
    scale_error_delete(e);
    if (published) {
      free(dir);
      dir = cache;
      cache = NULL;
    }
    free(parent);
  }
  ok = ok && add_objects(b, dir, count);
  free(dir);
  free(cache);
  free(home);
  return ok;
}
