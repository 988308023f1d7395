/*
 * Chains: functions run in order as middleware, each call on fresh pooled
 * instances. One invocation of a function is the Scale ABI sequence
 * (reference section 1.3): resize(len) -> write the input -> run() ->
 * packed ptr<<32|len -> read the output, every guest pointer checked
 * against the memory's size before the host touches it.
 *
 * env.next is the one host function: it runs the next function of the
 * chain (or the host's callback after the last) synchronously, inside the
 * calling guest's Wasm call, on another instance in another store. The
 * frame of the function being run is kept in a thread-local stack, because
 * a pooled instance's host functions share one env pointer: the frame is
 * how env.next finds its call. A failure below a guest never unwinds
 * through it: it is handed to the guest as a Polyglot Error value.
 *
 * Never trust the guest: it may return any pointer, call next with any
 * buffer, or trap at any point; the instance is then discarded.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "function/function.h"
#include "runtime/runtime.h"
#include "scale/polyglot.h"

/* Inputs up to this size are copied through the C stack, not the heap. */
#define STACK_COPY 512

typedef struct link {
  scale_chain_t *chain;
  size_t index;
  scale_function_t *fn;
  scale_pool_t *pool;
} link_t;

struct scale_chain {
  scale_engine_t *engine;
  scale_chain_config_t cfg; /* env pointers cleared: the WASI context holds the copy */
  uint32_t max_pages;       /* effective memory cap per instance */
  scale_wasi_t *wasi;
  size_t count;
  link_t links[];
};

/* One scale_chain_run(). */
typedef struct call {
  scale_chain_t *chain;
  scale_next_fn_t next;
  void *next_env;
  uint64_t deadline_at;  /* CLOCK_MONOTONIC ns; 0 = none */
  scale_error_t *nested; /* first failure of a function below a guest, owned */
} call_t;

/* One function being run: its lease and where its exports are. */
typedef struct frame {
  call_t *call;
  link_t *link;
  scale_lease_t *lease;
  scale_store_t *store;
  scale_memory_t *mem;
  const scale_func_t *resize;
  scale_error_t *failure; /* why env.next made the guest trap, owned */
  struct frame *prev;
} frame_t;

static _Thread_local frame_t *current;

void scale_chain_config_default(scale_chain_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
}

void scale_bytes_free(scale_bytes_t *b) {
  if (!b) return;
  free(b->data);
  b->data = NULL;
  b->len = 0;
}

size_t scale_chain_count(const scale_chain_t *chain) {
  return chain->count;
}

scale_function_t *scale_chain_function(const scale_chain_t *chain, size_t i) {
  return i < chain->count ? chain->links[i].fn : NULL;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- errors --------------------------------------------------------- */

/* A trap of function @p fn during @p what ("run", "resize", ...) as an error; consumes @p trap. */
static scale_error_t *trap_error(const scale_function_t *fn, const char *what, scale_trap_t *trap) {
  scale_trap_code_t code = scale_trap_code(trap);
  int32_t status = 0;
  scale_error_t *e;
  switch (code) {
  case SCALE_TRAP_FUEL_EXHAUSTED:
  case SCALE_TRAP_DEADLINE:
  case SCALE_TRAP_MEMORY_LIMIT:
  case SCALE_TRAP_INTERRUPTED:
    e = scale__function_error(fn, NULL, SCALE_ERROR_LIMIT, "%s", scale_trap_message(trap));
    break;
  case SCALE_TRAP_EXIT:
    scale_trap_exit_status(trap, &status);
    e = scale__function_error(fn, what, SCALE_ERROR_TRAP, "exited with status %d", (int)status);
    break;
  default:
    e = scale__function_error(fn, what, SCALE_ERROR_TRAP, "trap: %s", scale_trap_message(trap));
    break;
  }
  scale_trap_delete(trap);
  return e;
}

/* If @p p starts with a complete Polyglot Error value, its message. */
static bool error_value(const uint8_t *p, size_t len, const char **msg, size_t *msg_len) {
  if (len == 0 || p[0] != SCALE_PG_ERROR) return false;
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, p, len);
  return scale_pg_get_error(&r, len, msg, msg_len) == SCALE_PG_OK;
}

