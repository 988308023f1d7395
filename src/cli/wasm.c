/*
 * `scale wasm run`: run a raw WebAssembly module from the command line,
 * either as a WASI command (_start) or by invoking one export with
 * arguments given as text (--invoke).
 *
 * The guest gets what WASI grants by default (args, clocks, random,
 * stdout and stderr) plus what the options add (--env, --stdin); it never
 * sees the host's files or network. The process exits with the guest's
 * proc_exit status, 0 when _start returns, 134 when the guest traps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void scale__cli_wasm_help(FILE *out) {
  fprintf(out, "usage: scale wasm run [OPTIONS] FILE.wasm [ARGS...]\n"
               "       scale wasm run [OPTIONS] --invoke NAME FILE.wasm [VALUES...]\n"
               "\n"
               "Run a WebAssembly module with WASI preview1, deny by default: the guest\n"
               "gets its arguments (argv[0] is FILE), the clocks, random bytes, and\n"
               "stdout/stderr (passed through to scale's own). It gets no files, no\n"
               "sockets, no environment and no stdin unless an option below grants them.\n"
               "\n"
               "Without --invoke, FILE must be a WASI command: its '_start' export is\n"
               "called and scale exits with the status the guest gives to exit() (0 when\n"
               "_start returns). With --invoke, the module is instantiated (a reactor's\n"
               "'_initialize' is run first), export NAME is called with VALUES parsed by\n"
               "its parameter types (i32/i64: decimal or 0x hex; f32/f64: decimal, hex\n"
               "float, nan, inf), and each result is printed on its own line.\n"
               "\n"
               "Options (before FILE; everything after FILE goes to the guest):\n"
               "  --invoke NAME    call export NAME instead of '_start'\n"
               "  --env KEY=VALUE  add an environment variable (repeatable); --env KEY\n"
               "                   copies KEY from scale's own environment if it is set\n"
               "  --stdin          let the guest read scale's stdin (fd 0); without it\n"
               "                   reads fail with EBADF\n"
               "  --fuel N         stop the guest with a trap after about N instructions\n"
               "  --tier T         interp (default), aot (compile to native code first,\n"
               "                   cached; falls back to interp with a warning if no C\n"
               "                   compiler), or auto (start interpreted, compile in the\n"
               "                   background)\n"
               "  --unchecked      with --tier aot: native code without fuel, deadline and\n"
               "                   interrupt checks (to measure their cost; such code\n"
               "                   stops only at host calls)\n"
               "  --seed N         make random_get deterministic (N > 0), for tests\n"
               "  --               end of options\n"
               "  -h, --help       show this help\n"
               "\n"
               "Exit status: the guest's exit status; 1 when the file cannot be read, the\n"
               "module is invalid or cannot be linked; 2 for a wrong command line; 134\n"
               "when the guest traps (the trap is printed as \"error: 'FILE': trap: ...\").\n");
}

typedef struct run_opts {
  const char *file;
  const char *invoke;
  bool stdin_granted;
  scale_tier_t tier;
  bool unchecked;
  bool has_fuel;
  uint64_t fuel;
  uint64_t seed;
  const char **envs; /* "KEY=VALUE" or "KEY" as given */
  size_t nenvs;
  int nguest; /* guest argv after the file name */
  char **guest;
} run_opts_t;

/* Everything a run creates, released together by run_release(). */
typedef struct run_state {
  scale_engine_t *engine;
  scale_module_t *module;
  scale_store_t *store;
  scale_linker_t *linker;
  scale_wasi_t *wasi;
  scale_instance_t *instance;
  uint8_t *bytes;
  const char **argv;
} run_state_t;

static void run_release(run_state_t *s) {
  scale_linker_delete(s->linker);
  scale_store_delete(s->store);
  scale_wasi_delete(s->wasi);
  scale_module_delete(s->module);
  scale_engine_delete(s->engine);
  free(s->bytes);
  free(s->argv);
}

/* ---- stdio passthrough -------------------------------------------- */

/* Guest output goes straight to our fd 1/2: the guest does its own
 * buffering, and unbuffered writes keep stdout and stderr in order. */
static long write_out(void *env, int fd, const uint8_t *data, size_t len) {
  (void)env;
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return done ? (long)done : -1;
    done += (size_t)n;
  }
  return (long)done;
}

