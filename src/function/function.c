/*
 * Loading a Scale function: tell a raw module from a .scale file, compile
 * the module once on the engine's tier, and check that it speaks the Scale
 * ABI (exports and imports) before any chain instantiates it, so a wrong
 * module is refused with a message naming what is missing rather than
 * failing at its first call.
 *
 * Nothing here runs guest code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "function/function.h"
#include "runtime/runtime.h"

static const uint8_t WASM_MAGIC[4] = {0x00, 'a', 's', 'm'};

scale_error_t *scale__function_error(const scale_function_t *fn, const char *what,
                                     scale_error_kind_t kind, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  scale_error_t *e = what ? scale__error_new(-1, "function '%s': %s: %s", fn->name, what, msg)
                          : scale__error_new(-1, "function '%s': %s", fn->name, msg);
  return scale__error_set_kind(e, kind);
}

/* "name:tag" with ":latest" added when the tag is missing; NULL when invalid. */
static char *normalise_name(const char *name, scale_error_t **err) {
  size_t n = strnlen(name, SCALE_FUNCTION_MAX_NAME + 1);
  if (n == 0 || n > SCALE_FUNCTION_MAX_NAME) {
    *err = scale__error_new(-1, "function name must be 1 to %u bytes", SCALE_FUNCTION_MAX_NAME);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x21 || c == 0x7f || c == '\'') {
      *err = scale__error_new(-1, "function name '%.*s' has a space, quote or control character",
                              (int)n, name);
      return NULL;
    }
  }
  const char *colon = memchr(name, ':', n);
  if (colon && (colon == name || colon == name + n - 1 ||
                memchr(colon + 1, ':', n - (size_t)(colon - name) - 1))) {
    *err = scale__error_new(-1, "function name '%s' is not 'name:tag'", name);
    return NULL;
  }
  size_t extra = colon ? 0 : strlen(":latest");
  char *s = malloc(n + extra + 1);
  if (!s) {
    *err = scale__error_new(-1, "out of memory");
    return NULL;
  }
  memcpy(s, name, n);
  memcpy(s + n, ":latest", extra);
  s[n + extra] = '\0';
  return s;
}

static bool name_is(const scale_externdesc_t *d, const char *name) {
  size_t n = strlen(name);
  return d->name_len == n && memcmp(d->name, name, n) == 0;
}

/* True if @p t is exactly (params) -> (results). */
static bool type_is(const scale_functype_t *t, const scale_valkind_t *params, size_t np,
                    const scale_valkind_t *results, size_t nr) {
  if (scale_functype_param_count(t) != np || scale_functype_result_count(t) != nr) return false;
  for (size_t i = 0; i < np; i++)
    if (scale_functype_param(t, i) != params[i]) return false;
  for (size_t i = 0; i < nr; i++)
    if (scale_functype_result(t, i) != results[i]) return false;
  return true;
}

static const scale_valkind_t I32[1] = {SCALE_I32};
static const scale_valkind_t I64[1] = {SCALE_I64};
static const scale_valkind_t I32_I32[2] = {SCALE_I32, SCALE_I32};

/* Check one function export's type and record its index. */
static scale_error_t *take_export(scale_function_t *fn, const scale_externdesc_t *d, uint32_t index,
                                  uint32_t *slot, const char *sig, const scale_valkind_t *p,
                                  size_t np, const scale_valkind_t *r, size_t nr) {
  if (d->kind != SCALE_EXTERN_FUNC || !type_is(d->type.func, p, np, r, nr))
    return scale__function_error(fn, NULL, SCALE_ERROR_GENERIC,
                                 "export '%.*s' must be a function %s", (int)d->name_len, d->name,
                                 sig);
  *slot = index;
  return NULL;
}

