/*
 * WASI contexts: what a host grants a guest (args, environment, output and
 * input callbacks, a random seed), and scale_linker_define_wasi(), which
 * binds every wasi_snapshot_preview1 function to a context.
 *
 * A context grants nothing by default. It copies every string it is
 * given and caps their number and size (limits.h).
 */
#include <stdlib.h>
#include <string.h>

#include "wasi/context.h"
#include "wasi/limits.h"

scale_wasi_t *scale_wasi_new(void) {
  return calloc(1, sizeof(scale_wasi_t));
}

static void free_strings(char **v, size_t n) {
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

void scale_wasi_delete(scale_wasi_t *wasi) {
  if (!wasi) return;
  free_strings(wasi->argv, wasi->argc);
  free_strings(wasi->env, wasi->envc);
  free(wasi);
}

static scale_error_t *oom(void) {
  return scale_error_new("out of memory");
}

scale_error_t *scale_wasi_set_args(scale_wasi_t *wasi, size_t argc, const char *const *argv) {
  if (!wasi || (argc > 0 && !argv))
    return scale_error_new("invalid argument: NULL context or argv");
  if (argc > SCALE_WASI_MAX_ARGS)
    return scale_error_new("too many arguments for wasi (the limit is 4096)");
  size_t bytes = 0;
  for (size_t i = 0; i < argc; i++) {
    if (!argv[i]) return scale_error_new("invalid argument: NULL string in argv");
    bytes += strlen(argv[i]) + 1;
    if (bytes > SCALE_WASI_MAX_ARGS_BYTES)
      return scale_error_new("arguments too long for wasi (the limit is 1 MiB)");
  }
  /* Build the new vector aside so a failure leaves the old one intact. */
  char **copy = calloc(argc ? argc : 1, sizeof(char *));
  if (!copy) return oom();
  for (size_t i = 0; i < argc; i++) {
    copy[i] = strdup(argv[i]);
    if (!copy[i]) {
      free_strings(copy, i);
      return oom();
    }
  }
  free_strings(wasi->argv, wasi->argc);
  wasi->argv = copy;
  wasi->argc = argc;
  wasi->args_bytes = bytes;
  return NULL;
}

scale_error_t *scale_wasi_add_env(scale_wasi_t *wasi, const char *key, const char *value) {
  if (!wasi || !key || !value)
    return scale_error_new("invalid argument: NULL context, key or value");
  if (key[0] == '\0' || strchr(key, '='))
    return scale_error_new("invalid environment variable name: empty or contains '='");
  size_t klen = strlen(key), vlen = strlen(value);
  size_t bytes = klen + 1 + vlen + 1;
  if (wasi->envc >= SCALE_WASI_MAX_ENV)
    return scale_error_new("too many environment variables for wasi (the limit is 4096)");
  if (bytes > SCALE_WASI_MAX_ENV_BYTES - wasi->env_bytes)
    return scale_error_new("environment too large for wasi (the limit is 1 MiB)");
  if (wasi->envc == wasi->env_cap) {
    size_t cap = wasi->env_cap ? wasi->env_cap * 2 : 8;
    char **grown = realloc(wasi->env, cap * sizeof(char *));
    if (!grown) return oom();
    wasi->env = grown;
    wasi->env_cap = cap;
  }
  char *s = malloc(bytes);
  if (!s) return oom();
  memcpy(s, key, klen);
  s[klen] = '=';
  memcpy(s + klen + 1, value, vlen + 1);
  wasi->env[wasi->envc++] = s;
  wasi->env_bytes += bytes;
  return NULL;
}

void scale_wasi_set_output(scale_wasi_t *wasi, scale_wasi_write_fn_t fn, void *env) {
  if (!wasi) return;
  wasi->out_fn = fn;
  wasi->out_env = env;
}

void scale_wasi_set_input(scale_wasi_t *wasi, scale_wasi_read_fn_t fn, void *env) {
  if (!wasi) return;
  wasi->in_fn = fn;
  wasi->in_env = env;
}

void scale_wasi_set_random_seed(scale_wasi_t *wasi, uint64_t seed) {
  if (!wasi) return;
  wasi->seeded = seed != 0;
  wasi->rng = seed;
}

/* ---- guest memory ------------------------------------------------- */

scale_trap_t *scale__wasi_mem(scale_caller_t *caller, scale__wasi_mem_t *m) {
  scale_extern_t ext;
  if (!scale_caller_export(caller, "memory", &ext) || ext.kind != SCALE_EXTERN_MEMORY) {
    scale_trap_t *trap = scale_trap_new("wasi: the module does not export its memory as 'memory'");
    return trap ? trap : scale_trap_new("out of memory");
  }
  m->data = scale_memory_data(ext.of.memory);
  m->size = scale_memory_size(ext.of.memory);
  return NULL;
}

bool scale__wasi_put32(const scale__wasi_mem_t *m, uint32_t ptr, uint32_t v) {
  uint8_t *p = scale__wasi_at(m, ptr, 4);
  if (!p) return false;
  scale__wasi_store32(p, v);
  return true;
}

bool scale__wasi_put64(const scale__wasi_mem_t *m, uint32_t ptr, uint64_t v) {
  uint8_t *p = scale__wasi_at(m, ptr, 8);
  if (!p) return false;
  scale__wasi_store64(p, v);
  return true;
}

/* ---- linking ------------------------------------------------------ */

typedef struct wasi_entry {
  const char *name;
  const char *params;
  const char *results;
  scale_host_fn_t fn;
} wasi_entry_t;

#define SCALE__WASI_ENTRY(name, params, res) {#name, params, res, scale__wasi_##name},
static const wasi_entry_t wasi_table[] = {SCALE__WASI_FUNCS(SCALE__WASI_ENTRY)};
#undef SCALE__WASI_ENTRY

static size_t kinds(const char *spec, scale_valkind_t *out) {
  size_t n = 0;
  for (; spec[n]; n++)
    out[n] = spec[n] == 'I' ? SCALE_I64 : SCALE_I32;
  return n;
}

scale_error_t *scale_linker_define_wasi(scale_linker_t *linker, scale_wasi_t *wasi) {
  if (!linker || !wasi) return scale_error_new("invalid argument: NULL linker or wasi context");
  for (size_t i = 0; i < sizeof wasi_table / sizeof wasi_table[0]; i++) {
    const wasi_entry_t *e = &wasi_table[i];
    scale_valkind_t params[16], results[1];
    size_t np = kinds(e->params, params), nr = kinds(e->results, results);
    scale_functype_t *type = scale_functype_new(params, np, results, nr);
    if (!type) return oom();
    scale_error_t *err =
        scale_linker_define_func(linker, "wasi_snapshot_preview1", e->name, type, e->fn, wasi);
    scale_functype_delete(type);
    if (err) return err;
  }
  return NULL;
}