static long read_in(void *env, uint8_t *buf, size_t cap) {
  (void)env;
  for (;;) {
    ssize_t n = read(0, buf, cap);
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -1 : (long)n;
  }
}

/* ---- options ------------------------------------------------------ */

static bool parse_u64(const char *text, uint64_t *out) {
  scale_val_t v;
  if (text[0] == '-' || !scale__cli_parse_val(SCALE_I64, text, &v)) return false;
  *out = (uint64_t)v.of.i64;
  return true;
}

/* Value of option @p name: "--name=VALUE" or "--name VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *matched) {
  size_t n = strlen(name);
  const char *a = argv[*i];
  *matched = false;
  if (strncmp(a, name, n) != 0 || (a[n] != '\0' && a[n] != '=')) return NULL;
  *matched = true;
  if (a[n] == '=') return a + n + 1;
  if (*i + 1 >= argc) {
    scale__cli_error("option '%s' needs a value", name);
    return NULL;
  }
  return argv[++*i];
}

/* Returns -1 when the options are fine, else the exit code. */
static int parse_opts(int argc, char **argv, run_opts_t *o) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    bool m;
    const char *v;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0') break;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      scale__cli_wasm_help(stdout);
      return SCALE_CLI_OK;
    }
    if (strcmp(a, "--stdin") == 0) {
      o->stdin_granted = true;
      continue;
    }
    if (strcmp(a, "--unchecked") == 0) {
      o->unchecked = true;
      continue;
    }
    if ((v = option_value(argc, argv, &i, "--invoke", &m)) || m) {
      if (!v) return SCALE_CLI_USAGE;
      o->invoke = v;
      continue;
    }
    if ((v = option_value(argc, argv, &i, "--env", &m)) || m) {
      if (!v) return SCALE_CLI_USAGE;
      o->envs[o->nenvs++] = v; /* envs has room for argc entries */
      continue;
    }
    if ((v = option_value(argc, argv, &i, "--fuel", &m)) || m) {
      if (!v || !parse_u64(v, &o->fuel)) {
        if (v) scale__cli_error("--fuel needs a non-negative integer, got '%s'", v);
        return SCALE_CLI_USAGE;
      }
      o->has_fuel = true;
      continue;
    }
    if ((v = option_value(argc, argv, &i, "--tier", &m)) || m) {
      if (!v) return SCALE_CLI_USAGE;
      if (strcmp(v, "interp") == 0) {
        o->tier = SCALE_TIER_INTERP;
      } else if (strcmp(v, "aot") == 0) {
        o->tier = SCALE_TIER_AOT;
      } else if (strcmp(v, "auto") == 0) {
        o->tier = SCALE_TIER_AUTO;
      } else {
        scale__cli_error("--tier must be interp, aot or auto, got '%s'", v);
        return SCALE_CLI_USAGE;
      }
      continue;
    }
    if ((v = option_value(argc, argv, &i, "--seed", &m)) || m) {
      if (!v || !parse_u64(v, &o->seed)) {
        if (v) scale__cli_error("--seed needs a non-negative integer, got '%s'", v);
        return SCALE_CLI_USAGE;
      }
      continue;
    }
    scale__cli_error("unknown option '%s'; run 'scale help wasm'", a);
    return SCALE_CLI_USAGE;
  }
  if (i >= argc) {
    scale__cli_error("missing FILE.wasm; run 'scale help wasm'");
    return SCALE_CLI_USAGE;
  }
  o->file = argv[i];
  o->guest = argv + i + 1;
  o->nguest = argc - i - 1;
  return -1;
}

/* ---- running ------------------------------------------------------ */

/* Report a trap; the exit code follows the guest's exit status if it exited. */
static int report_trap(const run_opts_t *o, scale_trap_t *trap) {
  int32_t status;
  int rc;
  if (scale_trap_exit_status(trap, &status)) {
    rc = (int)((uint32_t)status & 0xff); /* what the OS would keep of it anyway */
  } else {
    scale__cli_error("'%s': trap: %s", o->file, scale_trap_message(trap));
    rc = SCALE_CLI_TRAP;
  }
  scale_trap_delete(trap);
  return rc;
}

static int fail(scale_error_t *err, const char *what, const char *file) {
  scale__cli_error("%s '%s': %s", what, file, err ? scale_error_message(err) : "out of memory");
  scale_error_delete(err);
  return SCALE_CLI_FAILURE;
}

