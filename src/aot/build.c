/*
 * Building AOT objects: prepared module -> wasm2c -> C compiler -> shared
 * object, kept in a per-user cache keyed by SHA-256 over everything that
 * shapes the object (prepared bytes, build options, the embedded headers,
 * the glue's ABI, the identities of wasm2c and the C compiler). An entry is
 * the object plus its own SHA-256 in a side file; it is re-hashed before use
 * and rebuilt when missing, stale or altered. Builds happen in a private
 * temporary directory and land with rename(), so concurrent builders (threads
 * or processes) never see a half-written object.
 */
#include <errno.h>
#include <fcntl.h>
/* The one-shot SHA-256 functions, deprecated in OpenSSL 3 in favour of EVP:
 * EVP's first digest loads the configuration and providers, about 5 million
 * instructions, as much as a cached AOT start-up costs otherwise. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aot/aot.h"
#include "aot/prepare.h"

extern char **environ;
extern const unsigned char scale__aot_wasm_rt_h[];
extern const size_t scale__aot_wasm_rt_h_len;
extern const unsigned char scale__aot_abi_h[];
extern const size_t scale__aot_abi_h_len;

/* Bump when the glue generator or the patches below change. */
#define GLUE_VERSION "glue-7"
#define MAX_OBJECT_BYTES (1u << 30)

/* ---- files ---------------------------------------------------------- */

static bool write_file(const char *path, const void *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return false;
    }
    p += n;
    len -= (size_t)n;
  }
  return close(fd) == 0;
}

/* Whole file into a malloc'd buffer (NUL-terminated); NULL if unreadable or over `max`. */
static char *read_file(const char *path, size_t max, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
    close(fd);
    return NULL;
  }
  size_t n = (size_t)st.st_size, got = 0;
  char *buf = malloc(n + 1);
  while (buf && got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != n) {
    free(buf);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

static void remove_tree(const char *dir, const char *const *names) {
  char p[1024];
  for (const char *const *n = names; *n; n++) {
    snprintf(p, sizeof p, "%s/%s", dir, *n);
    unlink(p);
  }
  rmdir(dir);
}

/* ---- tools ---------------------------------------------------------- */

static const char *cc_path(void) {
  const char *cc = getenv("SCALE_CC");
  return cc && *cc ? cc : "cc";
}
static const char *wasm2c_path(void) {
  const char *w = getenv("SCALE_WASM2C");
  return w && *w ? w : "wasm2c";
}

/*
 * Run argv with stdout and stderr appended to `log`. Returns the exit
 * status, or -1 if the program could not be started (not installed).
 */
static int run(char *const argv[], const char *log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
  return 128;
}

/* First line a command prints for --version, or "" if it cannot run. */
static void tool_identity(const char *tool, char *out, size_t cap) {
  out[0] = 0;
  char log[] = "/tmp/scale-version-XXXXXX";
  int fd = mkstemp(log);
  if (fd < 0) return;
  close(fd);
  char *argv[] = {(char *)tool, "--version", NULL};
  if (run(argv, log) == 0) {
    size_t n;
    char *text = read_file(log, 1 << 16, &n);
    if (text) {
      size_t k = strcspn(text, "\n");
      if (k >= cap) k = cap - 1;
      memcpy(out, text, k);
      out[k] = 0;
      free(text);
    }
  }
  unlink(log);
}

/*
 * Where `tool` resolves (on PATH unless it names a path, as posix_spawnp
 * does) and its status after following links. False if nothing executable.
 */
static bool resolve_tool(const char *tool, char *out, size_t cap, struct stat *st) {
  if (strchr(tool, '/')) {
    snprintf(out, cap, "%s", tool);
    return stat(out, st) == 0 && S_ISREG(st->st_mode) && access(out, X_OK) == 0;
  }
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;; p++) {
    size_t n = strcspn(p, ":");
    int k = snprintf(out, cap, "%.*s%s%s", (int)n, p, n ? "/" : "", tool);
    if (k > 0 && (size_t)k < cap && stat(out, st) == 0 && S_ISREG(st->st_mode) &&
        access(out, X_OK) == 0)
      return true;
    p += n;
    if (!*p) return false;
  }
}

/*
 * The identity of a tool for cache keys: the first line of its --version.
 * Asking costs a process start (milliseconds, as much as a small workload
 * runs), so the answer is remembered in the cache directory per resolved
 * binary: path, device, inode, size and modification and change times, so
 * a replaced or upgraded tool is asked again.
 */
