/*
 * Instance pools. A template instance is initialised once and snapshotted;
 * every pooled instance is a bare instantiation in a store of its own plus
 * a restore of that snapshot, and a released one is reset to it and kept
 * on an idle list. The pool's lock guards only the list and the counters:
 * instantiation, restore and reset run outside it, so threads using the
 * pool contend for microseconds at most.
 *
 * A pooled instance never outlives a failure: an instance whose reset
 * fails, or that its holder calls unreusable, is deleted with its store.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/linker.h"
#include "runtime/runtime.h"
#include "scale/pool.h"

#define DEFAULT_MAX_IDLE 16u

struct scale_lease {
  scale_lease_t *next; /* idle list */
  scale_store_t *store;
  scale_instance_t *instance;
};

struct scale_pool {
  pthread_mutex_t lock;
  scale_engine_t *engine;
  const scale_module_t *module;
  scale_linker_t *linker; /* private copy holding host functions only */
  scale__snapshot_t *snapshot;
  uint32_t max_idle;
  uint32_t max_instances; /* 0 = unlimited */
  bool metered;           /* instantiate with a fuel budget (AOT: the metered build) */
  /* Guarded by lock: */
  scale_lease_t *idle;
  _Atomic uint32_t idle_count; /* on the idle list; also read without the lock, as a hint */
  uint32_t live;               /* leased + idle + being released: every instance in existence */
};

void scale_pool_config_default(scale_pool_config_t *cfg) {
  cfg->max_idle = DEFAULT_MAX_IDLE;
  cfg->max_instances = 0;
  cfg->init_export = NULL;
  cfg->init_fn = NULL;
  cfg->init_env = NULL;
  cfg->metered = false;
}

/*
 * Copy the host function definitions of @p from. Anything else names an
 * object of one store, which instances in other stores cannot use.
 */
static scale_error_t *copy_linker(const scale_linker_t *from, scale_linker_t *to) {
  for (uint32_t b = 0; b < from->bucket_count; b++) {
    for (const struct scale__link *e = from->buckets[b]; e; e = e->next) {
      if (!e->is_host)
        return scale__error_new(-1,
                                "pool linker defines '%.*s' '%.*s' as an extern of a store: "
                                "pools take only host functions (scale_linker_define_func, "
                                "scale_linker_define_wasi)",
                                (int)e->module_len, e->names, (int)e->name_len,
                                e->names + e->module_len);
      char *names = malloc(e->module_len + e->name_len + 2);
      if (!names) return scale__error_new(-1, "out of memory");
      memcpy(names, e->names, e->module_len);
      names[e->module_len] = '\0';
      memcpy(names + e->module_len + 1, e->names + e->module_len, e->name_len);
      names[e->module_len + 1 + e->name_len] = '\0';
      scale_error_t *err =
          scale_linker_define_func(to, names, names + e->module_len + 1, e->type, e->fn, e->env);
      free(names);
      if (err) return err;
    }
  }
  return NULL;
}

/* Instantiate and initialise the template, and snapshot it. */
static scale_error_t *make_template(scale_pool_t *p, const scale_pool_config_t *c,
                                    scale_trap_t **trap) {
  const char *init_export = c->init_export;
  scale_store_t *store = scale_store_new(p->engine);
  if (!store) return scale__error_new(-1, "out of memory");
  scale_instance_t *inst = NULL;
  scale_error_t *e = scale_linker_instantiate(p->linker, store, p->module, &inst, trap);
  if (!e && !*trap && init_export) {
    scale_extern_t ext;
    if (!scale_instance_export(inst, init_export, &ext) || ext.kind != SCALE_EXTERN_FUNC)
      e = scale__error_new(-1, "pool init export '%s' is not an exported function", init_export);
    else if (ext.of.func->type->param_count || ext.of.func->type->result_count)
      e = scale__error_new(-1,
                           "pool init export '%s' must take no parameters and return no "
                           "results",
                           init_export);
    else
      e = scale_func_call(store, ext.of.func, NULL, 0, NULL, 0, trap);
  }
  if (!e && !*trap && c->init_fn) e = c->init_fn(c->init_env, store, inst, trap);
  if (!e && !*trap) e = scale__snapshot_take(inst, &p->snapshot);
  /* The snapshot refers to nothing in the template's store. */
  scale_store_delete(store);
  return e;
}

scale_error_t *scale_pool_new(scale_linker_t *linker, const scale_module_t *module,
                              const scale_pool_config_t *cfg, scale_pool_t **out,
                              scale_trap_t **trap) {
  *trap = NULL;
  if (!linker || !module || !out) return scale__error_new(-1, "invalid argument");
  if (linker->engine != module->engine)
    return scale__error_new(-1, "linker and module belong to different engines");
  scale_pool_config_t c;
  scale_pool_config_default(&c);
  if (cfg) c = *cfg;
  scale_pool_t *p = calloc(1, sizeof *p);
  if (!p) return scale__error_new(-1, "out of memory");
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p);
    return scale__error_new(-1, "cannot create the pool's lock");
  }
  p->engine = module->engine;
  p->module = module;
  p->max_idle = c.max_idle ? c.max_idle : DEFAULT_MAX_IDLE;
  p->max_instances = c.max_instances;
  p->linker = scale_linker_new(p->engine);
  scale_error_t *e =
      p->linker ? copy_linker(linker, p->linker) : scale__error_new(-1, "out of memory");
  p->metered = c.metered;
  if (!e) e = make_template(p, &c, trap);
  if (e || *trap) {
    scale_pool_delete(p);
    return e;
  }
  *out = p;
  return NULL;
}