static scale_error_t *setup_wasi(const run_opts_t *o, run_state_t *s) {
  s->wasi = scale_wasi_new();
  s->argv = calloc((size_t)o->nguest + 1, sizeof(char *));
  if (!s->wasi || !s->argv) return scale_error_new("out of memory");
  s->argv[0] = o->file;
  for (int i = 0; i < o->nguest; i++)
    s->argv[i + 1] = o->guest[i];
  scale_error_t *err = scale_wasi_set_args(s->wasi, (size_t)o->nguest + 1, s->argv);
  for (size_t i = 0; !err && i < o->nenvs; i++) {
    const char *kv = o->envs[i], *eq = strchr(kv, '=');
    if (!eq) { /* --env KEY: inherit from our own environment if set */
      const char *val = getenv(kv);
      if (val) err = scale_wasi_add_env(s->wasi, kv, val);
      continue;
    }
    char *key = strndup(kv, (size_t)(eq - kv));
    err = key ? scale_wasi_add_env(s->wasi, key, eq + 1) : scale_error_new("out of memory");
    free(key);
  }
  if (err) return err;
  scale_wasi_set_output(s->wasi, write_out, NULL);
  if (o->stdin_granted) scale_wasi_set_input(s->wasi, read_in, NULL);
  scale_wasi_set_random_seed(s->wasi, o->seed);
  return NULL;
}

/* Look up export @p name as a function; prints the error and returns NULL. */
static scale_func_t *export_func(const run_opts_t *o, run_state_t *s, const char *name,
                                 bool for_invoke) {
  scale_extern_t ext;
  if (!scale_instance_export(s->instance, name, &ext)) {
    if (for_invoke)
      scale__cli_error("no export named '%s' in '%s'", name, o->file);
    else
      scale__cli_error("'%s' has no export '%s'", o->file, name);
    return NULL;
  }
  if (ext.kind != SCALE_EXTERN_FUNC) {
    scale__cli_error("export '%s' of '%s' is not a function", name, o->file);
    return NULL;
  }
  return ext.of.func;
}

/* Call @p f with @p args; 0 on success, else an exit code (printed). */
static int call(const run_opts_t *o, run_state_t *s, scale_func_t *f, const scale_val_t *args,
                size_t nargs, scale_val_t *results, size_t nresults, bool *exited) {
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_func_call(s->store, f, args, nargs, results, nresults, &trap);
  *exited = false;
  if (err) return fail(err, "cannot call", o->file);
  if (trap) {
    *exited = true;
    return report_trap(o, trap);
  }
  return 0;
}

static int run_start(const run_opts_t *o, run_state_t *s) {
  scale_func_t *start = export_func(o, s, "_start", false);
  if (!start) return SCALE_CLI_FAILURE;
  const scale_functype_t *t = scale_func_type(start);
  if (scale_functype_param_count(t) != 0 || scale_functype_result_count(t) != 0) {
    scale__cli_error("'%s': export '_start' must take and return nothing", o->file);
    return SCALE_CLI_FAILURE;
  }
  bool exited;
  return call(o, s, start, NULL, 0, NULL, 0, &exited);
}

static int run_invoke(const run_opts_t *o, run_state_t *s) {
  scale_extern_t init;
  bool exited;
  /* A reactor sets up its runtime in _initialize before any export runs. */
  if (scale_instance_export(s->instance, "_initialize", &init) && init.kind == SCALE_EXTERN_FUNC) {
    int rc = call(o, s, init.of.func, NULL, 0, NULL, 0, &exited);
    if (rc || exited) return rc ? rc : SCALE_CLI_FAILURE;
  }
  scale_func_t *f = export_func(o, s, o->invoke, true);
  if (!f) return SCALE_CLI_FAILURE;
  const scale_functype_t *t = scale_func_type(f);
  size_t np = scale_functype_param_count(t), nr = scale_functype_result_count(t);
  if ((size_t)o->nguest != np) {
    scale__cli_error("'%s' takes %zu argument%s, got %d", o->invoke, np, np == 1 ? "" : "s",
                     o->nguest);
    return SCALE_CLI_USAGE;
  }
  scale_val_t *args = calloc(np ? np : 1, sizeof *args);
  scale_val_t *results = calloc(nr ? nr : 1, sizeof *results);
  int rc = SCALE_CLI_OK;
  if (!args || !results) {
    scale__cli_error("out of memory");
    rc = SCALE_CLI_FAILURE;
  }
  for (size_t i = 0; rc == SCALE_CLI_OK && i < np; i++) {
    scale_valkind_t k = scale_functype_param(t, i);
    if (!scale__cli_parse_val(k, o->guest[i], &args[i])) {
      scale__cli_error("argument %zu of '%s' is not an %s: '%s'", i + 1, o->invoke,
                       scale_valkind_name(k), o->guest[i]);
      rc = SCALE_CLI_USAGE;
    }
  }
  if (rc == SCALE_CLI_OK) {
    rc = call(o, s, f, args, np, results, nr, &exited);
    for (size_t i = 0; rc == SCALE_CLI_OK && !exited && i < nr; i++) {
      char buf[64];
      scale__cli_format_val(&results[i], buf, sizeof buf);
      printf("%s\n", buf);
    }
  }
  free(args);
  free(results);
  return rc;
}