/* ---- one invocation --------------------------------------------------- */

/* Give the frame's instance back; a failed one is discarded. */
static void leave(frame_t *f, bool reusable) {
  scale_error_delete(f->failure);
  f->failure = NULL;
  if (!f->lease) return;
  scale_pool_release(f->link->pool, f->lease, reusable);
  f->lease = NULL;
}

static scale_error_t *fail(frame_t *f, scale_error_t *e) {
  leave(f, false);
  return e;
}

/*
 * Ask the frame's guest for a buffer of @p len bytes (resize) and copy
 * @p src into it. @p src must not point into the frame's own memory.
 */
static scale_error_t *write_input(frame_t *f, const uint8_t *src, size_t len) {
  const scale_function_t *fn = f->link->fn;
  scale_raw_t slot = (uint32_t)len;
  scale_trap_t *trap = scale_func_call_raw(f->store, f->resize, &slot);
  if (trap) return trap_error(fn, "resize", trap);
  uint32_t ptr = (uint32_t)slot;
  size_t size = scale_memory_size(f->mem);
  if ((ptr == 0 && len > 0) || (uint64_t)ptr + len > size) {
    /* The guest could not grow its memory enough under the cap: the cap's doing. */
    uint64_t cap = (uint64_t)f->call->chain->max_pages * SCALE_PAGE_SIZE;
    if (size + len > cap)
      return scale__function_error(fn, NULL, SCALE_ERROR_LIMIT,
                                   "memory limit exceeded (resize(%zu) at %u pages)", len,
                                   scale_memory_pages(f->mem));
    return scale__function_error(fn, NULL, SCALE_ERROR_BAD_OUTPUT,
                                 "malformed output: resize(%zu) returned %u, outside memory of "
                                 "%zu bytes",
                                 len, ptr, size);
  }
  if (len) memcpy(scale_memory_data(f->mem) + ptr, src, len);
  return NULL;
}

/*
 * Run function @p index of the call on @p in. On success the frame holds
 * its lease and the output is *out_len bytes at *out in the instance's
 * memory, valid until leave(). On failure the lease is gone.
 */
static scale_error_t *enter(call_t *c, size_t index, const uint8_t *in, size_t len, frame_t *f,
                            const uint8_t **out, size_t *out_len) {
  scale_chain_t *ch = c->chain;
  link_t *l = &ch->links[index];
  const scale_function_t *fn = l->fn;
  memset(f, 0, sizeof *f);
  f->call = c;
  f->link = l;
  uint64_t remaining = 0;
  if (c->deadline_at) {
    uint64_t now = now_ns();
    if (now >= c->deadline_at)
      return scale__function_error(fn, NULL, SCALE_ERROR_LIMIT, "deadline exceeded");
    remaining = c->deadline_at - now;
  }
  scale_error_t *e = scale_pool_acquire(l->pool, &f->lease);
  if (e) {
    scale_error_t *w =
        scale__function_error(fn, NULL, SCALE_ERROR_GENERIC, "%s", scale_error_message(e));
    scale_error_delete(e);
    return w;
  }
  f->store = scale_lease_store(f->lease);
  scale_instance_t *inst = scale_lease_instance(f->lease);
  f->mem = inst->memories[fn->memory];
  f->resize = inst->funcs[fn->resize_func];
  const scale_func_t *run = inst->funcs[fn->run_func];
  /* Lowering the maximum is enough for both tiers: memory.grow reads it. */
  if (f->mem->max_pages > ch->max_pages) f->mem->max_pages = ch->max_pages;
  if (ch->cfg.fuel) scale_store_set_fuel(f->store, ch->cfg.fuel);
  if (remaining) scale_store_set_deadline(f->store, remaining);

  e = write_input(f, in, len);
  if (e) return fail(f, e);
  scale_raw_t slot = 0;
  f->prev = current;
  current = f;
  scale_trap_t *trap = scale_func_call_raw(f->store, run, &slot);
  current = f->prev;
  if (trap && f->failure) {
    /* env.next could not write back: report why, not the trap it raised. */
    scale_trap_delete(trap);
    scale_error_t *why = f->failure;
    f->failure = NULL;
    return fail(f, why);
  }
  if (trap) return fail(f, trap_error(fn, NULL, trap));
  if (slot == 0)
    return fail(f, scale__function_error(fn, NULL, SCALE_ERROR_BAD_OUTPUT,
                                         "failed to run function (run returned 0)"));
  uint32_t ptr = (uint32_t)(slot >> 32), n = (uint32_t)slot;
  size_t size = scale_memory_size(f->mem);
  if ((uint64_t)ptr + n > size)
    return fail(f, scale__function_error(fn, NULL, SCALE_ERROR_BAD_OUTPUT,
                                         "malformed output: %u bytes at %u, outside memory of "
                                         "%zu bytes",
                                         n, ptr, size));
  if (n > ch->cfg.max_bytes)
    return fail(f, scale__function_error(fn, NULL, SCALE_ERROR_BAD_OUTPUT,
                                         "malformed output: %u bytes, over the limit of %u", n,
                                         ch->cfg.max_bytes));
  *out = scale_memory_data(f->mem) + ptr;
  *out_len = n;
  return NULL;
}