static void tool_identity_cached(const char *dir, const char *tool, char *out, size_t cap) {
  out[0] = 0;
  char path[1024], memo[700], sig[1400];
  struct stat st;
  if (!resolve_tool(tool, path, sizeof path, &st)) return;
  int n = snprintf(sig, sizeof sig, "%s|%llu|%llu|%lld|%lld.%ld|%lld.%ld", path,
                   (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                   (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                   (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
  char h[65];
  scale__sha256_hex(sig, n > 0 ? (size_t)n : 0, h);
  snprintf(memo, sizeof memo, "%s/tool-%.32s", dir, h);
  size_t len;
  char *text = read_file(memo, cap - 1, &len);
  if (text && len > 0 && memchr(text, '\n', len) == NULL) {
    memcpy(out, text, len + 1);
    free(text);
    return;
  }
  free(text);
  tool_identity(path, out, cap);
  if (!out[0]) return;
  char tmp[720];
  snprintf(tmp, sizeof tmp, "%s.%ld", memo, (long)getpid());
  if (write_file(tmp, out, strlen(out)) && rename(tmp, memo) == 0) return;
  unlink(tmp);
}

static pthread_mutex_t ident_lock = PTHREAD_MUTEX_INITIALIZER;
static bool ident_done;
static char cc_ident[256], w2c_ident[256];
static void read_identities(const char *dir) {
  pthread_mutex_lock(&ident_lock);
  if (!ident_done) {
    tool_identity_cached(dir, cc_path(), cc_ident, sizeof cc_ident);
    tool_identity_cached(dir, wasm2c_path(), w2c_ident, sizeof w2c_ident);
    ident_done = true;
  }
  pthread_mutex_unlock(&ident_lock);
}

/* ---- cache ---------------------------------------------------------- */

static scale_error_t *ensure_dir(const char *path) {
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return scale__error_new(-1, "AOT cache: cannot create %s: %s", path, strerror(errno));
  struct stat st;
  if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return scale__error_new(-1, "AOT cache: %s is not a directory", path);
  if (st.st_uid != geteuid())
    return scale__error_new(-1, "AOT cache: %s is owned by another user", path);
  if (st.st_mode & 077) {
    if (chmod(path, 0700) != 0)
      return scale__error_new(-1, "AOT cache: %s is accessible to others and cannot be fixed",
                              path);
  }
  return NULL;
}

scale_error_t *scale__aot_cache_dir(char *out, size_t cap) {
  const char *env = getenv("SCALE_CACHE");
  int n;
  if (env && *env) {
    n = snprintf(out, cap, "%s", env);
  } else {
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg) {
      n = snprintf(out, cap, "%s/scale", xdg);
    } else if (home && *home) {
      char parent[512];
      snprintf(parent, sizeof parent, "%s/.cache", home);
      if (mkdir(parent, 0700) != 0 && errno != EEXIST)
        return scale__error_new(-1, "AOT cache: cannot create %s: %s", parent, strerror(errno));
      n = snprintf(out, cap, "%s/.cache/scale", home);
    } else {
      return scale__error_new(-1, "AOT cache: set SCALE_CACHE or HOME");
    }
  }
  if (n < 0 || (size_t)n >= cap - 80) return scale__error_new(-1, "AOT cache: path too long");
  return ensure_dir(out);
}

/* True when `so` exists and hashes to what `sum` records. */
static bool entry_valid(const char *so, const char *sum) {
  size_t n, m;
  char *want = read_file(sum, 128, &m);
  if (!want) return false;
  char *bytes = read_file(so, MAX_OBJECT_BYTES, &n);
  bool ok = false;
  if (bytes && m >= 64) {
    char got[65];
    scale__sha256_hex(bytes, n, got);
    ok = memcmp(got, want, 64) == 0;
  }
  free(bytes);
  free(want);
  return ok;
}

/* ---- the build ------------------------------------------------------ */

/* ---- patching wasm2c's output ------------------------------------------ */

/*
 * wasm2c 1.0.32's output is corrected and tuned by exact text edits; a
 * missing anchor fails the build rather than producing subtly different
 * code (the wasm2c version is part of the cache key):
 *  - its CALL_INDIRECT is renamed out of the way: the glue defines Scale's,
 *    with the spec's three distinct traps and a path for non-AOT entries;
 *  - table helpers trap with TRAP(OOB), which would read "out of bounds
 *    memory access"; tables get their own wording;
 *  - FUNC_PROLOGUE becomes the glue's SC_FUNC_PROLOGUE, which loads each
 *    memory's base address and the stop flag's address into locals
 *    (sc_b<i>, sc_stop) and checks the stack limit;
 *  - loads and stores take the base address instead of the memory object,
 *    and every call site passes the local. Memories never move (see
 *    src/runtime/memory.c), and a local whose address is never taken
 *    cannot be changed by the guest's stores, so the compiler keeps the
 *    base in a register instead of reloading instance -> memory -> data
 *    after every store or call;
 *  - the forced read that keeps a load whose value is unused (its fault is
 *    the bounds check) goes through SC_FORCE_READ, which keeps floats in
 *    vector registers instead of moving them to integer ones;
 *  - reads of the stop and fuel globals go through the locals, and a
 *    stop-only check becomes SC_CHECK_STOP() (see fuse_stop_checks).
 */
typedef struct text {
  char *p;
  size_t len;
} text_t;

/* Whether the occurrence of a pattern at @p q in @p t is one to rewrite. */
typedef bool (*accept_fn)(const text_t *t, const char *q);

/*
 * Rewrite every accepted occurrence of `from` that lies wholly in [lo, hi)
 * to `to`, in place of t->p. One copy of the text, sized for the matches.
 */
static bool rewrite_matches(text_t *t, const char *lo, const char *hi, const char *from,
                            const char *to, accept_fn accept, const char **why) {
  size_t flen = strlen(from), tlen = strlen(to), n = 0;
  for (const char *q = strstr(lo, from); q && q + flen <= hi; q = strstr(q + flen, from))
    if (!accept || accept(t, q)) n++;
  if (n == 0) return true;
  char *out = malloc(t->len + n * (tlen > flen ? tlen - flen : 0) + 1);
  if (!out) {
    *why = "out of memory";
    return false;
  }
  size_t o = 0;
  const char *p = t->p;
  for (const char *q = strstr(lo, from); q && q + flen <= hi; q = strstr(q + flen, from)) {
    if (accept && !accept(t, q)) continue;
    memcpy(out + o, p, (size_t)(q - p));
    o += (size_t)(q - p);
    memcpy(out + o, to, tlen);
    o += tlen;
    p = q + flen;
  }
  size_t rest = t->len - (size_t)(p - t->p);
  memcpy(out + o, p, rest);
  o += rest;
  out[o] = 0;
  free(t->p);
  t->p = out;
  t->len = o;
  return true;
}

/* Replace occurrences of `from` in t->p[lo, hi) (hi = 0: to the end) by `to`;
 * at least `min` of them, at most `max`. False (with *why) otherwise. */
static bool replace(text_t *t, const char *lo_anchor, const char *hi_anchor, const char *from,
                    const char *to, size_t min, size_t max, const char **why) {
  const char *lo = lo_anchor ? strstr(t->p, lo_anchor) : t->p;
  const char *hi = lo && hi_anchor ? strstr(lo, hi_anchor) : lo ? t->p + t->len : NULL;
  if (!lo || !hi) {
    *why = "wasm2c output has an unexpected shape (Scale supports wabt 1.0.32)";
    return false;
  }
  size_t flen = strlen(from), n = 0;
  for (const char *q = strstr(lo, from); q && q + flen <= hi && n <= max;
       q = strstr(q + flen, from))
    n++;
  if (n < min || n > max) {
    *why = "wasm2c output has an unexpected shape (Scale supports wabt 1.0.32)";
    return false;
  }
  return rewrite_matches(t, lo, hi, from, to, NULL, why);
}

static bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* True when the text before @p q is a typed load or store helper's name ("i32_load8_u"). */
static bool after_memory_access(const text_t *t, const char *q) {
  const char *id = q;
  while (id > t->p && ident_char(id[-1]))
    id--;
  size_t idlen = (size_t)(q - id);
  bool typed = idlen > 4 && (memcmp(id, "i32_", 4) == 0 || memcmp(id, "i64_", 4) == 0 ||
                             memcmp(id, "f32_", 4) == 0 || memcmp(id, "f64_", 4) == 0);
  return typed && (memcmp(id + 4, "load", 4) == 0 || memcmp(id + 4, "store", 5) == 0);
}

/* "(instance->Z_sZ_m" right after a load or store helper's name becomes "(sc_b". */
static bool localize_memory_args(text_t *t, const char **why) {
  return rewrite_matches(t, t->p, t->p + t->len, "(instance->Z_sZ_m", "(sc_b", after_memory_access,
                         why);
}

/*
 * wasm2c renders a stop-only check (global.get stop; if; unreachable; end)
 * as four lines:
 *     w2c_i<N> = SC_STOP();
 *     if (w2c_i<N>) {
 *       UNREACHABLE;
 *     }
 * Each becomes SC_CHECK_STOP(); (src/aot/rt/wasm-rt.h), which behaves the
 * same with less code. Text of any other shape is left as it is: the plain
 * form is correct, only slower.
 */
static size_t skip_spaces(const char *p) {
  size_t n = 0;
  while (p[n] == ' ' || p[n] == '\n')
    n++;
  return n;
}

static size_t skip_digits(const char *p) {
  size_t n = 0;
  while (p[n] >= '0' && p[n] <= '9')
    n++;
  return n;
}

/* Length of the check rendering that starts at @p q ("w2c_i<N> = SC_STOP();..."), or 0. */
static size_t stop_check_len(const char *q) {
  static const char var[] = "w2c_i", call[] = " = SC_STOP();", cond[] = "if (w2c_i", body[] = ") {",
                    trap[] = "UNREACHABLE;";
  const char *p = q;
  if (strncmp(p, var, sizeof var - 1) != 0) return 0;
  p += sizeof var - 1;
  size_t nd = skip_digits(p);
  const char *digits = p;
  if (nd == 0) return 0;
  p += nd;
  if (strncmp(p, call, sizeof call - 1) != 0) return 0;
  p += sizeof call - 1;
  p += skip_spaces(p);
  if (strncmp(p, cond, sizeof cond - 1) != 0) return 0;
  p += sizeof cond - 1;
  if (skip_digits(p) != nd || strncmp(p, digits, nd) != 0) return 0;
  p += nd;
  if (strncmp(p, body, sizeof body - 1) != 0) return 0;
  p += sizeof body - 1;
  p += skip_spaces(p);
  if (strncmp(p, trap, sizeof trap - 1) != 0) return 0;
  p += sizeof trap - 1;
  p += skip_spaces(p);
  if (*p != '}') return 0;
  return (size_t)(p + 1 - q);
}

static bool fuse_stop_checks(text_t *t, const char **why) {
  static const char to[] = "SC_CHECK_STOP();";
  char *out = malloc(t->len + 1); /* each rewrite is shorter than what it replaces */
  if (!out) {
    *why = "out of memory";
    return false;
  }
  size_t o = 0;
  const char *p = t->p, *end = t->p + t->len;
  for (const char *q = strstr(p, "w2c_i"); q; q = strstr(q, "w2c_i")) {
    size_t n = stop_check_len(q);
    if (n == 0) {
      q += 5;
      continue;
    }
    memcpy(out + o, p, (size_t)(q - p));
    o += (size_t)(q - p);
    memcpy(out + o, to, sizeof to - 1);
    o += sizeof to - 1;
    p = q + n;
    q = p;
  }
  memcpy(out + o, p, (size_t)(end - p));
  o += (size_t)(end - p);
  out[o] = 0;
  free(t->p);
  t->p = out;
  t->len = o;
  return true;
}

static char *patch_generated(const char *src, size_t len, size_t *out_len, const char **why) {
  static const char prologue[] =
      "#define FUNC_PROLOGUE                                            \\\n"
      "  if (++wasm_rt_call_stack_depth > WASM_RT_MAX_CALL_STACK_DEPTH) \\\n"
      "    TRAP(EXHAUSTION);\n";
  /* The little-endian load/store helpers follow this line. */
  static const char little[] = "#else\nstatic inline void load_data(";
  static const char little_end[] = "DEFINE_LOAD(i32_load,";
  text_t t = {malloc(len + 1), len};
  if (!t.p) {
    *why = "out of memory";
    return NULL;
  }
  memcpy(t.p, src, len);
  t.p[len] = 0;
  bool ok =
      replace(&t, NULL, NULL, "#define CALL_INDIRECT(table, t, ft, x, ...)",
              "#define CALL_INDIRECT_WABT(table, t, ft, x, ...)", 1, 1, why) &&
      replace(&t, "static inline void funcref_table_init(", "DEFINE_TABLE_FILL(externref)",
              "TRAP(OOB)", "TRAP(TABLE_OOB)", 1, SIZE_MAX, why) &&
      replace(&t, NULL, NULL, prologue, "#define FUNC_PROLOGUE SC_FUNC_PROLOGUE\n", 1, 1, why) &&
      replace(&t, little, little_end, "name(wasm_rt_memory_t* mem, u64 addr",
              "name(u8* mem, u64 addr", 2, 2, why) &&
      replace(&t, little, little_end, "&mem->data[addr]", "&mem[addr]", 2, 2, why) &&
      replace(&t, little, little_end, "wasm_asm(\"\" ::\"r\"(result));", "SC_FORCE_READ(result);",
              1, 1, why) &&
      localize_memory_args(&t, why) &&
      replace(&t, NULL, NULL, "(*instance->Z_sZ_stop)", "SC_STOP()", 0, SIZE_MAX, why) &&
      fuse_stop_checks(&t, why) &&
      replace(&t, NULL, NULL, "(*instance->Z_sZ_fuel)", "(*sc_fuel)", 0, SIZE_MAX, why);
  if (!ok) {
    free(t.p);
    return NULL;
  }
  *out_len = t.len;
  return t.p;
}

/* The last few lines of a build log, for error messages. */
static void log_tail(const char *log, char *out, size_t cap) {
  out[0] = 0;
  size_t n;
  char *text = read_file(log, 1 << 24, &n);
  if (!text) return;
  size_t start = n > cap - 1 ? n - (cap - 1) : 0;
  snprintf(out, cap, "%s", text + start);
  free(text);
}

static const char *const BUILD_FILES[] = {"m.wasm",      "m.c",  "m.h", "glue.c", "wasm-rt.h",
                                          "scale-aot.h", "m.so", "log", NULL};

static scale_error_t *build(const wasm_module_t *m, const uint8_t *prepared, size_t plen,
                            const scale__aot_opts_t *opts, const char *key, const char *dir,
                            const char *so, const char *sum) {
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s/build-XXXXXX", dir);
  if (!mkdtemp(tmp)) return scale__error_new(-1, "AOT: cannot create a build directory in %s", dir);
  char path[700], log[700], out_c[700], glue_c[700], so_tmp[700];
  snprintf(log, sizeof log, "%s/log", tmp);
  snprintf(path, sizeof path, "%s/m.wasm", tmp);
  snprintf(out_c, sizeof out_c, "%s/m.c", tmp);
  snprintf(glue_c, sizeof glue_c, "%s/glue.c", tmp);
  snprintf(so_tmp, sizeof so_tmp, "%s/m.so", tmp);
  scale_error_t *err = NULL;
  char tail[1200];
  size_t glen = 0, clen = 0, plen2 = 0;
  char *glue = NULL, *gen = NULL, *patched = NULL;
  const char *why = NULL;
  if (!write_file(path, prepared, plen)) {
    err = scale__error_new(-1, "AOT: cannot write %s", path);
    goto done;
  }
  char *w2c_argv[] = {(char *)wasm2c_path(), path, "-n", "m", "-o", out_c, NULL};
  int rc = run(w2c_argv, log);
  if (rc != 0) {
    log_tail(log, tail, sizeof tail);
    err = rc < 0 ? scale__error_new(-1, "AOT: wasm2c not found (install wabt or set SCALE_WASM2C)")
                 : scale__error_new(-1, "AOT: wasm2c failed: %s", tail);
    goto done;
  }
  gen = read_file(out_c, MAX_OBJECT_BYTES, &clen);
  patched = gen ? patch_generated(gen, clen, &plen2, &why) : NULL;
  if (!patched) {
    err = scale__error_new(-1, "AOT: %s", why ? why : "cannot read wasm2c output");
    goto done;
  }
  glue = scale__aot_glue(m, key, "m.c", &glen);
  char hdr[700], abi[700];
  snprintf(hdr, sizeof hdr, "%s/wasm-rt.h", tmp);
  snprintf(abi, sizeof abi, "%s/scale-aot.h", tmp);
  if (!glue || !write_file(out_c, patched, plen2) || !write_file(glue_c, glue, glen) ||
      !write_file(hdr, scale__aot_wasm_rt_h, scale__aot_wasm_rt_h_len) ||
      !write_file(abi, scale__aot_abi_h, scale__aot_abi_h_len)) {
    err = scale__error_new(-1, "AOT: cannot write the build files in %s", tmp);
    goto done;
  }
  char olevel[8], inc[620];
  snprintf(olevel, sizeof olevel, "-O%d",
           opts->opt_level < 0 || opts->opt_level > 3 ? 2 : opts->opt_level);
  snprintf(inc, sizeof inc, "-I%s", tmp);
  char *cc_argv[] = {(char *)cc_path(),
                     olevel,
                     "-fPIC",
                     "-shared",
                     "-fvisibility=hidden",
                     "-w",
                     "-DNDEBUG",
                     inc,
                     glue_c,
                     "-o",
                     so_tmp,
                     "-lm",
                     NULL};
  rc = run(cc_argv, log);
  if (rc != 0) {
    log_tail(log, tail, sizeof tail);
    err = rc < 0 ? scale__error_new(-1, "AOT: C compiler '%s' not found", cc_path())
                 : scale__error_new(-1, "AOT: C compiler failed: %s", tail);
    goto done;
  }
  size_t sn;
  char *sobytes = read_file(so_tmp, MAX_OBJECT_BYTES, &sn);
  if (!sobytes) {
    err = scale__error_new(-1, "AOT: compiled object missing");
    goto done;
  }
  char digest[65], sum_tmp[700];
  scale__sha256_hex(sobytes, sn, digest);
  free(sobytes);
  snprintf(sum_tmp, sizeof sum_tmp, "%s/log", tmp); /* reuse: the log is no longer needed */
  if (!write_file(sum_tmp, digest, 64) || rename(so_tmp, so) != 0 || rename(sum_tmp, sum) != 0)
    err = scale__error_new(-1, "AOT: cannot store the object in %s: %s", dir, strerror(errno));
done:
  free(glue);
  free(gen);
  free(patched);
  /* SCALE_AOT_KEEP=1 keeps the build files (generated C, glue, log) for inspection. */
  const char *keep = getenv("SCALE_AOT_KEEP");
  if (keep && *keep == '1')
    fprintf(stderr, "scale: AOT build files kept in %s\n", tmp);
  else
    remove_tree(tmp, BUILD_FILES);
  return err;
}

/* Compute the key and make sure a verified object for it is in the cache. */
scale_error_t *scale__aot_fetch(const wasm_module_t *m, const scale__aot_opts_t *opts, char *so,
                                size_t so_cap, char key[65], bool *hit) {
  char dir[512], sum[600];
  scale_error_t *err = scale__aot_cache_dir(dir, sizeof dir);
  if (err) return err;
  read_identities(dir);
  if (!w2c_ident[0])
    return scale__error_new(-1, "AOT: wasm2c not found (install wabt or set SCALE_WASM2C)");
  if (!cc_ident[0]) return scale__error_new(-1, "AOT: C compiler '%s' not found", cc_path());
  scale__prepare_opts_t po = {opts->checks, !opts->fuel};
  uint8_t *prepared = NULL;
  size_t plen = 0;
  char perr[256];
  if (!scale__aot_prepare(m, m->bytes, m->len, &po, &prepared, &plen, perr, sizeof perr))
    return scale__error_new(-1, "AOT: preparing the module failed: %s", perr);
  /* Key: everything that shapes the object. */
  SHA256_CTX md;
  unsigned char dg[SHA256_DIGEST_LENGTH];
  char head[1024];
  int hn = snprintf(head, sizeof head, "scale-aot|abi %d|%s|O%d|checks %d|fuel %d|cc %s|wasm2c %s|",
                    SCALE_AOT_ABI, GLUE_VERSION, opts->opt_level, opts->checks, opts->fuel,
                    cc_ident, w2c_ident);
  if (!SHA256_Init(&md) || !SHA256_Update(&md, head, (size_t)hn) ||
      !SHA256_Update(&md, scale__aot_wasm_rt_h, scale__aot_wasm_rt_h_len) ||
      !SHA256_Update(&md, scale__aot_abi_h, scale__aot_abi_h_len) ||
      !SHA256_Update(&md, prepared, plen) || !SHA256_Final(dg, &md)) {
    free(prepared);
    return scale__error_new(-1, "AOT: hashing failed");
  }
  for (int i = 0; i < 32; i++)
    snprintf(key + 2 * i, 3, "%02x", dg[i]);
  snprintf(so, so_cap, "%s/%s.so", dir, key);
  snprintf(sum, sizeof sum, "%s/%s.sha256", dir, key);
  *hit = entry_valid(so, sum);
  if (!*hit) err = build(m, prepared, plen, opts, key, dir, so, sum);
  free(prepared);
  return err;
}
