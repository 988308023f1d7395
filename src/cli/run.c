/*
 * `scale run NAME:TAG... [options]`: serve a chain of Scale functions over HTTP.
 *
 * This file reads the options, loads the functions (from the local store, `.scale` files or
 * raw `.wasm` modules, in any mix), decides what context the chain speaks (the built-in HTTP
 * signature, or a custom signature taken from the first function that embeds one or from
 * --signature FILE) and then either serves (serve.c) or, for a custom signature with stdin
 * not a terminal, runs one JSON context from stdin to stdout as upstream's CLI does.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli/run.h"
#include "http/server.h"
#include "registry/store.h"
#include "scale/scalefile.h"

/* Defaults: a guest that loops must not hold a worker for ever. */
#define RUN_DEFAULT_DEADLINE_MS 10000u
#define RUN_DEFAULT_WATCH_MS 250u
#define RUN_MAX_STDIN (64u * 1024u * 1024u)

void scale__cli_run_help(FILE *out) {
  fprintf(out,
          "usage: scale run FUNCTION... [options]\n"
          "\n"
          "Serve a chain of Scale functions over HTTP/1.1. Each FUNCTION is a name in the\n"
          "local store (NAME, NAME:TAG or ORG/NAME:TAG), a .scale file or a raw .wasm module;\n"
          "they run in argument order, each passing the request on with Next().\n"
          "\n"
          "On the built-in HTTP signature every request (any method) becomes the function's\n"
          "context and the context it returns becomes the response (status 0 means 200).\n"
          "A function with a custom signature (or --json) takes the context as a JSON POST\n"
          "body, {\"Context\": {...}}, and answers JSON; with stdin not a terminal and no\n"
          "--listen, one JSON context is read from stdin and the result written to stdout.\n"
          "\n"
          "A trap, a guest error or a limit (deadline, fuel, memory) answers 500 with a JSON\n"
          "body naming the function and the reason; the server keeps serving.\n"
          "\n"
          "options:\n"
          "  -l, --listen ADDR:PORT  where to listen (default 127.0.0.1:8080; \"[::1]:8080\",\n"
          "                          \"0.0.0.0:8080\", port 0 for any free port)\n"
          "      --tier TIER         interp, aot or auto (default auto: start interpreted,\n"
          "                          switch to native code when the background build ends)\n"
          "      --signature FILE    the schema of raw .wasm modules (default: the built-in\n"
          "                          HTTP signature; \"http\" names it explicitly)\n"
          "      --json              serve JSON contexts (custom signatures)\n"
          "      --watch             reload functions that change in the store or on disk,\n"
          "                          without dropping requests in flight\n"
          "  -q, --quiet             no access log\n"
          "      --workers N         event-loop threads (default: one per core)\n"
          "      --deadline MS       wall-clock budget of one request's chain (default %u;\n"
          "                          0 = none)\n"
          "      --fuel N            instruction budget of each function call (default none)\n"
          "      --max-memory MIB    memory cap of each instance (default: the engine's 4 GiB)\n"
          "      --max-body BYTES    largest request body (default 16 MiB; larger: 413)\n"
          "\n"
          "SIGINT or SIGTERM stops the server after the requests in flight are answered.\n"
          "Access log (stdout): one line per request, with the chain and the duration.\n",
          RUN_DEFAULT_DEADLINE_MS);
}

void scale__run_logf(scale__run_t *run, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  pthread_mutex_lock(&run->log_lock);
  fputs("scale run: ", run->log);
  vfprintf(run->log, fmt, ap);
  fputc('\n', run->log);
  fflush(run->log);
  pthread_mutex_unlock(&run->log_lock);
  va_end(ap);
}

/* Guests' stdout and stderr go to our stderr, whole writes at a time. */
static long guest_output(void *env, int fd, const uint8_t *data, size_t len) {
  scale__run_t *run = env;
  pthread_mutex_lock(&run->log_lock);
  fwrite(data, 1, len, run->log);
  fflush(run->log);
  pthread_mutex_unlock(&run->log_lock);
  return (long)len;
}

/* ---- loading ----------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A path names a file when one is there, or when it looks like one (so that a missing
 * "fn.wasm" says "cannot open" rather than "not a valid function name"). */