/* ---- env.next ------------------------------------------------------- */

/*
 * A failure of env.next itself (the caller's resize trapped or returned a
 * bad buffer): kept in the frame so the call reports it, and a trap that
 * stops the guest. Consumes @p e; NULL passes through.
 */
static scale_trap_t *stop_guest(frame_t *f, scale_error_t *e) {
  if (!e) return NULL;
  scale_trap_t *t = scale_trap_new(scale_error_message(e));
  scale_error_delete(f->failure);
  f->failure = e;
  return t;
}

/* Hand @p e's message to the frame's guest as an Error value; consumes @p e. */
static scale_trap_t *write_error(frame_t *f, scale_error_t *e) {
  const char *msg = scale_error_message(e);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_error(&b, msg, strlen(msg));
  scale_error_t *w = scale_pg_buf_failed(&b) ? scale__error_new(-1, "out of memory")
                                             : write_input(f, b.data, b.len);
  scale_pg_buf_free(&b);
  scale_error_delete(e);
  return stop_guest(f, w);
}

static scale_trap_t *write_back(frame_t *f, const uint8_t *p, size_t len) {
  return stop_guest(f, write_input(f, p, len));
}

/* The host's end: the callback, or identity. @p in points into the caller's memory. */
static scale_trap_t *host_end(frame_t *f, const uint8_t *in, size_t len) {
  call_t *c = f->call;
  scale_bytes_t out = {NULL, 0};
  if (c->next) {
    scale_error_t *e = c->next(c->next_env, in, len, &out);
    if (e) {
      free(out.data);
      return write_error(f, e);
    }
  }
  if (out.data) {
    scale_trap_t *t = out.len > c->chain->cfg.max_bytes
                          ? write_error(f, scale__error_new(-1,
                                                            "next: %zu bytes, over the "
                                                            "limit of %u",
                                                            out.len, c->chain->cfg.max_bytes))
                          : write_back(f, out.data, out.len);
    free(out.data);
    return t;
  }
  /* Identity: the guest's resize may reuse the memory `in` points to, so copy first. */
  uint8_t small[STACK_COPY];
  uint8_t *copy = len <= sizeof small ? small : malloc(len);
  if (!copy) return stop_guest(f, scale__error_new(-1, "out of memory in next"));
  memcpy(copy, in, len);
  scale_trap_t *t = write_back(f, copy, len);
  if (copy != small) free(copy);
  return t;
}

