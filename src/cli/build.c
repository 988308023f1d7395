/*
 * `scale build [DIR]`: compile a C function project (a `scalefile` and
 * *.c files) with clang for wasm32-wasi together with the C guest SDK,
 * check the module, wrap it into a v1beta `.scale` file and store it in
 * the local store as local/NAME:TAG.
 *
 * The SDK comes from the scale binary itself (embedded at build time,
 * written into a fresh build directory under $SCALE_HOME/builds), so a
 * scale fresh from `make` builds functions without any installation;
 * SCALE_SDK_DIR=<source tree> uses the SDK files there instead (sdk.c). The
 * compiler's own diagnostics reach the terminal unchanged; this file only
 * says which step failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli/build.h"
#include "cli/templates/embedded.h"
#include "registry/project.h"
#include "registry/store.h"
#include "scale/scalefile.h"
#include "scale/signature.h"

extern char **environ;

void scale__cli_build_help(FILE *out) {
  fprintf(out, "usage: scale build [DIR] [--tag TAG] [--no-cache] [--keep] [-v]\n"
               "\n"
               "Compile the function project in DIR (default .) and store it in the local\n"
               "store as local/NAME:TAG (NAME and TAG from DIR/scalefile). Every *.c file in\n"
               "DIR is compiled with clang for wasm32-wasi (-O2) with the C guest SDK, then\n"
               "the module is validated and packaged as a v1beta .scale file.\n"
               "\n"
               "options:\n"
               "  -t, --tag TAG     store under TAG instead of the scalefile's tag\n"
               "      --no-cache    compile the C SDK afresh (neither read nor fill the cache\n"
               "                    in $SCALE_HOME/cache/sdk)\n"
               "      --keep        keep the build directory (its path is printed)\n"
               "  -v, --verbose     print the compiler command lines\n"
               "\n"
               "environment:\n"
               "  SCALE_HOME          the store's home (default ~/.config/scale)\n"
               "  SCALE_CLANG         the compiler (default clang-14, then clang, on PATH)\n"
               "  SCALE_WASI_SYSROOT  the wasi-libc sysroot (default /usr)\n"
               "  SCALE_SDK_DIR       a scale source tree whose sdk/c to use instead of the\n"
               "                      copy embedded in this binary\n");
}

/* ---- small helpers --------------------------------------------------- */

char *scale__cli_path_join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", a, b);
  return p;
}

bool scale__cli_report(scale_error_t *e) {
  if (!e) return true;
  scale__cli_error("%s", scale_error_message(e));
  scale_error_delete(e);
  return false;
}

static bool is_executable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* @p name itself when it has a '/', else its first match on PATH; malloc'd or NULL. */
static char *find_program(const char *name) {
  if (strchr(name, '/')) return is_executable(name) ? strdup(name) : NULL;
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    char dir[4096];
    if (n > 0 && n < sizeof dir - 256) {
      memcpy(dir, path, n);
      dir[n] = '\0';
      char *full = scale__cli_path_join(dir, name);
      if (full && is_executable(full)) return full;
      free(full);
    }
    path += n + (end ? 1 : 0);
  }
  return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

void scale__cli_remove_tree(const char *dir) {
  nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write @p len bytes to @p path, creating the parent directories. */
bool scale__cli_write_file(const char *path, const void *data, size_t len) {
  char *parent = strdup(path);
  if (!parent) {
    scale__cli_error("out of memory");
    return false;
  }
  char *slash = strrchr(parent, '/');
  if (slash) {
    *slash = '\0';
    if (!scale__cli_report(scale__registry_mkdirs(parent, 0755))) {
      free(parent);
      return false;
    }
  }
  free(parent);
  FILE *f = fopen(path, "wb");
  bool ok = f && fwrite(data, 1, len, f) == len;
  int err = errno;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) scale__cli_error("cannot write '%s': %s", path, scale__errno_text(err));
  return ok;
}