static scale__run_kind_t classify(const char *arg) {
  struct stat st;
  if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) return SCALE_RUN_FILE;
  if (has_suffix(arg, ".wasm") || has_suffix(arg, ".scale") || arg[0] == '.' || arg[0] == '/')
    return SCALE_RUN_FILE;
  return SCALE_RUN_STORE;
}

/* "name:latest" for a raw module at path: its base name without the extension. */
static void module_name(const char *path, char *buf, size_t cap) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strcspn(base, ".");
  if (n == 0) n = strlen(base);
  snprintf(buf, cap, "%.*s:latest", (int)(n > 200 ? 200 : n), base);
}

bool scale__run_read(scale__run_source_t *src, uint8_t **bytes, size_t *len) {
  if (src->kind == SCALE_RUN_FILE)
    return scale__cli_read_file(src->arg, SCALE_SCALEFILE_MAX_BYTES, bytes, len);
  scale_error_t *e = scale__registry_load(src->arg, bytes, len);
  if (e) {
    scale__cli_error("cannot load '%s': %s", src->arg, scale_error_message(e));
    scale_error_delete(e);
    return false;
  }
  return true;
}

scale_error_t *scale__run_function(scale__run_t *run, const scale__run_source_t *src,
                                   const uint8_t *bytes, size_t len, scale_function_t **fn) {
  char name[256];
  bool raw = len >= 4 && memcmp(bytes, "\0asm", 4) == 0;
  if (raw) module_name(src->arg, name, sizeof name);
  return scale_function_new(run->engine, bytes, len, raw ? name : NULL, fn);
}

static bool load_one(scale__run_t *run, scale__run_source_t *src, scale_function_t **fn) {
  uint8_t *bytes = NULL;
  size_t len = 0;
  if (!scale__run_read(src, &bytes, &len)) return false;
  scale_error_t *e = scale__run_function(run, src, bytes, len, fn);
  if (e) {
    scale__cli_error("cannot load '%s': %s", src->arg, scale_error_message(e));
    scale_error_delete(e);
    free(bytes);
    return false;
  }
  free(src->bytes);
  src->bytes = bytes;
  src->len = len;
  return true;
}

bool scale__run_load(scale__run_t *run, scale_function_t **fns) {
  for (size_t i = 0; i < run->count; i++) {
    fns[i] = NULL;
    if (!load_one(run, &run->sources[i], &fns[i])) {
      for (size_t j = 0; j < i; j++) {
        scale_function_delete(fns[j]);
        fns[j] = NULL;
      }
      return false;
    }
  }
  return true;
}

scale__run_live_t *scale__run_live_new(scale__run_t *run, scale_function_t **fns) {
  scale__run_live_t *live = calloc(1, sizeof *live);
  if (!live) {
    scale__cli_error("out of memory");
    return NULL;
  }
  scale_error_t *e = scale_chain_new(fns, run->count, &run->chain_cfg, &live->chain);
  if (e) {
    scale__cli_error("cannot start the chain: %s", scale_error_message(e));
    scale_error_delete(e);
    free(live);
    return NULL;
  }
  atomic_init(&live->refs, 1);
  size_t at = 0;
  for (size_t i = 0; i < run->count && at + 1 < sizeof live->name; i++) {
    int n = snprintf(live->name + at, sizeof live->name - at, "%s%s", i ? ">" : "",
                     scale_function_name(fns[i]));
    if (n < 0) break;
    at += (size_t)n;
  }
  return live;
}

scale__run_live_t *scale__run_acquire(scale__run_t *run) {
  if (!run->watch) return run->live;
  pthread_mutex_lock(&run->lock);
  scale__run_live_t *live = run->live;
  atomic_fetch_add_explicit(&live->refs, 1, memory_order_relaxed);
  pthread_mutex_unlock(&run->lock);
  return live;
}

void scale__run_release(scale__run_t *run, scale__run_live_t *live) {
  if (!run->watch || !live) return;
  if (atomic_fetch_sub_explicit(&live->refs, 1, memory_order_acq_rel) == 1) {
    scale_chain_delete(live->chain);
    free(live);
  }
}