static scale_trap_t *host_next(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  (void)nargs, (void)results, (void)nresults;
  frame_t *f = current;
  if (!f || f->link != env || scale_caller_store(caller) != f->store)
    return scale_trap_new("env.next called outside a chain call");
  call_t *c = f->call;
  scale_chain_t *ch = c->chain;
  uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
  if ((uint64_t)ptr + len > scale_memory_size(f->mem))
    return scale_trap_new("env.next: buffer outside the guest's memory");
  if (len > ch->cfg.max_bytes)
    return write_error(
        f, scale__error_new(-1, "next: %u bytes, over the limit of %u", len, ch->cfg.max_bytes));
  const uint8_t *in = scale_memory_data(f->mem) + ptr;
  size_t index = f->link->index;
  if (index + 1 == ch->count) return host_end(f, in, len);
  frame_t g;
  const uint8_t *out;
  size_t out_len;
  scale_error_t *e = enter(c, index + 1, in, len, &g, &out, &out_len);
  if (e) {
    /* Remember the real cause: if the guest returns it unchanged, the caller gets it. */
    if (!c->nested) {
      const char *m = scale_error_message(e);
      c->nested = scale__error_set_kind(scale__error_new(-1, "%s", m), scale_error_kind(e));
    }
    return write_error(f, e);
  }
  /* Straight from the callee's memory into the caller's: two stores, no overlap. */
  scale_trap_t *t = write_back(f, out, out_len);
  leave(&g, true);
  return t;
}

/* ---- chain ------------------------------------------------------------ */

/* A chain's pools run this on the template before its snapshot (see function.h). */
scale_error_t *scale_function_init_instance(void *env, scale_store_t *store, scale_instance_t *inst,
                                            scale_trap_t **trap) {
  (void)trap; /* a trap here becomes the function's error, naming the export */
  const scale_function_t *fn = env;
  if (!fn || !store || !inst) return scale__error_new(-1, "invalid argument: NULL");
  const uint32_t first[2] = {fn->start_func, fn->reactor_func};
  const char *names[2] = {"_start", "_initialize"};
  for (int i = 0; i < 2; i++) {
    if (first[i] == SCALE__FN_NONE) continue;
    scale_raw_t slot = 0;
    scale_trap_t *t = scale_func_call_raw(store, inst->funcs[first[i]], &slot);
    int32_t status = -1;
    if (t && scale_trap_exit_status(t, &status) && status == 0) {
      scale_trap_delete(t); /* a WASI command's main returned 0 */
      t = NULL;
    }
    if (t) return trap_error(fn, names[i], t);
  }
  if (fn->initialize_func == SCALE__FN_NONE) return NULL;
  scale_raw_t slot = 0;
  scale_trap_t *t = scale_func_call_raw(store, inst->funcs[fn->initialize_func], &slot);
  if (t) return trap_error(fn, "initialize", t);
  if (slot == 0) return NULL;
  scale_memory_t *mem = inst->memories[fn->memory];
  uint32_t ptr = (uint32_t)(slot >> 32), n = (uint32_t)slot;
  const char *msg;
  size_t msg_len;
  if ((uint64_t)ptr + n > scale_memory_size(mem) ||
      !error_value(scale_memory_data(mem) + ptr, n, &msg, &msg_len))
    return scale__function_error(fn, "initialize", SCALE_ERROR_BAD_OUTPUT,
                                 "malformed output: %u bytes at %u, not an Error value", n, ptr);
  return scale__function_error(fn, "initialize", SCALE_ERROR_GUEST, "guest error: %.*s",
                               (int)(msg_len > 400 ? 400 : msg_len), msg);
}

static bool env_key_ok(const char *k) {
  if (!k || !*k) return false;
  for (; *k; k++)
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
          *k == '_'))
      return false;
  return true;
}

static scale_error_t *make_wasi(scale_chain_t *ch, const scale_chain_config_t *cfg) {
  if (cfg->env_count > SCALE_CHAIN_MAX_ENV)
    return scale__error_new(-1, "chain config: env_count %zu over the limit of %u", cfg->env_count,
                            SCALE_CHAIN_MAX_ENV);
  if (cfg->env_count && !cfg->env)
    return scale__error_new(-1, "chain config: env is NULL with env_count %zu", cfg->env_count);
  ch->wasi = scale_wasi_new();
  if (!ch->wasi) return scale__error_new(-1, "out of memory");
  for (size_t i = 0; i < cfg->env_count; i++) {
    const char *k = cfg->env[2 * i], *v = cfg->env[2 * i + 1];
    if (!env_key_ok(k))
      return scale__error_new(-1, "chain config: environment key '%s' must match [A-Za-z0-9_]+",
                              k ? k : "(null)");
    if (!v) return scale__error_new(-1, "chain config: environment value of '%s' is NULL", k);
    scale_error_t *e = scale_wasi_add_env(ch->wasi, k, v);
    if (e) return e;
  }
  if (cfg->output) scale_wasi_set_output(ch->wasi, cfg->output, cfg->output_env);
  if (cfg->random_seed) scale_wasi_set_random_seed(ch->wasi, cfg->random_seed);
  return NULL;
}