/* A growable argv for posix_spawn. */
void scale__cli_args_add(args_t *a, const char *s) {
  if (a->oom) return;
  if (a->n + 2 > a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 32;
    char **nv = realloc(a->v, cap * sizeof *nv);
    if (!nv) {
      a->oom = true;
      return;
    }
    a->v = nv;
    a->cap = cap;
  }
  a->v[a->n] = strdup(s);
  if (!a->v[a->n]) {
    a->oom = true;
    return;
  }
  a->v[++a->n] = NULL;
}

static void add2(args_t *a, const char *flag, const char *value) {
  char *s = malloc(strlen(flag) + strlen(value) + 1);
  if (!s) {
    a->oom = true;
    return;
  }
  strcpy(s, flag);
  strcat(s, value);
  scale__cli_args_add(a, s);
  free(s);
}

static void args_free(args_t *a) {
  for (size_t i = 0; i < a->n; i++)
    free(a->v[i]);
  free(a->v);
  memset(a, 0, sizeof *a);
}

/* Run @p a (stdio inherited); true when it exits with status 0. */
static bool run_tool(args_t *a, bool verbose, const char *what) {
  if (a->oom) {
    scale__cli_error("out of memory");
    return false;
  }
  if (verbose) {
    for (size_t i = 0; i < a->n; i++)
      printf("%s%s", i ? " " : "  ", a->v[i]);
    printf("\n");
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid;
  int err = posix_spawn(&pid, a->v[0], NULL, NULL, a->v, environ);
  if (err) {
    scale__cli_error("cannot run '%s': %s", a->v[0], scale__errno_text(err));
    return false;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      scale__cli_error("cannot wait for '%s': %s", a->v[0], scale__errno_text(errno));
      return false;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  if (WIFEXITED(status))
    scale__cli_error("%s failed (%s exited with status %d)", what, a->v[0], WEXITSTATUS(status));
  else
    scale__cli_error("%s failed (%s was killed by signal %d)", what, a->v[0],
                     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return false;
}

/* ---- the steps ------------------------------------------------------- */

static bool read_project(build_t *b) {
  char *path = scale__cli_path_join(b->dir, "scalefile");
  uint8_t *text = NULL;
  size_t len = 0;
  char err[1024];
  bool ok = path && scale__cli_read_file(path, SCALE_PROJECT_MAX_BYTES, &text, &len);
  if (ok && !scale__project_parse((const char *)text, len, path, &b->project, err, sizeof err)) {
    scale__cli_error("%s", err);
    ok = false;
  }
  free(text);
  free(path);
  return ok;
}

static bool check_language(const char *lang) {
  if (strcmp(lang, "c") == 0) return true;
  static const char *const later[] = {"go",         "golang",         "rust", "ts",
                                      "typescript", "assemblyscript", "js",   "javascript"};
  for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
    if (strcmp(lang, later[i]) == 0) {
      scale__cli_error("language '%s' is not supported yet by scale build (only c)", lang);
      return false;
    }
  scale__cli_error("unknown language '%s' in scalefile (want c)", lang);
  return false;
}

static bool resolve_signature(build_t *b) {
  const scale__project_t *p = &b->project;
  if (strcmp(p->signature_org, "scale") == 0 && strcmp(p->signature_name, "http") == 0) {
    b->http = true;
    return true;
  }
  char *path = scale__cli_path_join(b->dir, "scale.signature");
  if (!path) return scale__cli_report(scale_error_new("out of memory"));
  if (access(path, F_OK) != 0) {
    scale__cli_error("signature '%s/%s:%s' not found: this scale knows the built-in scale/http "
                     "and a local '%s'",
                     p->signature_org, p->signature_name, p->signature_tag, path);
    free(path);
    return false;
  }
  scale_error_t *e = scale_signature_load(path, &b->sig);
  if (e) scale__cli_error("invalid signature '%s': %s", path, scale_error_message(e));
  scale_error_delete(e);
  free(path);
  return b->sig != NULL;
}

static bool find_toolchain(build_t *b) {
  const char *cc = getenv("SCALE_CLANG");
  if (cc && *cc) {
    b->clang = find_program(cc);
    if (!b->clang) {
      scale__cli_error("SCALE_CLANG names '%s', which is not an executable", cc);
      return false;
    }
  } else if (!(b->clang = find_program("clang-14")) && !(b->clang = find_program("clang"))) {
    scale__cli_error("no C compiler: clang-14 or clang not found on PATH (install Debian's "
                     "clang and lld, or set SCALE_CLANG)");
    return false;
  }
  const char *root = getenv("SCALE_WASI_SYSROOT");
  b->sysroot = strdup(root && *root ? root : "/usr");
  char *libc = b->sysroot ? scale__cli_path_join(b->sysroot, "lib/wasm32-wasi/libc.a") : NULL;
  bool ok = libc && access(libc, R_OK) == 0;
  if (!ok)
    scale__cli_error("wasi-libc not found: no '%s' (install Debian's wasi-libc, or set "
                     "SCALE_WASI_SYSROOT)",
                     libc ? libc : "lib/wasm32-wasi/libc.a");
  free(libc);
  return ok;
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool list_sources(build_t *b) {
  DIR *d = opendir(b->dir);
  if (!d) {
    scale__cli_error("cannot open '%s': %s", b->dir, scale__errno_text(errno));
    return false;
  }
  struct dirent *de;
  bool ok = true;
  while (ok && (de = readdir(d)) != NULL) {
    size_t n = strlen(de->d_name);
    if (de->d_name[0] == '.' || n < 3 || strcmp(de->d_name + n - 2, ".c") != 0) continue;
    if (b->nsources == MAX_SOURCES) {
      scale__cli_error("too many .c files in '%s' (at most %d)", b->dir, MAX_SOURCES);
      ok = false;
    } else if (!(b->sources[b->nsources++] = strdup(de->d_name))) {
      ok = scale__cli_report(scale_error_new("out of memory"));
    }
  }
  closedir(d);
  if (ok && b->nsources == 0) {
    scale__cli_error("no .c files in '%s' to build", b->dir);
    ok = false;
  }
  qsort(b->sources, b->nsources, sizeof *b->sources, cmp_str);
  return ok;
}

static bool make_workdir(build_t *b) {
  char *home = NULL;
  if (!scale__cli_report(scale__registry_home(true, &home))) return false;
  char *builds = scale__cli_path_join(home, "builds");
  free(home);
  if (!builds || !scale__cli_report(scale__registry_mkdirs(builds, 0700))) {
    free(builds);
    return false;
  }
  b->work = scale__cli_path_join(builds, "XXXXXX");
  free(builds);
  if (!b->work || !mkdtemp(b->work)) {
    scale__cli_error("cannot create a build directory: %s", scale__errno_text(errno));
    free(b->work);
    b->work = NULL;
    return false;
  }
  char *obj = scale__cli_path_join(b->work, "obj");
  bool ok = obj && scale__cli_report(scale__registry_mkdirs(obj, 0700));
  free(obj);
  return ok;
}

static void base_flags(build_t *b, args_t *a) {
  scale__cli_args_add(a, b->clang);
  scale__cli_args_add(a, "--target=wasm32-wasi");
  add2(a, "--sysroot=", b->sysroot);
  scale__cli_args_add(a, "-O2");
  /* memcpy/memset become memory.copy/memory.fill (one host memmove) instead of calls into
   * wasi-libc's word-at-a-time loops: copying a 16 KiB body took 7 us that way. */
  scale__cli_args_add(a, "-mbulk-memory");
}

/* Compile @p src to @p out; @p label (the user's file name) is shown, SDK files are not. */
bool scale__cli_compile_to(build_t *b, const char *src, const char *out, bool sdk_internal,
                           const char *label) {
  args_t a = {0};
  base_flags(b, &a);
  scale__cli_args_add(&a, "-c");
  if (!sdk_internal) add2(&a, "-I", b->dir); /* user headers never shadow the SDK's */
  char *inc1 = scale__cli_path_join(b->sdk, "sdk/c/include"),
       *inc2 = scale__cli_path_join(b->sdk, "include");
  char *inc3 = scale__cli_path_join(b->sdk, "src");
  if (inc1 && inc2 && inc3) {
    add2(&a, "-I", inc1);
    add2(&a, "-I", inc2);
    if (sdk_internal) add2(&a, "-I", inc3);
  } else {
    a.oom = true;
  }
  free(inc1);
  free(inc2);
  free(inc3);
  scale__cli_args_add(&a, src);
  scale__cli_args_add(&a, "-o");
  scale__cli_args_add(&a, out);
  if (label) printf("compiling %s\n", label);
  char what[512];
  snprintf(what, sizeof what, "compiling '%s'", src);
  bool ok = run_tool(&a, b->verbose, what);
  args_free(&a);
  return ok;
}

/* A user source (or the generated entry glue) into work/obj, added to the link. */
static bool compile_one(build_t *b, const char *src, const char *label) {
  char obj[32];
  snprintf(obj, sizeof obj, "obj/%zu.o", b->objects.n);
  char *out = scale__cli_path_join(b->work, obj);
  bool ok = out && scale__cli_compile_to(b, src, out, false, label);
  if (ok) scale__cli_args_add(&b->objects, out);
  free(out);
  return ok && !b->objects.oom;
}

/* Glue for a scalefile that names its own entry points, and the signature hash. */
static bool write_entry(build_t *b, bool *needed) {
  const scale__project_t *p = &b->project;
  char text[2048];
  size_t n = 0;
  *needed = false;
  n += (size_t)snprintf(text + n, sizeof text - n,
                        "/* Generated by scale build: entry points named in the scalefile. */\n"
                        "#include \"%s\"\n",
                        b->http ? "scale_http.h" : "scale_sdk.h");
  if (strcmp(p->function, "scale") != 0) {
    *needed = true;
    if (b->http)
      n += (size_t)snprintf(text + n, sizeof text - n,
                            "scale_http_context_t *%s(scale_http_context_t *ctx);\n"
                            "scale_http_context_t *scale(scale_http_context_t *ctx) "
                            "{ return %s(ctx); }\n",
                            p->function, p->function);
    else
      n += (size_t)snprintf(text + n, sizeof text - n,
                            "int %s(const uint8_t *in, size_t len, scale_pg_buf_t *out);\n"
                            "int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t "
                            "*out) { return %s(in, len, out); }\n",
                            p->function, p->function);
  }
  if (*p->initialize) {
    *needed = true;
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "const char *%s(void);\n"
                          "const char *scale_initialize(void) { return %s(); }\n",
                          p->initialize, p->initialize);
  }
  if (b->sig) {
    *needed = true;
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "const char *scale_signature_hash(void) { return \"%s\"; }\n",
                          scale_signature_hash(b->sig));
  }
  if (!*needed) return true;
  char *path = scale__cli_path_join(b->work, "entry.c");
  bool ok = path && scale__cli_write_file(path, text, n) && compile_one(b, path, NULL);
  free(path);
  return ok;
}

static bool compile_all(build_t *b) {
  for (size_t i = 0; i < b->nsources; i++) {
    char *src = scale__cli_path_join(b->dir, b->sources[i]);
    bool ok = src && compile_one(b, src, b->sources[i]);
    free(src);
    if (!ok) return false;
  }
  bool entry;
  return write_entry(b, &entry) && scale__cli_sdk_compile(b);
}

static bool link_module(build_t *b, const char *out) {
  printf("linking\n");
  args_t a = {0};
  base_flags(b, &a);
  /* A reactor: no main; the host runs _initialize, then initialize/run as the ABI says. */
  scale__cli_args_add(&a, "-mexec-model=reactor");
  /* Stack below the data: an overflow traps instead of overwriting statics. 64 KiB + 1 KiB
   * of it: the top 1 KiB then shares a 4 KiB host page with the statics and the starts of
   * the SDK's buffers, so a small call writes one page, which is what a reset copies back
   * (a stack ending on a page boundary makes that two). */
  scale__cli_args_add(&a, "-Wl,--stack-first");
  scale__cli_args_add(&a, "-Wl,-z,stack-size=66560");
  /* 1 MiB to start with, so requests of tens of KiB allocate without memory.grow: growth is
   * undone on every reset (zeroing and protecting the grown pages), while pages of the
   * initial memory that a call never touches cost nothing. */
  scale__cli_args_add(&a, "-Wl,--initial-memory=1048576");
  scale__cli_args_add(&a, "-Wl,--strip-debug");
  for (size_t i = 0; i < b->objects.n; i++)
    scale__cli_args_add(&a, b->objects.v[i]);
  scale__cli_args_add(&a, "-o");
  scale__cli_args_add(&a, out);
  bool ok = run_tool(&a, b->verbose, "linking");
  args_free(&a);
  return ok;
}

/* Validate the module and check it has the exports the Scale ABI needs. */
static bool check_module(const uint8_t *wasm, size_t len) {
  printf("validating\n");
  scale_engine_t *engine = NULL;
  scale_module_t *module = NULL;
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_INTERP; /* only looking: no background native build */
  scale_error_t *e = scale_engine_new(&cfg, &engine);
  if (!e) e = scale_module_new(engine, wasm, len, &module);
  bool ok = !e;
  if (e) {
    scale__cli_error("the built module is invalid: %s", scale_error_message(e));
    scale_error_delete(e);
  }
  static const char *const need[] = {"memory", "resize", "run"};
  for (size_t k = 0; ok && k < 3; k++) {
    bool found = false;
    for (size_t i = 0; i < scale_module_export_count(module) && !found; i++) {
      scale_externdesc_t d;
      scale_module_export(module, i, &d);
      found = d.name_len == strlen(need[k]) && memcmp(d.name, need[k], d.name_len) == 0;
    }
    if (!found) {
      scale__cli_error("the built module does not export '%s' (is the C SDK linked?)", need[k]);
      ok = false;
    }
  }
  scale_module_delete(module);
  scale_engine_delete(engine);
  return ok;
}

static void human_size(uint64_t n, char *buf, size_t cap) {
  if (n < 1024)
    snprintf(buf, cap, "%llu B", (unsigned long long)n);
  else if (n < 1024 * 1024)
    snprintf(buf, cap, "%.1f KiB", (double)n / 1024);
  else
    snprintf(buf, cap, "%.1f MiB", (double)n / (1024 * 1024));
}

static bool package_and_store(build_t *b, const uint8_t *wasm, size_t wasm_len) {
  const scale__project_t *p = &b->project;
  printf("packaging\n");
  size_t schema_len = 0;
  const char *schema = b->sig ? scale_signature_canonical(b->sig, &schema_len) : "";
  /* The built-in HTTP signature has no schema text or hash of its own yet: recorded empty. */
  const char *hash = b->sig ? scale_signature_hash(b->sig) : "";
  scale_scalefile_t sf = {
      .name = p->name,
      .tag = p->tag,
      .signature_name = p->signature_name,
      .signature_organization = p->signature_org,
      .signature_tag = p->signature_tag,
      .signature_schema = (uint8_t *)schema,
      .signature_schema_len = schema_len,
      .signature_hash = (char *)hash,
      .language = p->language,
      .stateless = p->stateless,
      .function = (uint8_t *)wasm,
      .function_len = wasm_len,
  };
  uint8_t *file = NULL;
  size_t len = 0;
  if (!scale__cli_report(scale_scalefile_encode(&sf, &file, &len))) return false;
  scale__ref_t ref;
  snprintf(ref.org, sizeof ref.org, "local");
  snprintf(ref.name, sizeof ref.name, "%s", p->name);
  snprintf(ref.tag, sizeof ref.tag, "%s", p->tag);
  scale__fnmeta_t meta = {
      .org = "local",
      .name = p->name,
      .tag = p->tag,
      .language = p->language,
      .signature_org = p->signature_org,
      .signature_name = p->signature_name,
      .signature_tag = p->signature_tag,
      .signature_hash = (char *)hash,
      .description = p->description,
      .stateless = p->stateless,
      .module_size = wasm_len,
  };
  scale__registry_t *reg = NULL;
  char digest[SCALE_STORE_DIGEST_SIZE];
  bool ok = scale__cli_report(scale__registry_open(NULL, &reg)) &&
            scale__cli_report(scale__registry_put(reg, &ref, &meta, file, len, digest));
  if (ok) {
    char size[32];
    human_size(len, size, sizeof size);
    printf("stored local/%s:%s (%.19s, %s) in %s\n", p->name, p->tag, digest, size,
           scale__registry_root(reg));
  }
  scale__registry_close(reg);
  free(file);
  return ok;
}

static void build_release(build_t *b, bool keep) {
  if (b->work) {
    if (keep)
      printf("build directory kept: %s\n", b->work);
    else
      scale__cli_remove_tree(b->work);
  }
  scale__project_release(&b->project);
  scale_signature_delete(b->sig);
  free(b->clang);
  free(b->sysroot);
  free(b->work);
  free(b->sdk);
  for (size_t i = 0; i < b->nsources; i++)
    free(b->sources[i]);
  args_free(&b->objects);
}

int scale__cli_build(int argc, char **argv) {
  build_t b = {.dir = NULL, .cache = true};
  const char *tag = NULL;
  bool keep = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-t") || !strcmp(a, "--tag")) {
      if (++i >= argc) {
        scale__cli_error("%s needs a value", a);
        return SCALE_CLI_USAGE;
      }
      tag = argv[i];
    } else if (!strcmp(a, "--keep")) {
      keep = true;
    } else if (!strcmp(a, "--no-cache")) {
      b.cache = false;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      b.verbose = true;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      scale__cli_build_help(stdout);
      return SCALE_CLI_OK;
    } else if (a[0] == '-' && a[1]) {
      scale__cli_error("unknown option '%s'", a);
      return SCALE_CLI_USAGE;
    } else if (b.dir) {
      scale__cli_error("unexpected argument '%s' (one DIR only)", a);
      return SCALE_CLI_USAGE;
    } else {
      b.dir = a;
    }
  }
  if (!b.dir) b.dir = ".";
  char err[512];
  if (tag && !scale__registry_check_tag(tag, err, sizeof err)) {
    scale__cli_error("%s", err);
    return SCALE_CLI_USAGE;
  }
  bool ok = read_project(&b) && check_language(b.project.language);
  if (ok && tag) {
    free(b.project.tag);
    ok = (b.project.tag = strdup(tag)) != NULL;
  }
  ok = ok && resolve_signature(&b) && find_toolchain(&b) && list_sources(&b) && make_workdir(&b) &&
       scale__cli_sdk_prepare(&b) && compile_all(&b);
  char *out = ok ? scale__cli_path_join(b.work, "function.wasm") : NULL;
  uint8_t *wasm = NULL;
  size_t wasm_len = 0;
  ok = ok && out && link_module(&b, out) &&
       scale__cli_read_file(out, SCALE_MAX_MODULE_BYTES, &wasm, &wasm_len) &&
       check_module(wasm, wasm_len) && package_and_store(&b, wasm, wasm_len);
  free(out);
  free(wasm);
  build_release(&b, keep);
  return ok ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}