/* ---- the signature ---------------------------------------------------- */

/* Picks the context's shape: --signature FILE, else the first embedded schema, else HTTP. */
static bool choose_signature(scale__run_t *run, scale_function_t **fns, const char *sigfile,
                             bool json) {
  scale_error_t *e = NULL;
  if (sigfile && strcmp(sigfile, "http") != 0) {
    e = scale_signature_load(sigfile, &run->signature_owned);
  } else if (!sigfile) {
    for (size_t i = 0; i < run->count && !run->signature_owned; i++) {
      size_t len = 0;
      const char *text = scale_function_signature_schema(fns[i], &len);
      if (text && len) {
        char where[300];
        snprintf(where, sizeof where, "signature of %s", scale_function_name(fns[i]));
        e = scale_signature_parse(text, len, where, &run->signature_owned);
        if (e) break;
      }
    }
  }
  if (e) {
    scale__cli_error("cannot read the signature: %s", scale_error_message(e));
    scale_error_delete(e);
    return false;
  }
  run->signature = run->signature_owned;
  if (run->signature) {
    run->mode = SCALE_RUN_JSON;
  } else if (json) {
    scale__cli_error("--json needs a custom signature: none of the functions embeds a schema; "
                     "name one with --signature FILE");
    return false;
  }
  return true;
}

/* ---- the stdin mode ---------------------------------------------------- */

static int run_stdin(scale__run_t *run) {
  size_t cap = 64 * 1024, len = 0;
  char *text = malloc(cap);
  while (text) {
    if (len == cap) {
      if (cap >= RUN_MAX_STDIN) {
        scale__cli_error("the JSON context on stdin is larger than %u bytes", RUN_MAX_STDIN);
        free(text);
        return SCALE_CLI_FAILURE;
      }
      char *p = realloc(text, cap * 2);
      if (!p) break;
      text = p;
      cap *= 2;
    }
    size_t n = fread(text + len, 1, cap - len, stdin);
    len += n;
    if (n == 0) {
      if (ferror(stdin)) {
        scale__cli_error("cannot read stdin: %s", scale__errno_text(errno));
        free(text);
        return SCALE_CLI_FAILURE;
      }
      break;
    }
  }
  if (!text) {
    scale__cli_error("out of memory");
    return SCALE_CLI_FAILURE;
  }
  char *out = NULL;
  int status = 0;
  scale_error_t *e = scale__run_json(run, run->live, text, len, &out, &status);
  free(text);
  if (e) {
    scale__cli_error("%s", scale_error_message(e));
    scale_error_delete(e);
    return SCALE_CLI_FAILURE;
  }
  printf("%s\n", out);
  free(out);
  return SCALE_CLI_OK;
}

/* ---- options ------------------------------------------------------------ */

static bool parse_u64(const char *opt, const char *text, uint64_t max, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = text[0] >= '0' && text[0] <= '9' ? strtoull(text, &end, 10) : 0;
  if (!end || *end || errno || v > max) {
    scale__cli_error("%s wants a whole number from 0 to %" PRIu64 ", not '%s'", opt, max, text);
    return false;
  }
  *out = v;
  return true;
}

static scale_httpd_server_t *the_server;

static void on_signal(int sig) {
  (void)sig;
  scale_httpd_shutdown(the_server);
}

typedef struct run_opts {
  const char *listen, *sigfile, *native;
  bool json, listen_given;
  unsigned workers;
  uint64_t max_body;
} run_opts_t;