/* The Scale ABI: required and optional exports with their types, allowed imports. */
static scale_error_t *check_abi(scale_function_t *fn) {
  const scale_module_t *m = fn->module;
  const wasm_module_t *w = m->wasm;
  size_t n = scale_module_export_count(m);
  bool have_memory = false;
  for (size_t i = 0; i < n; i++) {
    scale_externdesc_t d;
    scale_module_export(m, i, &d);
    uint32_t index = w->exports[i].index;
    scale_error_t *e = NULL;
    if (name_is(&d, "resize"))
      e = take_export(fn, &d, index, &fn->resize_func, "(i32) -> (i32)", I32, 1, I32, 1);
    else if (name_is(&d, "run"))
      e = take_export(fn, &d, index, &fn->run_func, "() -> (i64)", NULL, 0, I64, 1);
    else if (name_is(&d, "initialize"))
      e = take_export(fn, &d, index, &fn->initialize_func, "() -> (i64)", NULL, 0, I64, 1);
    else if (name_is(&d, "hash"))
      e = take_export(fn, &d, index, &fn->hash_func, "() -> (i64)", NULL, 0, I64, 1);
    else if (name_is(&d, "_start"))
      e = take_export(fn, &d, index, &fn->start_func, "() -> ()", NULL, 0, NULL, 0);
    else if (name_is(&d, "_initialize"))
      e = take_export(fn, &d, index, &fn->reactor_func, "() -> ()", NULL, 0, NULL, 0);
    else if (name_is(&d, "memory")) {
      if (d.kind != SCALE_EXTERN_MEMORY)
        e = scale__function_error(fn, NULL, SCALE_ERROR_GENERIC, "export 'memory' is not a memory");
      fn->memory = index;
      have_memory = true;
    }
    if (e) return e;
  }
  const char *missing = fn->resize_func == SCALE__FN_NONE ? "resize"
                        : fn->run_func == SCALE__FN_NONE  ? "run"
                        : !have_memory                    ? "memory"
                                                          : NULL;
  if (missing)
    return scale__function_error(fn, NULL, SCALE_ERROR_GENERIC,
                                 "missing export '%s' (a Scale function exports memory, "
                                 "resize and run)",
                                 missing);
  size_t ni = scale_module_import_count(m);
  for (size_t i = 0; i < ni; i++) {
    scale_externdesc_t d;
    scale_module_import(m, i, &d);
    bool wasi = d.module_len == 22 && memcmp(d.module, "wasi_snapshot_preview1", 22) == 0;
    bool env = d.module_len == 3 && memcmp(d.module, "env", 3) == 0;
    if (d.kind != SCALE_EXTERN_FUNC || !(wasi || env))
      return scale__function_error(fn, NULL, SCALE_ERROR_GENERIC,
                                   "unsupported import '%.*s' '%.*s' (a Scale function imports "
                                   "only env.next and WASI functions)",
                                   (int)d.module_len, d.module, (int)d.name_len, d.name);
    if (env && !(name_is(&d, "next") && type_is(d.type.func, I32_I32, 2, NULL, 0)))
      return scale__function_error(fn, NULL, SCALE_ERROR_GENERIC,
                                   "unsupported import 'env' '%.*s' (only next (i32 i32) -> () "
                                   "is provided)",
                                   (int)d.name_len, d.name);
  }
  return NULL;
}

static void function_free(scale_function_t *fn) {
  if (!fn) return;
  scale_module_delete(fn->module);
  pthread_mutex_destroy(&fn->compile_lock);
  free(fn->name);
  free(fn->sig_hash);
  free(fn->sig_schema);
  free(fn);
}