static scale_error_t *make_pool(scale_chain_t *ch, link_t *l) {
  scale_function_t *fn = l->fn;
  if (ch->cfg.fuel && scale_module_tier(fn->module) == SCALE_TIER_AOT) {
    /* Build the metered code now rather than inside the first lease. */
    pthread_mutex_lock(&fn->compile_lock);
    scale_error_t *e = scale_module_compile_metered(fn->module);
    pthread_mutex_unlock(&fn->compile_lock);
    if (e) return e;
  }
  scale_linker_t *linker = scale_linker_new(ch->engine);
  if (!linker) return scale__error_new(-1, "out of memory");
  static const scale_valkind_t params[2] = {SCALE_I32, SCALE_I32};
  scale_functype_t *type = scale_functype_new(params, 2, NULL, 0);
  scale_error_t *e = type ? scale_linker_define_func(linker, "env", "next", type, host_next, l)
                          : scale__error_new(-1, "out of memory");
  scale_functype_delete(type);
  if (!e) e = scale_linker_define_wasi(linker, ch->wasi);
  if (!e) {
    scale_pool_config_t pc;
    scale_pool_config_default(&pc);
    if (ch->cfg.pool_max_idle) pc.max_idle = ch->cfg.pool_max_idle;
    pc.max_instances = ch->cfg.pool_max_instances;
    pc.init_fn = scale_function_init_instance;
    pc.init_env = fn;
    pc.metered = ch->cfg.fuel != 0;
    scale_trap_t *trap = NULL;
    e = scale_pool_new(linker, fn->module, &pc, &l->pool, &trap);
    if (!e && trap)
      e = trap_error(fn, "instantiate", trap);
    else if (e) {
      scale_error_t *w =
          scale__function_error(fn, NULL, scale_error_kind(e), "%s", scale_error_message(e));
      scale_error_delete(e);
      e = w;
    }
  }
  scale_linker_delete(linker);
  return e;
}

/* The initial memory of @p fn in pages, from its module. */
static uint32_t initial_pages(const scale_function_t *fn) {
  scale_externdesc_t d;
  size_t n = scale_module_export_count(fn->module);
  for (size_t i = 0; i < n; i++) {
    scale_module_export(fn->module, i, &d);
    if (d.kind == SCALE_EXTERN_MEMORY && d.name_len == 6 && memcmp(d.name, "memory", 6) == 0)
      return d.type.memory.limits.min;
  }
  return 0;
}