/* Returns -1 when the options are fine, else the exit code. */
static int parse_options(int argc, char **argv, scale__run_t *run, run_opts_t *o) {
  uint64_t deadline_ms = RUN_DEFAULT_DEADLINE_MS;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                               \
  do {                                                                                             \
    if (!val) {                                                                                    \
      scale__cli_error("option '%s' needs a value", a);                                            \
      return SCALE_CLI_USAGE;                                                                      \
    }                                                                                              \
    i++;                                                                                           \
  } while (0)
    uint64_t n = 0;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      scale__cli_run_help(stdout);
      return SCALE_CLI_OK;
    } else if (strcmp(a, "-l") == 0 || strcmp(a, "--listen") == 0) {
      NEED_VALUE();
      o->listen = val;
      o->listen_given = true;
    } else if (strcmp(a, "--tier") == 0) {
      NEED_VALUE();
      if (strcmp(val, "interp") == 0)
        run->tier = SCALE_TIER_INTERP;
      else if (strcmp(val, "aot") == 0)
        run->tier = SCALE_TIER_AOT;
      else if (strcmp(val, "auto") == 0)
        run->tier = SCALE_TIER_AUTO;
      else {
        scale__cli_error("unknown tier '%s': use interp, aot or auto", val);
        return SCALE_CLI_USAGE;
      }
    } else if (strcmp(a, "--signature") == 0 || strcmp(a, "-s") == 0) {
      NEED_VALUE();
      o->sigfile = val;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (strcmp(a, "--watch") == 0) {
      run->watch = true;
    } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
      run->quiet = true;
    } else if (strcmp(a, "--native") == 0) { /* bench/http only: not in the help */
      NEED_VALUE();
      o->native = val;
    } else if (strcmp(a, "--workers") == 0) {
      NEED_VALUE();
      if (!parse_u64(a, val, 256, &n)) return SCALE_CLI_USAGE;
      o->workers = (unsigned)n;
    } else if (strcmp(a, "--deadline") == 0) {
      NEED_VALUE();
      if (!parse_u64(a, val, UINT64_MAX / 1000000u, &deadline_ms)) return SCALE_CLI_USAGE;
    } else if (strcmp(a, "--fuel") == 0) {
      NEED_VALUE();
      if (!parse_u64(a, val, UINT64_MAX, &run->chain_cfg.fuel)) return SCALE_CLI_USAGE;
    } else if (strcmp(a, "--max-memory") == 0) {
      NEED_VALUE();
      if (!parse_u64(a, val, 4096, &n) || n == 0) {
        if (n == 0) scale__cli_error("--max-memory wants 1 to 4096 MiB");
        return SCALE_CLI_USAGE;
      }
      run->chain_cfg.max_memory_pages = (uint32_t)(n * 16);
    } else if (strcmp(a, "--max-body") == 0) {
      NEED_VALUE();
      if (!parse_u64(a, val, 1024u * 1024u * 1024u, &o->max_body)) return SCALE_CLI_USAGE;
    } else if (a[0] == '-' && a[1] != '\0') {
      scale__cli_error("unknown option '%s'; run 'scale help run'", a);
      return SCALE_CLI_USAGE;
    } else {
      run->sources[run->count].arg = a;
      run->sources[run->count].kind = classify(a);
      run->count++;
    }
#undef NEED_VALUE
  }
  run->chain_cfg.deadline_ns = deadline_ms * 1000000u;
  if (run->count == 0 && !o->native) {
    scale__cli_error("no function to run; usage: scale run FUNCTION... (see 'scale help run')");
    return SCALE_CLI_USAGE;
  }
  if (run->count > SCALE_CHAIN_MAX_FUNCTIONS) {
    scale__cli_error("too many functions: a chain holds at most %u", SCALE_CHAIN_MAX_FUNCTIONS);
    return SCALE_CLI_USAGE;
  }
  return -1;
}

static bool load_native(scale__run_t *run, const char *path) {
  run->native_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!run->native_handle) {
    scale__cli_error("cannot load the native handler '%s': %s", path, dlerror());
    return false;
  }
  *(void **)&run->native = dlsym(run->native_handle, "scale");
  *(void **)&run->native_error = dlsym(run->native_handle, "scale_native_error");
  if (!run->native || !run->native_error) {
    scale__cli_error("'%s' does not export scale() and scale_native_error()", path);
    return false;
  }
  run->mode = SCALE_RUN_NATIVE;
  return true;
}

