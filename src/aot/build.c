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
#include <openssl/evp.h>
#include <pthread.h>
#include <spawn.h>
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
#define GLUE_VERSION "glue-5"
#define MAX_OBJECT_BYTES (1u << 30)

void scale__sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
  out[64] = 0;
}

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

static pthread_once_t ident_once = PTHREAD_ONCE_INIT;
static char cc_ident[256], w2c_ident[256];
static void read_identities(void) {
  tool_identity(cc_path(), cc_ident, sizeof cc_ident);
  tool_identity(wasm2c_path(), w2c_ident, sizeof w2c_ident);
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

/*
 * wasm2c 1.0.32's output needs two corrections, applied as exact text
 * replacements (a missing anchor fails the build rather than producing
 * subtly different code):
 *  - its CALL_INDIRECT is renamed out of the way: the glue defines Scale's,
 *    with the spec's three distinct traps and a path for non-AOT entries;
 *  - table helpers trap with TRAP(OOB), which would read "out of bounds
 *    memory access"; tables get their own wording.
 */
static char *patch_generated(const char *src, size_t len, size_t *out_len, const char **why) {
  static const char call_def[] = "#define CALL_INDIRECT(table, t, ft, x, ...)";
  static const char tables_from[] = "static inline void funcref_table_init(";
  static const char tables_to[] = "DEFINE_TABLE_FILL(externref)";
  const char *c = strstr(src, call_def);
  const char *t0 = strstr(src, tables_from);
  const char *t1 = t0 ? strstr(t0, tables_to) : NULL;
  if (!c || !t0 || !t1) {
    *why = "wasm2c output has an unexpected shape (Scale supports wabt 1.0.32)";
    return NULL;
  }
  char *out = malloc(len * 2 + 64);
  if (!out) {
    *why = "out of memory";
    return NULL;
  }
  size_t o = 0;
  const char *p = src;
  /* up to the CALL_INDIRECT definition, then the renamed one */
  memcpy(out, p, (size_t)(c - p));
  o += (size_t)(c - p);
  o += (size_t)sprintf(out + o, "#define CALL_INDIRECT_WABT(table, t, ft, x, ...)");
  p = c + sizeof call_def - 1;
  /* up to the table helpers unchanged, then within them TRAP(OOB) -> TRAP(TABLE_OOB) */
  memcpy(out + o, p, (size_t)(t0 - p));
  o += (size_t)(t0 - p);
  p = t0;
  static const char oob[] = "TRAP(OOB)";
  while (p < t1) {
    const char *hit = strstr(p, oob);
    if (!hit || hit >= t1) break;
    memcpy(out + o, p, (size_t)(hit - p));
    o += (size_t)(hit - p);
    o += (size_t)sprintf(out + o, "TRAP(TABLE_OOB)");
    p = hit + sizeof oob - 1;
  }
  size_t rest = len - (size_t)(p - src);
  memcpy(out + o, p, rest);
  o += rest;
  out[o] = 0;
  *out_len = o;
  return out;
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

static const char *const BUILD_FILES[] = {"m.wasm", "m.c", "m.h", "glue.c", "wasm-rt.h",
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
  snprintf(olevel, sizeof olevel, "-O%d", opts->opt_level < 0 || opts->opt_level > 3 ? 2 : opts->opt_level);
  snprintf(inc, sizeof inc, "-I%s", tmp);
  char *cc_argv[] = {(char *)cc_path(), olevel, "-fPIC", "-shared", "-fvisibility=hidden",
                     "-w", "-DNDEBUG", inc, glue_c, "-o", so_tmp, "-lm",
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
  /* SCALE_AOT_KEEP=1 keeps a failed build's files for inspection. */
  const char *keep = getenv("SCALE_AOT_KEEP");
  if (err && keep && *keep == '1')
    fprintf(stderr, "scale: AOT build files kept in %s\n", tmp);
  else
    remove_tree(tmp, BUILD_FILES);
  return err;
}

/* Compute the key and make sure a verified object for it is in the cache. */
scale_error_t *scale__aot_fetch(const wasm_module_t *m, const scale__aot_opts_t *opts, char *so,
                                size_t so_cap, char key[65], bool *hit) {
  pthread_once(&ident_once, read_identities);
  if (!w2c_ident[0]) return scale__error_new(-1, "AOT: wasm2c not found (install wabt or set SCALE_WASM2C)");
  if (!cc_ident[0]) return scale__error_new(-1, "AOT: C compiler '%s' not found", cc_path());
  scale__prepare_opts_t po = {opts->checks, !opts->fuel};
  uint8_t *prepared = NULL;
  size_t plen = 0;
  char perr[256];
  if (!scale__aot_prepare(m, m->bytes, m->len, &po, &prepared, &plen, perr, sizeof perr))
    return scale__error_new(-1, "AOT: preparing the module failed: %s", perr);
  /* Key: everything that shapes the object. */
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char dg[32];
  unsigned int dn = 0;
  char head[1024];
  int hn = snprintf(head, sizeof head, "scale-aot|abi %d|%s|O%d|checks %d|fuel %d|cc %s|wasm2c %s|",
                    SCALE_AOT_ABI, GLUE_VERSION, opts->opt_level, opts->checks, opts->fuel,
                    cc_ident, w2c_ident);
  if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL) ||
      !EVP_DigestUpdate(md, head, (size_t)hn) ||
      !EVP_DigestUpdate(md, scale__aot_wasm_rt_h, scale__aot_wasm_rt_h_len) ||
      !EVP_DigestUpdate(md, scale__aot_abi_h, scale__aot_abi_h_len) ||
      !EVP_DigestUpdate(md, prepared, plen) || !EVP_DigestFinal_ex(md, dg, &dn)) {
    EVP_MD_CTX_free(md);
    free(prepared);
    return scale__error_new(-1, "AOT: hashing failed");
  }
  EVP_MD_CTX_free(md);
  for (int i = 0; i < 32; i++) snprintf(key + 2 * i, 3, "%02x", dg[i]);
  char dir[512], sum[600];
  scale_error_t *err = scale__aot_cache_dir(dir, sizeof dir);
  if (!err) {
    snprintf(so, so_cap, "%s/%s.so", dir, key);
    snprintf(sum, sizeof sum, "%s/%s.sha256", dir, key);
    *hit = entry_valid(so, sum);
    if (!*hit) err = build(m, prepared, plen, opts, key, dir, so, sum);
  }
  free(prepared);
  return err;
}

