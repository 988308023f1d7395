/*
 * The engine: configuration and the registry of interned function types.
 * Interning makes type equality a pointer comparison, which is what
 * call_indirect and import matching need on their hot paths. The registry
 * only grows; types live until the engine is deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "util/hash.h"

void scale_config_default(scale_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->tier = SCALE_TIER_INTERP;
  cfg->max_memory_pages = 65536;
  cfg->max_call_depth = 10000;
  cfg->value_stack_slots = 1u << 20;
  cfg->max_table_elems = 10000000;
}

scale_error_t *scale_engine_new(const scale_config_t *cfg, scale_engine_t **out) {
  scale_config_t c;
  scale_config_default(&c);
  if (cfg) {
    c.tier = cfg->tier;
    if (cfg->max_memory_pages) c.max_memory_pages = cfg->max_memory_pages;
    if (cfg->max_call_depth) c.max_call_depth = cfg->max_call_depth;
    if (cfg->value_stack_slots) c.value_stack_slots = cfg->value_stack_slots;
    if (cfg->max_table_elems) c.max_table_elems = cfg->max_table_elems;
    c.aot_opt = cfg->aot_opt;
    c.aot_unchecked = cfg->aot_unchecked;
  }
  if (c.aot_opt > 3)
    return scale__error_new(-1, "invalid config: aot_opt %u is above 3", c.aot_opt);
  if (c.max_memory_pages > 65536)
    return scale__error_new(-1, "invalid config: max_memory_pages %u is above 65536",
                            c.max_memory_pages);
  if (c.tier != SCALE_TIER_INTERP && c.tier != SCALE_TIER_AOT && c.tier != SCALE_TIER_AUTO)
    return scale__error_new(-1, "invalid config: unknown tier %d", (int)c.tier);
  if (c.value_stack_slots < 1024)
    return scale__error_new(-1, "invalid config: value_stack_slots %u is below 1024",
                            c.value_stack_slots);
  scale_engine_t *e = calloc(1, sizeof *e);
  if (!e) return scale__error_new(-1, "out of memory");
  e->config = c;
  e->type_bucket_count = 256;
  e->type_buckets = calloc(e->type_bucket_count, sizeof *e->type_buckets);
  if (!e->type_buckets || pthread_mutex_init(&e->types_lock, NULL) != 0) {
    free(e->type_buckets);
    free(e);
    return scale__error_new(-1, "out of memory");
  }
  *out = e;
  return NULL;
}

void scale_engine_delete(scale_engine_t *engine) {
  if (!engine) return;
  for (uint32_t i = 0; i < engine->type_bucket_count; i++) {
    struct scale_functype *t = engine->type_buckets[i];
    while (t) {
      struct scale_functype *next = t->next_interned;
      free(t);
      t = next;
    }
  }
  free(engine->type_buckets);
  pthread_mutex_destroy(&engine->types_lock);
  free(engine);
}

const scale_config_t *scale_engine_config(const scale_engine_t *engine) {
  return &engine->config;
}

static uint32_t hash_type(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr) {
  /* The separator keeps (i32)->() and ()->(i32) apart. */
  uint32_t h = scale__fnv1a(SCALE_FNV_SEED ^ np ^ (nr << 16), params, np);
  h = scale__fnv1a(h, "\xff", 1);
  return scale__fnv1a(h, results, nr);
}

static bool same_type(const struct scale_functype *t, const uint8_t *params, uint32_t np,
                      const uint8_t *results, uint32_t nr) {
  return t->param_count == np && t->result_count == nr &&
         (np == 0 || memcmp(t->kinds, params, np) == 0) &&
         (nr == 0 || memcmp(t->kinds + np, results, nr) == 0);
}

static void grow_buckets(scale_engine_t *e) {
  uint32_t n = e->type_bucket_count * 2;
  struct scale_functype **b = calloc(n, sizeof *b);
  if (!b) return; /* keep the old table: still correct, only slower */
  for (uint32_t i = 0; i < e->type_bucket_count; i++) {
    struct scale_functype *t = e->type_buckets[i];
    while (t) {
      struct scale_functype *next = t->next_interned;
      t->next_interned = b[t->hash & (n - 1)];
      b[t->hash & (n - 1)] = t;
      t = next;
    }
  }
  free(e->type_buckets);
  e->type_buckets = b;
  e->type_bucket_count = n;
}

const scale_functype_t *scale__engine_intern(scale_engine_t *e, const uint8_t *params, uint32_t np,
                                             const uint8_t *results, uint32_t nr) {
  uint32_t h = hash_type(params, np, results, nr);
  pthread_mutex_lock(&e->types_lock);
  struct scale_functype *t = e->type_buckets[h & (e->type_bucket_count - 1)];
  for (; t; t = t->next_interned)
    if (t->hash == h && same_type(t, params, np, results, nr)) break;
  if (!t) {
    t = malloc(sizeof *t + (size_t)np + nr);
    if (t) {
      t->param_count = np;
      t->result_count = nr;
      t->hash = h;
      t->interned = true;
      if (np) memcpy(t->kinds, params, np);
      if (nr) memcpy(t->kinds + np, results, nr);
      t->id = scale__type_id(t->kinds, np, nr);
      if (t->id == 0) {
        free(t);
        pthread_mutex_unlock(&e->types_lock);
        return NULL;
      }
      if (e->type_count >= e->type_bucket_count * 2) grow_buckets(e);
      uint32_t b = h & (e->type_bucket_count - 1);
      t->next_interned = e->type_buckets[b];
      e->type_buckets[b] = t;
      e->type_count++;
    }
  }
  pthread_mutex_unlock(&e->types_lock);
  return t;
}

/* ---- public function types (not interned; owned by the caller) ------ */

static bool valid_kind(scale_valkind_t k) {
  return k == SCALE_I32 || k == SCALE_I64 || k == SCALE_F32 || k == SCALE_F64 ||
         k == SCALE_FUNCREF || k == SCALE_EXTERNREF;
}

scale_functype_t *scale_functype_new(const scale_valkind_t *params, size_t nparams,
                                     const scale_valkind_t *results, size_t nresults) {
  if (nparams > SCALE_MAX_FUNC_PARAMS || nresults > SCALE_MAX_FUNC_RESULTS) return NULL;
  for (size_t i = 0; i < nparams; i++)
    if (!valid_kind(params[i])) return NULL;
  for (size_t i = 0; i < nresults; i++)
    if (!valid_kind(results[i])) return NULL;
  struct scale_functype *t = calloc(1, sizeof *t + nparams + nresults);
  if (!t) return NULL;
  t->param_count = (uint32_t)nparams;
  t->result_count = (uint32_t)nresults;
  for (size_t i = 0; i < nparams; i++)
    t->kinds[i] = (uint8_t)params[i];
  for (size_t i = 0; i < nresults; i++)
    t->kinds[nparams + i] = (uint8_t)results[i];
  return t;
}

void scale_functype_delete(scale_functype_t *type) {
  if (type && !type->interned) free(type);
}

size_t scale_functype_param_count(const scale_functype_t *t) {
  return t->param_count;
}
size_t scale_functype_result_count(const scale_functype_t *t) {
  return t->result_count;
}
scale_valkind_t scale_functype_param(const scale_functype_t *t, size_t i) {
  return (scale_valkind_t)t->kinds[i];
}
scale_valkind_t scale_functype_result(const scale_functype_t *t, size_t i) {
  return (scale_valkind_t)t->kinds[t->param_count + i];
}