/* Load, link and instantiate o->file into @p s; 0 or an exit code (printed). */
static int instantiate(const run_opts_t *o, run_state_t *s) {
  size_t len;
  scale_error_t *err;
  scale_trap_t *trap = NULL;
  if (!scale__cli_read_file(o->file, SCALE_MAX_MODULE_BYTES, &s->bytes, &len))
    return SCALE_CLI_FAILURE;
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = o->tier;
  cfg.aot_unchecked = o->unchecked;
  if ((err = scale_engine_new(&cfg, &s->engine)))
    return fail(err, "cannot start the engine for", o->file);
  if ((err = scale_module_new(s->engine, s->bytes, len, &s->module))) {
    if (scale_error_offset(err) >= 0)
      scale__cli_error("invalid module '%s': %s at offset 0x%" PRIx64, o->file,
                       scale_error_message(err), (uint64_t)scale_error_offset(err));
    else
      scale__cli_error("invalid module '%s': %s", o->file, scale_error_message(err));
    scale_error_delete(err);
    return SCALE_CLI_FAILURE;
  }
  if (!(s->store = scale_store_new(s->engine)) || !(s->linker = scale_linker_new(s->engine)))
    return fail(NULL, "cannot run", o->file);
  if ((err = setup_wasi(o, s)) || (err = scale_linker_define_wasi(s->linker, s->wasi)))
    return fail(err, "cannot run", o->file);
  /* Fuel is set before instantiation so it also covers the start function. */
  if (o->has_fuel) scale_store_set_fuel(s->store, o->fuel);
  if ((err = scale_linker_instantiate(s->linker, s->store, s->module, &s->instance, &trap)))
    return fail(err, "cannot instantiate", o->file);
  if (trap) {
    /* The start function trapped or exited: either way there is nothing more to run. */
    int rc = report_trap(o, trap);
    return rc ? rc : -1;
  }
  return 0;
}

static int wasm_run(int argc, char **argv) {
  run_opts_t o = {0};
  o.envs = calloc((size_t)argc, sizeof(char *));
  if (!o.envs) {
    scale__cli_error("out of memory");
    return SCALE_CLI_FAILURE;
  }
  int rc = parse_opts(argc, argv, &o);
  if (rc < 0) {
    run_state_t s = {0};
    rc = instantiate(&o, &s);
    if (rc == 0)
      rc = o.invoke ? run_invoke(&o, &s) : run_start(&o, &s);
    else if (rc < 0) /* exited with status 0 during instantiation */
      rc = SCALE_CLI_OK;
    run_release(&s);
  }
  free(o.envs);
  return rc;
}

/* `scale wasm SUBCOMMAND ...`: one table, like the top level. */
static const struct {
  const char *name;
  int (*run)(int argc, char **argv);
} wasm_commands[] = {
    {"run", wasm_run},
};

int scale__cli_wasm(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    scale__cli_wasm_help(argc < 2 ? stderr : stdout);
    return argc < 2 ? SCALE_CLI_USAGE : SCALE_CLI_OK;
  }
  for (size_t i = 0; i < sizeof wasm_commands / sizeof wasm_commands[0]; i++)
    if (strcmp(argv[1], wasm_commands[i].name) == 0)
      return wasm_commands[i].run(argc - 1, argv + 1);
  scale__cli_error("unknown command 'wasm %s'; run 'scale help wasm'", argv[1]);
  return SCALE_CLI_USAGE;
}
