/*
 * The linker: a hash table from (module, name) to what satisfies an import
 * of that name — an existing extern or a host function definition that is
 * materialised in whichever store the module is instantiated into.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/linker.h"
#include "util/hash.h"

static uint32_t hash_name(const char *mod, size_t mod_len, const char *name, size_t name_len) {
  uint32_t h = scale__fnv1a(SCALE_FNV_SEED, mod, mod_len);
  h = scale__fnv1a(h, "\x1f", 1); /* "ab"+"c" and "a"+"bc" differ */
  return scale__fnv1a(h, name, name_len);
}

scale_linker_t *scale_linker_new(scale_engine_t *engine) {
  scale_linker_t *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->engine = engine;
  l->bucket_count = 64;
  l->buckets = calloc(l->bucket_count, sizeof *l->buckets);
  if (!l->buckets) {
    free(l);
    return NULL;
  }
  return l;
}

void scale_linker_delete(scale_linker_t *l) {
  if (!l) return;
  for (uint32_t i = 0; i < l->bucket_count; i++) {
    struct scale__link *e = l->buckets[i];
    while (e) {
      struct scale__link *next = e->next;
      free(e);
      e = next;
    }
  }
  free(l->buckets);
  free(l);
}

const struct scale__link *scale__linker_find(const scale_linker_t *l, const char *mod,
                                             size_t mod_len, const char *name, size_t name_len) {
  uint32_t h = hash_name(mod, mod_len, name, name_len);
  for (const struct scale__link *e = l->buckets[h & (l->bucket_count - 1)]; e; e = e->next)
    if (e->hash == h && e->module_len == mod_len && e->name_len == name_len &&
        memcmp(e->names, mod, mod_len) == 0 && memcmp(e->names + mod_len, name, name_len) == 0)
      return e;
  return NULL;
}

static void rehash(scale_linker_t *l) {
  uint32_t n = l->bucket_count * 2;
  struct scale__link **b = calloc(n, sizeof *b);
  if (!b) return;
  for (uint32_t i = 0; i < l->bucket_count; i++) {
    struct scale__link *e = l->buckets[i];
    while (e) {
      struct scale__link *next = e->next;
      e->next = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
      e = next;
    }
  }
  free(l->buckets);
  l->buckets = b;
  l->bucket_count = n;
}

/*
 * Add an entry. Redefinition is an error: silently shadowing an import
 * would make which function a guest gets depend on definition order.
 * Re-registering a module name (spec tests register several instances
 * under one name) replaces the old entry instead: `replace` says which.
 */
static scale_error_t *add(scale_linker_t *l, const char *mod, size_t mod_len, const char *name,
                          size_t name_len, const struct scale__link *proto, bool replace) {
  if (mod_len > SCALE_MAX_NAME_BYTES || name_len > SCALE_MAX_NAME_BYTES)
    return scale__error_new(-1, "import name is too long");
  struct scale__link *old =
      (struct scale__link *)scale__linker_find(l, mod, mod_len, name, name_len);
  if (old) {
    if (!replace)
      return scale__error_new(-1, "'%.*s.%.*s' is already defined", (int)mod_len, mod,
                              (int)name_len, name);
    old->is_host = proto->is_host;
    old->ext = proto->ext;
    old->type = proto->type;
    old->fn = proto->fn;
    old->env = proto->env;
    return NULL;
  }
  struct scale__link *e = malloc(sizeof *e + mod_len + name_len);
  if (!e) return scale__error_new(-1, "out of memory");
  *e = *proto;
  e->hash = hash_name(mod, mod_len, name, name_len);
  e->module_len = mod_len;
  e->name_len = name_len;
  memcpy(e->names, mod, mod_len);
  memcpy(e->names + mod_len, name, name_len);
  if (l->count >= l->bucket_count) rehash(l);
  uint32_t b = e->hash & (l->bucket_count - 1);
  e->next = l->buckets[b];
  l->buckets[b] = e;
  l->count++;
  return NULL;
}

scale_error_t *scale_linker_define_func(scale_linker_t *l, const char *module, const char *name,
                                        const scale_functype_t *type, scale_host_fn_t fn,
                                        void *env) {
  if (!module || !name || !type || !fn) return scale__error_new(-1, "invalid argument");
  struct scale__link p;
  memset(&p, 0, sizeof p);
  p.is_host = true;
  p.type = scale__engine_intern(l->engine, type->kinds, type->param_count,
                                type->kinds + type->param_count, type->result_count);
  if (!p.type) return scale__error_new(-1, "out of memory");
  p.fn = fn;
  p.env = env;
  return add(l, module, strlen(module), name, strlen(name), &p, false);
}

scale_error_t *scale_linker_define(scale_linker_t *l, const char *module, const char *name,
                                   scale_extern_t ext) {
  if (!module || !name) return scale__error_new(-1, "invalid argument");
  struct scale__link p;
  memset(&p, 0, sizeof p);
  p.ext = ext;
  return add(l, module, strlen(module), name, strlen(name), &p, false);
}

scale_error_t *scale_linker_define_instance(scale_linker_t *l, const char *module,
                                            scale_instance_t *instance) {
  if (!module || !instance) return scale__error_new(-1, "invalid argument");
  const wasm_module_t *w = instance->module->wasm;
  for (uint32_t i = 0; i < w->export_count; i++) {
    const wasm_export_t *ex = &w->exports[i];
    struct scale__link p;
    memset(&p, 0, sizeof p);
    if (!scale_instance_export_n(instance, ex->name, ex->name_len, &p.ext))
      return scale__error_new(-1, "internal error: export vanished");
    scale_error_t *e = add(l, module, strlen(module), ex->name, ex->name_len, &p, true);
    if (e) return e;
  }
  return NULL;
}
