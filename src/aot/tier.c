/*
 * Tiering: when a module gets AOT code, and what happens when it cannot.
 * Instances pick the tier when they are created: an instance made before
 * a background build finishes stays on the interpreter for its lifetime,
 * which keeps a running call from switching code under its feet.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "aot/aot.h"
#include "aot/tier.h"

struct scale__aot_job {
  pthread_t thread;
  scale_module_t *module;
  scale_error_t *error; /* why the build failed, if it did */
};

static atomic_bool warned;

static void warn_once(const scale_error_t *e) {
  if (atomic_exchange(&warned, true)) return;
  fprintf(stderr, "scale: warning: the AOT tier is unavailable, running on the interpreter: %s\n",
          scale_error_message(e));
}

static scale__aot_opts_t opts_of(const scale_engine_t *e, bool fuel) {
  scale__aot_opts_t o;
  o.checks = !e->config.aot_unchecked || fuel;
  o.fuel = fuel;
  o.opt_level = e->config.aot_opt == 0 ? 2 : e->config.aot_opt == 1 ? 0 : (int)e->config.aot_opt;
  return o;
}

static scale_error_t *build_variant(scale_module_t *m, bool fuel) {
  scale__aot_opts_t o = opts_of(m->engine, fuel);
  scale__aot_module_t *am = NULL;
  scale_error_t *e = scale__aot_load(m->wasm, &o, &am, NULL);
  if (e) return e;
  scale__aot_module_t *none = NULL;
  struct scale__aot_module *_Atomic *slot = fuel ? &m->aot_metered : &m->aot;
  if (!atomic_compare_exchange_strong(slot, &none, am)) scale__aot_unload(am); /* lost a race */
  return NULL;
}

static scale_error_t *compile_now(scale_module_t *m) {
  return build_variant(m, false);
}

static void *background(void *arg) {
  struct scale__aot_job *job = arg;
  job->error = compile_now(job->module);
  if (job->error) warn_once(job->error);
  return NULL;
}

void scale__tier_module_created(scale_module_t *m) {
  scale_tier_t tier = m->engine->config.tier;
  if (tier == SCALE_TIER_AOT) {
    scale_error_t *e = compile_now(m);
    if (e) {
      warn_once(e);
      scale_error_delete(e);
    }
  } else if (tier == SCALE_TIER_AUTO) {
    struct scale__aot_job *job = calloc(1, sizeof *job);
    if (!job) return; /* stays on the interpreter */
    job->module = m;
    if (pthread_create(&job->thread, NULL, background, job) != 0) {
      free(job);
      return;
    }
    m->aot_job = job;
  }
}

void scale__tier_module_deleting(scale_module_t *m) {
  if (m->aot_job) {
    pthread_join(m->aot_job->thread, NULL);
    scale_error_delete(m->aot_job->error);
    free(m->aot_job);
    m->aot_job = NULL;
  }
  scale__aot_module_t *am = atomic_load(&m->aot);
  if (am) scale__aot_unload(am);
  atomic_store(&m->aot, NULL);
  am = atomic_load(&m->aot_metered);
  if (am) scale__aot_unload(am);
  atomic_store(&m->aot_metered, NULL);
}

/*
 * Instances of a store with a fuel budget get the metered build (made now
 * if needed: metering costs about a third more time in call-heavy code, so
 * it is not the default). Should that build fail, the instance stays on the
 * interpreter, which always meters.
 */
scale_error_t *scale__tier_attach(scale_instance_t *inst) {
  scale_module_t *m = (scale_module_t *)inst->module;
  scale__aot_module_t *am = atomic_load(&m->aot);
  if (!am) return NULL;
  if (inst->store->exec.fuel != UINT64_MAX) {
    if (!atomic_load(&m->aot_metered)) {
      scale_error_t *e = build_variant(m, true);
      if (e) {
        warn_once(e);
        scale_error_delete(e);
        return NULL;
      }
    }
    am = atomic_load(&m->aot_metered);
  }
  return scale__aot_attach(inst, am);
}

/* ---- public ----------------------------------------------------------- */

scale_tier_t scale_module_tier(const scale_module_t *m) {
  return atomic_load(&((scale_module_t *)m)->aot) ? SCALE_TIER_AOT : SCALE_TIER_INTERP;
}

scale_error_t *scale_module_compile(scale_module_t *m) {
  if (!m) return scale__error_new(-1, "invalid argument: NULL module");
  if (m->aot_job) {
    pthread_join(m->aot_job->thread, NULL);
    scale_error_t *e = m->aot_job->error;
    free(m->aot_job);
    m->aot_job = NULL;
    if (e) return e;
  }
  if (atomic_load(&m->aot)) return NULL;
  return compile_now(m);
}

scale_error_t *scale_module_compile_metered(scale_module_t *m) {
  if (!m) return scale__error_new(-1, "invalid argument: NULL module");
  if (atomic_load(&m->aot_metered)) return NULL;
  return build_variant(m, true);
}
