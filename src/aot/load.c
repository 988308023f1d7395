/*
 * Loading AOT objects and attaching them to instances, and mapping AOT
 * references (code pointer + wasm2c instance) back to function objects.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot/aot.h"

/*
 * The runtime's record of one AOT instance; wasm2c's instance struct
 * follows it, so a reference's env (the wasm2c instance) leads back here.
 */
struct scale_aot_ctx {
  scale_aot_link_t link; /* first: instance->Z_s_instance points here */
  scale_instance_t *instance;
  const scale__aot_module_t *module;
  alignas(16) unsigned char state[]; /* wasm2c's Z_m_instance_t */
};

/* Every loaded object, for mapping code pointers back (few; linear scan). */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static scale__aot_module_t **registry;
static size_t reg_len, reg_cap;

static int by_code_cmp(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)((const struct scale__aot_code_ix *)a)->code;
  uintptr_t y = (uintptr_t)((const struct scale__aot_code_ix *)b)->code;
  return x < y ? -1 : x > y;
}

scale_error_t *scale__aot_load(const wasm_module_t *m, const scale__aot_opts_t *opts,
                               scale__aot_module_t **out, bool *cache_hit) {
  char so[600], key[65];
  bool hit = false;
  scale_error_t *err = scale__aot_fetch(m, opts, so, sizeof so, key, &hit);
  if (err) return err;
  if (cache_hit) *cache_hit = hit;
  void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!h) return scale__error_new(-1, "AOT: cannot load %s: %s", so, dlerror());
  const scale_aot_desc_t *d = dlsym(h, SCALE_AOT_DESC_SYMBOL);
  if (!d || d->abi != SCALE_AOT_ABI || strcmp(d->key, key) != 0 ||
      d->func_count != wasm_module_total_funcs(m) ||
      d->import_func_count != m->imported_func_count) {
    dlclose(h);
    return scale__error_new(-1, "AOT: %s does not match its module (stale cache entry)", so);
  }
  scale__aot_module_t *am = calloc(1, sizeof *am);
  if (am) am->by_code = calloc(d->func_count + 1, sizeof *am->by_code);
  if (!am || !am->by_code) {
    if (am) free(am);
    dlclose(h);
    return scale__error_new(-1, "out of memory");
  }
  am->handle = h;
  am->desc = d;
  am->metered = opts->checks && opts->fuel;
  snprintf(am->path, sizeof am->path, "%s", so);
  d->bind(scale__aot_vt());
  for (uint32_t i = 0; i < d->func_count; i++)
    am->by_code[i] = (struct scale__aot_code_ix){d->code[i], i};
  am->by_code_len = d->func_count;
  qsort(am->by_code, am->by_code_len, sizeof *am->by_code, by_code_cmp);
  pthread_mutex_lock(&reg_lock);
  if (reg_len == reg_cap) {
    size_t cap = reg_cap ? reg_cap * 2 : 16;
    scale__aot_module_t **r = realloc(registry, cap * sizeof *r);
    if (r) {
      registry = r;
      reg_cap = cap;
    }
  }
  bool ok = reg_len < reg_cap;
  if (ok) registry[reg_len++] = am;
  pthread_mutex_unlock(&reg_lock);
  if (!ok) {
    scale__aot_unload(am);
    return scale__error_new(-1, "out of memory");
  }
  *out = am;
  return NULL;
}

void scale__aot_unload(scale__aot_module_t *am) {
  if (!am) return;
  pthread_mutex_lock(&reg_lock);
  for (size_t i = 0; i < reg_len; i++)
    if (registry[i] == am) {
      registry[i] = registry[--reg_len];
      break;
    }
  if (reg_len == 0) {
    free(registry);
    registry = NULL;
    reg_cap = 0;
  }
  pthread_mutex_unlock(&reg_lock);
  dlclose(am->handle);
  free(am->by_code);
  free(am);
}

scale_error_t *scale__aot_attach(scale_instance_t *inst, const scale__aot_module_t *am) {
  const scale_aot_desc_t *d = am->desc;
  struct scale_aot_ctx *ctx = scale__store_alloc(inst->store, sizeof *ctx + d->instance_size);
  if (!ctx) return scale__error_new(-1, "out of memory");
  ctx->link.self = &ctx->link;
  ctx->link.ctx = ctx;
  ctx->instance = inst;
  ctx->module = am;
  d->instantiate(ctx->state, &ctx->link);
  const wasm_module_t *w = inst->module->wasm;
  for (uint32_t i = 0; i < w->func_count; i++) {
    scale_func_t *f = inst->funcs[w->imported_func_count + i];
    f->aot_entry = d->entries[i];
    f->aot_instance = ctx->state;
    f->ref.fn = d->code[w->imported_func_count + i];
    f->ref.env = ctx->state;
  }
  return NULL;
}

/* The context a wasm2c instance pointer belongs to. */
static struct scale_aot_ctx *ctx_of_state(void *state) {
  return (struct scale_aot_ctx *)((unsigned char *)state - offsetof(struct scale_aot_ctx, state));
}

uint64_t scale__ref_to_slot_slow(const scale__ref_t *r) {
  const scale__aot_module_t *found = NULL;
  uint32_t func = 0;
  pthread_mutex_lock(&reg_lock);
  for (size_t i = 0; i < reg_len && !found; i++) {
    const scale__aot_module_t *am = registry[i];
    size_t lo = 0, hi = am->by_code_len;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      uintptr_t c = (uintptr_t)am->by_code[mid].code;
      if (c == (uintptr_t)r->fn) {
        found = am;
        func = am->by_code[mid].func;
        break;
      }
      if (c < (uintptr_t)r->fn)
        lo = mid + 1;
      else
        hi = mid;
    }
  }
  pthread_mutex_unlock(&reg_lock);
  if (!found) return 0;
  struct scale_aot_ctx *ctx;
  if (func < found->desc->import_func_count) {
    /* An import trampoline: env is the link record, or a pointer to it (see scale-aot.h). */
    scale_aot_link_t *link = *(scale_aot_link_t **)r->env;
    ctx = link->ctx;
  } else {
    ctx = ctx_of_state(r->env);
  }
  return (uint64_t)(uintptr_t)ctx->instance->funcs[func];
}

/* Accessors used by the services table (exec.c). */
scale_instance_t *scale__aot_ctx_instance(struct scale_aot_ctx *ctx);
scale_instance_t *scale__aot_ctx_instance(struct scale_aot_ctx *ctx) {
  return ctx->instance;
}
struct scale_aot_ctx *scale__aot_ctx_of_state(void *state);
struct scale_aot_ctx *scale__aot_ctx_of_state(void *state) {
  return ctx_of_state(state);
}
bool scale__aot_ctx_metered(struct scale_aot_ctx *ctx);
bool scale__aot_ctx_metered(struct scale_aot_ctx *ctx) {
  return ctx->module->metered;
}