static int serve(scale__run_t *run, const run_opts_t *o) {
  scale_httpd_config_t cfg;
  scale_httpd_config_init(&cfg);
  /* The access log goes to stdout one line at a time, also into a pipe or a file (tail -f). */
  if (!run->quiet) setvbuf(stdout, NULL, _IOLBF, 0);
  if (o->listen) cfg.listen = o->listen;
  cfg.workers = o->workers;
  if (o->max_body) cfg.max_body_bytes = (size_t)o->max_body;
  cfg.quiet = run->quiet;
  cfg.handle = scale__run_handle;
  cfg.env = run;
  char err[512];
  if (scale_httpd_new(&cfg, &the_server, err, sizeof err) != 0) {
    scale__cli_error("cannot serve on %s: %s", cfg.listen, err);
    return SCALE_CLI_FAILURE;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  pthread_t watcher;
  bool watching = run->watch && scale__run_watch_start(run, &watcher);
  const char *colon = strrchr(cfg.listen, ':');
  const char *what = run->mode == SCALE_RUN_NATIVE ? "native handler"
                     : run->live                   ? run->live->name
                                                   : "";
  fprintf(stderr, "scale run: serving %s on http://%.*s:%u/ (%s%s, %u workers)\n", what,
          (int)(colon - cfg.listen), cfg.listen, scale_httpd_port(the_server),
          run->mode == SCALE_RUN_JSON ? "JSON, POST only" : "HTTP signature",
          run->watch ? ", watching for changes" : "", scale_httpd_workers(the_server));
  int rc = scale_httpd_run(the_server, err, sizeof err);
  if (rc != 0) scale__cli_error("%s", err);
  if (watching) scale__run_watch_stop(run, watcher);
  scale_httpd_delete(the_server);
  the_server = NULL;
  if (rc == 0) fprintf(stderr, "scale run: stopped\n");
  return rc == 0 ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}

int scale__cli_run(int argc, char **argv) {
  scale__run_t run;
  memset(&run, 0, sizeof run);
  run.tier = SCALE_TIER_AUTO;
  run.watch_ms = RUN_DEFAULT_WATCH_MS;
  run.log = stderr;
  scale_chain_config_default(&run.chain_cfg);
  run.chain_cfg.output = guest_output;
  run.chain_cfg.output_env = &run;
  pthread_mutex_init(&run.lock, NULL);
  pthread_mutex_init(&run.log_lock, NULL);
  run.sources = calloc((size_t)argc, sizeof *run.sources);
  scale_function_t **fns = calloc((size_t)argc + 1, sizeof *fns);
  run_opts_t o = {0};
  int rc = SCALE_CLI_FAILURE;
  if (!run.sources || !fns) {
    scale__cli_error("out of memory");
    goto done;
  }
  rc = parse_options(argc, argv, &run, &o);
  if (rc >= 0) goto done;
  rc = SCALE_CLI_FAILURE;
  if (o.native) {
    run.watch = false;
    if (!load_native(&run, o.native)) goto done;
    rc = serve(&run, &o);
    goto done;
  }
  scale_config_t ecfg;
  scale_config_default(&ecfg);
  ecfg.tier = run.tier;
  scale_error_t *e = scale_engine_new(&ecfg, &run.engine);
  if (e) {
    scale__cli_error("cannot create the engine: %s", scale_error_message(e));
    scale_error_delete(e);
    goto done;
  }
  if (!scale__run_load(&run, fns) || !choose_signature(&run, fns, o.sigfile, o.json)) goto done;
  run.live = scale__run_live_new(&run, fns);
  if (!run.live) goto done;
  if (run.mode == SCALE_RUN_JSON && !o.listen_given && !isatty(STDIN_FILENO)) {
    run.watch = false;
    rc = run_stdin(&run);
  } else {
    rc = serve(&run, &o);
  }

done:
  if (run.live) {
    /* Every request has finished: the server has stopped. */
    scale_chain_delete(run.live->chain);
    free(run.live);
  }
  for (size_t i = 0; fns && i < run.count; i++)
    scale_function_delete(fns[i]);
  free(fns);
  for (size_t i = 0; run.sources && i < run.count; i++)
    free(run.sources[i].bytes);
  free(run.sources);
  scale_signature_delete(run.signature_owned);
  scale_engine_delete(run.engine);
  if (run.native_handle) dlclose(run.native_handle);
  pthread_mutex_destroy(&run.lock);
  pthread_mutex_destroy(&run.log_lock);
  return rc;
}