scale_error_t *scale_chain_new(scale_function_t *const *fns, size_t count,
                               const scale_chain_config_t *cfg, scale_chain_t **out) {
  if (!fns || !out) return scale__error_new(-1, "invalid argument: NULL functions or out");
  if (count == 0 || count > SCALE_CHAIN_MAX_FUNCTIONS)
    return scale__error_new(-1, "a chain has 1 to %u functions, got %zu", SCALE_CHAIN_MAX_FUNCTIONS,
                            count);
  for (size_t i = 0; i < count; i++) {
    if (!fns[i]) return scale__error_new(-1, "invalid argument: function %zu is NULL", i);
    if (fns[i]->engine != fns[0]->engine)
      return scale__error_new(-1, "functions of one chain must share an engine");
  }
  scale_chain_config_t c;
  scale_chain_config_default(&c);
  if (cfg) c = *cfg;
  scale_chain_t *ch = calloc(1, sizeof *ch + count * sizeof ch->links[0]);
  if (!ch) return scale__error_new(-1, "out of memory");
  ch->engine = fns[0]->engine;
  ch->count = count;
  ch->cfg = c;
  ch->cfg.env = NULL;
  ch->cfg.env_count = 0;
  if (!ch->cfg.max_bytes) ch->cfg.max_bytes = SCALE_CHAIN_DEFAULT_MAX_BYTES;
  uint32_t engine_cap = scale_engine_config(ch->engine)->max_memory_pages;
  ch->max_pages =
      c.max_memory_pages && c.max_memory_pages < engine_cap ? c.max_memory_pages : engine_cap;
  for (size_t i = 0; i < count; i++) {
    ch->links[i].chain = ch;
    ch->links[i].index = i;
    ch->links[i].fn = scale_function_ref(fns[i]);
  }
  scale_error_t *e = make_wasi(ch, &c);
  for (size_t i = 0; !e && i < count; i++) {
    if (initial_pages(fns[i]) > ch->max_pages)
      e = scale__function_error(fns[i], NULL, SCALE_ERROR_LIMIT,
                                "memory limit exceeded: initial memory of %u pages, the cap is %u",
                                initial_pages(fns[i]), ch->max_pages);
    else
      e = make_pool(ch, &ch->links[i]);
  }
  if (e) {
    scale_chain_delete(ch);
    return e;
  }
  *out = ch;
  return NULL;
}

void scale_chain_delete(scale_chain_t *chain) {
  if (!chain) return;
  for (size_t i = 0; i < chain->count; i++) {
    scale_pool_delete(chain->links[i].pool);
    scale_function_delete(chain->links[i].fn);
  }
  scale_wasi_delete(chain->wasi);
  free(chain);
}

scale_error_t *scale_chain_run_view(scale_chain_t *chain, const uint8_t *in, size_t len,
                                    scale_next_fn_t next, void *next_env, scale_output_fn_t take,
                                    void *take_env) {
  if (!chain || (!in && len) || !take)
    return scale__error_new(-1, "invalid argument: NULL chain, input or output callback");
  if (len > chain->cfg.max_bytes)
    return scale__error_new(-1, "input of %zu bytes is over the limit of %u", len,
                            chain->cfg.max_bytes);
  call_t c = {chain, next, next_env, 0, NULL};
  if (chain->cfg.deadline_ns) c.deadline_at = now_ns() + chain->cfg.deadline_ns;
  frame_t f;
  const uint8_t *res;
  size_t res_len;
  scale_error_t *e = enter(&c, 0, in ? in : (const uint8_t *)"", len, &f, &res, &res_len);
  if (!e) {
    const char *msg;
    size_t msg_len;
    if (error_value(res, res_len, &msg, &msg_len)) {
      const char *nm = c.nested ? scale_error_message(c.nested) : NULL;
      if (nm && strlen(nm) == msg_len && memcmp(nm, msg, msg_len) == 0) {
        e = c.nested; /* the guest passed a failure from further down the chain through */
        c.nested = NULL;
      } else {
        e = scale__function_error(chain->links[0].fn, NULL, SCALE_ERROR_GUEST, "guest error: %.*s",
                                  (int)(msg_len > 400 ? 400 : msg_len), msg);
      }
    } else {
      /* Still in the instance's memory: the lease is given back only after the callback. */
      e = take(take_env, res, res_len);
    }
    leave(&f, true);
  }
  scale_error_delete(c.nested);
  return e;
}

/* scale_chain_run's output callback: a malloc'd copy into the scale_bytes_t at @p env. */
static scale_error_t *take_copy(void *env, const uint8_t *data, size_t len) {
  scale_bytes_t *out = env;
  uint8_t *copy = len ? malloc(len) : NULL;
  if (len && !copy) return scale__error_new(-1, "out of memory");
  if (len) memcpy(copy, data, len);
  out->data = copy;
  out->len = len;
  return NULL;
}

scale_error_t *scale_chain_run(scale_chain_t *chain, const uint8_t *in, size_t len,
                               scale_next_fn_t next, void *next_env, scale_bytes_t *out) {
  if (!out) return scale__error_new(-1, "invalid argument: NULL out");
  return scale_chain_run_view(chain, in, len, next, next_env, take_copy, out);
}