scale_error_t *scale__function_from_module(scale_engine_t *engine, const uint8_t *wasm, size_t len,
                                           char *name, char *sig_hash, scale_function_t **out) {
  scale_function_t *fn = calloc(1, sizeof *fn);
  if (!fn) {
    free(name);
    free(sig_hash);
    return scale__error_new(-1, "out of memory");
  }
  atomic_init(&fn->refs, 1);
  fn->engine = engine;
  fn->name = name;
  fn->sig_hash = sig_hash;
  fn->resize_func = fn->run_func = fn->memory = SCALE__FN_NONE;
  fn->initialize_func = fn->hash_func = fn->start_func = fn->reactor_func = SCALE__FN_NONE;
  pthread_mutex_init(&fn->compile_lock, NULL);
  scale_error_t *e = scale_module_new(engine, wasm, len, &fn->module);
  if (e) {
    scale_error_t *w =
        scale__function_error(fn, NULL, SCALE_ERROR_GENERIC, "%s (at byte %lld)",
                              scale_error_message(e), (long long)scale_error_offset(e));
    scale_error_delete(e);
    function_free(fn);
    return w;
  }
  e = check_abi(fn);
  if (e) {
    function_free(fn);
    return e;
  }
  *out = fn;
  return NULL;
}

scale_error_t *scale_function_new(scale_engine_t *engine, const uint8_t *bytes, size_t len,
                                  const char *name, scale_function_t **out) {
  if (!engine || (!bytes && len) || !out)
    return scale__error_new(-1, "invalid argument: NULL engine, bytes or out");
  if (len >= 4 && memcmp(bytes, WASM_MAGIC, 4) == 0) {
    scale_error_t *e = NULL;
    char *n = normalise_name(name ? name : "function:latest", &e);
    if (!n) return e;
    return scale__function_from_module(engine, bytes, len, n, NULL, out);
  }
  return scale__function_from_scalefile(engine, bytes, len, name, out);
}

/* The file name without directories and extension, or "function". */
static void base_name(const char *path, char *buf, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t n = strcspn(b, ".");
  if (n == 0) b = "function", n = strlen(b);
  if (n >= cap) n = cap - 1;
  memcpy(buf, b, n);
  buf[n] = '\0';
}

scale_error_t *scale_function_load(scale_engine_t *engine, const char *path, const char *name,
                                   scale_function_t **out) {
  if (!path) return scale__error_new(-1, "invalid argument: NULL path");
  FILE *f = fopen(path, "rb");
  if (!f) return scale__error_new(-1, "cannot open '%s': %s", path, strerror(errno));
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  scale_error_t *e = NULL;
  for (;;) {
    if (len == cap) {
      if (cap >= SCALE_MAX_MODULE_BYTES) {
        e = scale__error_new(-1, "cannot load '%s': larger than %u bytes", path,
                             SCALE_MAX_MODULE_BYTES);
        break;
      }
      cap = cap ? cap * 2 : 64 * 1024;
      uint8_t *nb = realloc(buf, cap + 1);
      if (!nb) {
        e = scale__error_new(-1, "out of memory");
        break;
      }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) e = scale__error_new(-1, "cannot read '%s': %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (!e) {
    char defname[SCALE_FUNCTION_MAX_NAME];
    if (!name && len >= 4 && memcmp(buf, WASM_MAGIC, 4) == 0) {
      base_name(path, defname, sizeof defname);
      name = defname;
    }
    e = scale_function_new(engine, buf, len, name, out);
  }
  free(buf);
  return e;
}

scale_function_t *scale_function_ref(scale_function_t *fn) {
  if (fn) atomic_fetch_add_explicit(&fn->refs, 1, memory_order_relaxed);
  return fn;
}

void scale_function_delete(scale_function_t *fn) {
  if (!fn) return;
  if (atomic_fetch_sub_explicit(&fn->refs, 1, memory_order_acq_rel) == 1) function_free(fn);
}

const char *scale_function_name(const scale_function_t *fn) {
  return fn->name;
}
const scale_module_t *scale_function_module(const scale_function_t *fn) {
  return fn->module;
}
bool scale_function_has_initialize(const scale_function_t *fn) {
  return fn->initialize_func != SCALE__FN_NONE;
}
const char *scale_function_signature_hash(const scale_function_t *fn) {
  return fn->sig_hash;
}
const char *scale_function_signature_schema(const scale_function_t *fn, size_t *len) {
  if (len) *len = fn->sig_schema_len;
  return (const char *)fn->sig_schema;
}