static void lease_destroy(scale_lease_t *l) {
  scale_store_delete(l->store);
  free(l);
}

/* A new instance in a new store, in the snapshot's state. */
static scale_error_t *lease_create(scale_pool_t *p, scale_lease_t **out) {
  scale_lease_t *l = calloc(1, sizeof *l);
  if (!l) return scale__error_new(-1, "out of memory");
  l->store = scale_store_new(p->engine);
  if (!l->store) {
    free(l);
    return scale__error_new(-1, "out of memory");
  }
  /* Instantiation picks the AOT build by the store's fuel; acquire clears it again. */
  if (p->metered) scale_store_set_fuel(l->store, UINT64_MAX - 1);
  scale_error_t *e = scale__instantiate_bare(p->linker, l->store, p->module, &l->instance);
  if (!e) e = scale__snapshot_restore(p->snapshot, l->instance);
  if (e) {
    lease_destroy(l);
    return e;
  }
  *out = l;
  return NULL;
}

/*
 * Whatever the previous holder set on the store does not carry over. Its
 * deadline was cleared on release (a new store has none), so no watchdog
 * can set the interrupt any more: a plain store is enough.
 */
static void clear_limits(scale_store_t *s) {
  atomic_store_explicit(&s->exec.interrupt, SCALE__INTERRUPT_NONE, memory_order_relaxed);
  s->exec.fuel = UINT64_MAX;
}

scale_error_t *scale_pool_acquire(scale_pool_t *pool, scale_lease_t **out) {
  if (!pool || !out) return scale__error_new(-1, "invalid argument");
  pthread_mutex_lock(&pool->lock);
  scale_lease_t *l = pool->idle;
  if (l) {
    pool->idle = l->next;
    atomic_store_explicit(&pool->idle_count, pool->idle_count - 1, memory_order_relaxed);
  } else if (pool->max_instances && pool->live >= pool->max_instances) {
    uint32_t live = pool->live;
    pthread_mutex_unlock(&pool->lock);
    return scale__error_new(-1, "pool exhausted: %u instances exist, max_instances is %u", live,
                            pool->max_instances);
  } else {
    pool->live++; /* reserve the slot before creating outside the lock */
  }
  pthread_mutex_unlock(&pool->lock);
  if (!l) {
    scale_error_t *e = lease_create(pool, &l);
    if (e) {
      pthread_mutex_lock(&pool->lock);
      pool->live--;
      pthread_mutex_unlock(&pool->lock);
      return e;
    }
  }
  clear_limits(l->store);
  l->next = NULL;
  *out = l;
  return NULL;
}

scale_store_t *scale_lease_store(scale_lease_t *lease) {
  return lease->store;
}
scale_instance_t *scale_lease_instance(scale_lease_t *lease) {
  return lease->instance;
}

void scale_pool_release(scale_pool_t *pool, scale_lease_t *lease, bool reusable) {
  if (!pool || !lease) return;
  /*
   * One lock per release: the reset runs before it, on the word of an
   * unlocked look at the idle count. A full idle list skips the reset; a
   * stale look costs at most one wasted reset (the list filled meanwhile)
   * or one instance dropped that could have been kept.
   */
  bool keep =
      reusable && atomic_load_explicit(&pool->idle_count, memory_order_relaxed) < pool->max_idle;
  /* No deadline while idle or on a destroyed store (the watchdog drops the queued entry). */
  scale__deadline_clear(lease->store);
  if (keep) {
    scale_error_t *e = scale__snapshot_reset(pool->snapshot, lease->instance);
    if (e) {
      scale_error_delete(e);
      keep = false;
    }
  }
  pthread_mutex_lock(&pool->lock);
  if (keep && pool->idle_count < pool->max_idle) {
    lease->next = pool->idle;
    pool->idle = lease;
    atomic_store_explicit(&pool->idle_count, pool->idle_count + 1, memory_order_relaxed);
    lease = NULL;
  } else {
    pool->live--;
  }
  pthread_mutex_unlock(&pool->lock);
  if (lease) lease_destroy(lease);
}

void scale_pool_delete(scale_pool_t *pool) {
  if (!pool) return;
  scale_lease_t *l = pool->idle;
  while (l) {
    scale_lease_t *next = l->next;
    lease_destroy(l);
    l = next;
  }
  scale_linker_delete(pool->linker);
  scale__snapshot_delete(pool->snapshot);
  pthread_mutex_destroy(&pool->lock);
  free(pool);
}
