/*
 * The prepared module must compute what the original computes. For each
 * hand-written module (tests/aot/wat, assembled by wat2wasm at build time):
 *  - instance A of the original is the reference;
 *  - instance B of the original supplies the state (its exports "f<i>",
 *    "t<i>", "m<i>", "g<i>" are exactly the prepared module's imports, and
 *    B's instantiation ran the segments and start function the runtime
 *    keeps for itself);
 *  - instance P of the prepared module (plus an export section the test
 *    adds, since the prepared module has none) imports "s" from B.
 * The same calls on A and on P must give the same results and traps, and
 * leave A's and B's memories and globals equal. With checks, a small fuel
 * value stops an infinite loop with `unreachable` and leaves the fuel
 * global negative, and stop = 1 traps at the first check; with stop-only
 * checks (no_fuel) the fuel global is never touched.
 *
 * usage: aot_semantic_test WASM_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "aot/prepare.h"
#include "scale.h"
#include "util/leb128.h"

/* ---- the "env" imports: fresh objects for every instance ---------- */

static scale_trap_t *host_add3(void *env, scale_caller_t *caller, const scale_val_t *args,
                               size_t nargs, scale_val_t *results, size_t nresults) {
  results[0] = scale_val_i32(args[0].of.i32 + 3);
  return NULL;
}

static scale_trap_t *host_const(void *env, scale_caller_t *caller, const scale_val_t *args,
                                size_t nargs, scale_val_t *results, size_t nresults) {
  results[0] = scale_val_i32((int32_t)(intptr_t)env);
  return NULL;
}

static void define(scale_linker_t *l, const char *name, scale_extern_t ext) {
  scale_error_t *e = scale_linker_define(l, "env", name, ext);
  CHECK(e == NULL);
  scale_error_delete(e);
}

static void define_env(scale_linker_t *l, scale_store_t *s) {
  scale_valkind_t i32 = SCALE_I32;
  scale_functype_t *i_i = scale_functype_new(&i32, 1, &i32, 1);
  scale_functype_t *v_i = scale_functype_new(NULL, 0, &i32, 1);
  CHECK(scale_linker_define_func(l, "env", "add3", i_i, host_add3, NULL) == NULL);
  CHECK(scale_linker_define_func(l, "env", "one", v_i, host_const, (void *)(intptr_t)1) == NULL);
  CHECK(scale_linker_define_func(l, "env", "seven", v_i, host_const, (void *)(intptr_t)7) == NULL);
  scale_functype_delete(i_i);
  scale_functype_delete(v_i);

  scale_extern_t ext;
  scale_globaltype_t gt = {SCALE_I32, false};
  ext.kind = SCALE_EXTERN_GLOBAL;
  CHECK(scale_global_new(s, &gt, scale_val_i32(5), &ext.of.global) == NULL);
  define(l, "gbase", ext);
  gt.mutable_ = true;
  CHECK(scale_global_new(s, &gt, scale_val_i32(3), &ext.of.global) == NULL);
  define(l, "gin", ext);
  scale_memorytype_t mt = {{1, 2, true}};
  ext.kind = SCALE_EXTERN_MEMORY;
  CHECK(scale_memory_new(s, &mt, &ext.of.memory) == NULL);
  define(l, "mem", ext);
  scale_tabletype_t tt = {SCALE_FUNCREF, {4, 0, false}};
  scale_val_t null = {.kind = SCALE_FUNCREF, .of.funcref = NULL};
  ext.kind = SCALE_EXTERN_TABLE;
  CHECK(scale_table_new(s, &tt, null, &ext.of.table) == NULL);
  define(l, "tab", ext);
}

/*
 * Modules live until the test ends: although scale_module_delete documents
 * that instances stay valid, the runtime still reads the module's exports
 * through the instance (scale_linker_define_instance), so deleting it early
 * is a use-after-free (reported to the runtime's owner).
 */
static scale_module_t *modules[16];
static size_t module_count;

static void delete_modules(void) {
  while (module_count)
    scale_module_delete(modules[--module_count]);
}

static scale_instance_t *instantiate(scale_engine_t *eng, scale_store_t *s, scale_linker_t *l,
                                     const uint8_t *bytes, size_t len) {
  scale_module_t *mod = NULL;
  scale_error_t *e = scale_module_new(eng, bytes, len, &mod);
  if (e) {
    fprintf(stderr, "module_new: %s\n", scale_error_message(e));
    scale_error_delete(e);
    CHECK(0);
    return NULL;
  }
  scale_instance_t *inst = NULL;
  scale_trap_t *trap = NULL;
  e = scale_linker_instantiate(l, s, mod, &inst, &trap);
  if (e || trap) {
    fprintf(stderr, "instantiate: %s\n", e ? scale_error_message(e) : scale_trap_message(trap));
    CHECK(0);
  }
  scale_error_delete(e);
  scale_trap_delete(trap);
  if (module_count < sizeof modules / sizeof *modules)
    modules[module_count++] = mod;
  else
    exit(2);
  return inst;
}

static scale_instance_t *original(scale_engine_t *eng, scale_store_t *s, const uint8_t *bytes,
                                  size_t len) {
  scale_linker_t *l = scale_linker_new(eng);
  define_env(l, s);
  scale_instance_t *inst = instantiate(eng, s, l, bytes, len);
  scale_linker_delete(l);
  return inst;
}

/* ---- the prepared module, with the original's function exports added --- */

static void put_u32(uint8_t **p, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    *(*p)++ = (uint8_t)(b | (v ? 0x80 : 0));
  } while (v);
}

/* Insert an export section (id 7) before the first section that must follow it. */
static uint8_t *with_exports(const wasm_module_t *m, const uint8_t *in, size_t len,
                             size_t *out_len) {
  size_t cap = 64;
  for (uint32_t i = 0; i < m->export_count; i++)
    cap += m->exports[i].name_len + 16;
  uint8_t *content = malloc(cap), *c = content;
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->export_count; i++)
    n += m->exports[i].kind == WASM_EXTERN_FUNC;
  put_u32(&c, n);
  for (uint32_t i = 0; i < m->export_count; i++) {
    const wasm_export_t *ex = &m->exports[i];
    if (ex->kind != WASM_EXTERN_FUNC) continue;
    put_u32(&c, ex->name_len);
    memcpy(c, ex->name, ex->name_len);
    c += ex->name_len;
    *c++ = WASM_EXTERN_FUNC;
    put_u32(&c, ex->index);
  }
  size_t clen = (size_t)(c - content);
  const uint8_t *q = in + 8, *end = in + len;
  while (q < end && *q != 9 && *q != 10 && *q != 11 && *q != 12) {
    const uint8_t *at = q + 1;
    uint32_t size = 0;
    if (scale__leb128_read_u32(&at, end, &size) != SCALE_LEB_OK) break;
    q = at + size;
  }
  size_t split = (size_t)(q - in);
  uint8_t *out = malloc(len + clen + 16), *o = out;
  memcpy(o, in, split);
  o += split;
  *o++ = 7;
  put_u32(&o, (uint32_t)clen);
  memcpy(o, content, clen);
  o += clen;
  memcpy(o, in + split, len - split);
  o += len - split;
  free(content);
  *out_len = (size_t)(o - out);
  return out;
}

/* ---- calls -------------------------------------------------------- */

typedef struct call {
  const char *name;
  size_t nargs;
  scale_val_t args[3];
} call_t;

static scale_func_t *export_func(scale_instance_t *inst, const char *name) {
  scale_extern_t ext;
  if (!scale_instance_export(inst, name, &ext) || ext.kind != SCALE_EXTERN_FUNC) return NULL;
  return ext.of.func;
}

static bool same_val(scale_val_t a, scale_val_t b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case SCALE_I32:
    return a.of.i32 == b.of.i32;
  case SCALE_I64:
    return a.of.i64 == b.of.i64;
  case SCALE_F32:
    return memcmp(&a.of.f32, &b.of.f32, sizeof a.of.f32) == 0;
  case SCALE_F64:
    return memcmp(&a.of.f64, &b.of.f64, sizeof a.of.f64) == 0;
  default:
    return true; /* references name different instances' objects */
  }
}

/* Run `c` on A and P; same results or same trap. Returns the trap code (0 = none). */
static int compare_call(scale_store_t *s, scale_instance_t *a, scale_instance_t *p,
                        const call_t *c) {
  scale_func_t *fa = export_func(a, c->name), *fp = export_func(p, c->name);
  CHECK(fa && fp);
  if (!fa || !fp) return -1;
  scale_val_t ra[2], rp[2];
  size_t nr = scale_functype_result_count(scale_func_type(fa));
  scale_trap_t *ta = NULL, *tp = NULL;
  scale_error_t *ea = scale_func_call(s, fa, c->args, c->nargs, ra, nr, &ta);
  scale_error_t *ep = scale_func_call(s, fp, c->args, c->nargs, rp, nr, &tp);
  CHECK(ea == NULL && ep == NULL);
  int code = tp ? (int)scale_trap_code(tp) : 0;
  if ((ta == NULL) != (tp == NULL) || (ta && scale_trap_code(ta) != scale_trap_code(tp))) {
    fprintf(stderr, "%s: original %s, prepared %s\n", c->name,
            ta ? scale_trap_message(ta) : "returns", tp ? scale_trap_message(tp) : "returns");
    CHECK(0);
  } else if (!ta && !ea && !ep) {
    for (size_t i = 0; i < nr; i++) {
      if (!same_val(ra[i], rp[i])) {
        fprintf(stderr, "%s: result %zu differs\n", c->name, i);
        CHECK(0);
      } else {
        passed++;
      }
    }
  }
  scale_error_delete(ea);
  scale_error_delete(ep);
  scale_trap_delete(ta);
  scale_trap_delete(tp);
  return code;
}

/* A's and B's exported memories and globals must be equal. */
static void compare_state(scale_instance_t *a, scale_instance_t *b) {
  for (int i = 0; i < 8; i++) {
    char name[8];
    scale_extern_t ea, eb;
    snprintf(name, sizeof name, "m%d", i);
    if (scale_instance_export(a, name, &ea) && scale_instance_export(b, name, &eb)) {
      size_t n = scale_memory_size(ea.of.memory);
      CHECK(n == scale_memory_size(eb.of.memory));
      CHECK(memcmp(scale_memory_data(ea.of.memory), scale_memory_data(eb.of.memory), n) == 0);
    }
    snprintf(name, sizeof name, "g%d", i);
    if (scale_instance_export(a, name, &ea) && scale_instance_export(b, name, &eb))
      CHECK(same_val(scale_global_get(ea.of.global), scale_global_get(eb.of.global)));
  }
}

typedef struct run {
  scale_store_t *store;
  scale_instance_t *a, *b, *p;
  scale_global_t *fuel, *stop;
  uint8_t *prepared;
} run_t;

static bool setup(scale_engine_t *eng, const uint8_t *bytes, size_t len,
                  const scale__prepare_opts_t *opts, run_t *r) {
  memset(r, 0, sizeof *r);
  wasm_module_t *m = NULL;
  wasm_diag_t diag;
  if (!wasm_module_decode(bytes, len, &m, &diag) || !wasm_module_validate(m, &diag)) {
    fprintf(stderr, "test module invalid: %s\n", diag.message);
    CHECK(0);
    wasm_module_free(m);
    return false;
  }
  uint8_t *out = NULL;
  size_t out_len = 0;
  char err[256];
  bool ok = scale__aot_prepare(m, bytes, len, opts, &out, &out_len, err, sizeof err);
  CHECK(ok);
  if (!ok) {
    wasm_module_free(m);
    return false;
  }
  size_t plen = 0;
  r->prepared = with_exports(m, out, out_len, &plen);
  free(out);
  wasm_module_free(m);

  r->store = scale_store_new(eng);
  r->a = original(eng, r->store, bytes, len);
  r->b = original(eng, r->store, bytes, len);
  if (!r->a || !r->b) return false;
  scale_linker_t *l = scale_linker_new(eng);
  CHECK(scale_linker_define_instance(l, "s", r->b) == NULL);
  { /* imported with or without checks */
    scale_globaltype_t ft = {SCALE_I64, true}, st = {SCALE_I32, true};
    scale_extern_t ext = {.kind = SCALE_EXTERN_GLOBAL};
    CHECK(scale_global_new(r->store, &ft, scale_val_i64(INT64_C(1) << 40), &r->fuel) == NULL);
    CHECK(scale_global_new(r->store, &st, scale_val_i32(0), &r->stop) == NULL);
    ext.of.global = r->fuel;
    CHECK(scale_linker_define(l, "s", "fuel", ext) == NULL);
    ext.of.global = r->stop;
    CHECK(scale_linker_define(l, "s", "stop", ext) == NULL);
  }
  r->p = instantiate(eng, r->store, l, r->prepared, plen);
  scale_linker_delete(l);
  return r->p != NULL;
}

static void teardown(run_t *r) {
  scale_store_delete(r->store); /* owns the instances and objects */
  delete_modules();
  free(r->prepared);
}

static const call_t sem_calls[] = {
    {"sum", 1, {{SCALE_I32, {.i32 = 100}}}},
    {"indirect", 2, {{SCALE_I32, {.i32 = 0}}, {SCALE_I32, {.i32 = 7}}}},
    {"indirect", 2, {{SCALE_I32, {.i32 = 1}}, {SCALE_I32, {.i32 = 6}}}},
    {"indirect", 2, {{SCALE_I32, {.i32 = 2}}, {SCALE_I32, {.i32 = 4}}}},
    {"indirect", 2, {{SCALE_I32, {.i32 = 3}}, {SCALE_I32, {.i32 = 4}}}}, /* null entry: traps */
    {"indirect", 2, {{SCALE_I32, {.i32 = 99}}, {SCALE_I32, {.i32 = 4}}}},
    {"late", 1, {{SCALE_I32, {.i32 = 6}}}},
    {"load", 1, {{SCALE_I32, {.i32 = 16}}}},
    {"load", 1, {{SCALE_I32, {.i32 = 65535}}}}, /* out of bounds */
    {"pinit", 1, {{SCALE_I32, {.i32 = 100}}}},
    {"bump", 0, {{0}}},
    {"bump", 0, {{0}}},
    {"host", 1, {{SCALE_I32, {.i32 = 4}}}},
    {"fac", 1, {{SCALE_I32, {.i32 = 10}}}},
    {"brt", 1, {{SCALE_I32, {.i32 = 0}}}},
    {"brt", 1, {{SCALE_I32, {.i32 = 1}}}},
    {"brt", 1, {{SCALE_I32, {.i32 = 2}}}},
    {"brt", 1, {{SCALE_I32, {.i32 = 9}}}},
    {"grow", 1, {{SCALE_I32, {.i32 = 1}}}},
    {"size", 0, {{0}}},
    {"load", 1, {{SCALE_I32, {.i32 = 65536 + 8}}}},
    {"reftest", 0, {{0}}},
    {"viaglobal", 1, {{SCALE_I32, {.i32 = 9}}}},
    {"nested", 1, {{SCALE_I32, {.i32 = 50}}}},
    {"fstuff", 1, {{SCALE_F64, {.f64 = 2.5}}}},
    {"big", 0, {{0}}},
    {"tset", 1, {{SCALE_EXTERNREF, {.externref = NULL}}}},
    {"fill", 3, {{SCALE_I32, {.i32 = 200}}, {SCALE_I32, {.i32 = 0x5a}}, {SCALE_I32, {.i32 = 9}}}},
    {"grow", 1, {{SCALE_I32, {.i32 = 5}}}}, /* past the maximum: -1 */
};

static const call_t imp_calls[] = {
    {"calc", 0, {{0}}},
    {"store", 1, {{SCALE_I32, {.i32 = 11}}}},
    {"calc", 0, {{0}}},
};

static void run_calls(scale_engine_t *eng, const uint8_t *bytes, size_t len,
                      const scale__prepare_opts_t *opts, const call_t *calls, size_t ncalls) {
  run_t r;
  if (setup(eng, bytes, len, opts, &r)) {
    for (size_t i = 0; i < ncalls; i++)
      compare_call(r.store, r.a, r.p, &calls[i]);
    compare_state(r.a, r.b);
    int64_t fuel = scale_global_get(r.fuel).of.i64;
    if (opts->checks && !opts->no_fuel) /* fuel was charged */
      CHECK(fuel < (INT64_C(1) << 40));
    else /* and only then */
      CHECK(fuel == (INT64_C(1) << 40));
  }
  teardown(&r);
}

static int call_trap(scale_store_t *s, scale_instance_t *inst, const char *name, scale_val_t arg,
                     size_t nargs) {
  scale_func_t *f = export_func(inst, name);
  CHECK(f != NULL);
  if (!f) return -1;
  scale_val_t res[1];
  scale_trap_t *trap = NULL;
  size_t nr = scale_functype_result_count(scale_func_type(f));
  scale_error_t *e = scale_func_call(s, f, &arg, nargs, res, nr, &trap);
  CHECK(e == NULL);
  int code = trap ? (int)scale_trap_code(trap) : 0;
  scale_error_delete(e);
  scale_trap_delete(trap);
  return code;
}

static void fuel_and_stop(scale_engine_t *eng, const uint8_t *bytes, size_t len) {
  run_t r;
  scale__prepare_opts_t opts = {.checks = true};
  if (setup(eng, bytes, len, &opts, &r)) {
    /* An infinite loop stops once the fuel runs out. */
    CHECK(scale_global_set(r.fuel, scale_val_i64(1000)) == NULL);
    CHECK(call_trap(r.store, r.p, "spin", scale_val_i32(0), 0) == SCALE_TRAP_UNREACHABLE);
    CHECK(scale_global_get(r.fuel).of.i64 < 0);
    CHECK(scale_global_get(r.stop).of.i32 == 0);

    /* Enough fuel: the same function with a finite loop runs to the end. */
    CHECK(scale_global_set(r.fuel, scale_val_i64(1000000)) == NULL);
    CHECK(call_trap(r.store, r.p, "sum", scale_val_i32(1000), 1) == 0);
    int64_t left = scale_global_get(r.fuel).of.i64;
    CHECK(left > 0 && left < 1000000 - 1000); /* at least one charge per iteration */

    /* Too little fuel for the same call. */
    CHECK(scale_global_set(r.fuel, scale_val_i64(500)) == NULL);
    CHECK(call_trap(r.store, r.p, "sum", scale_val_i32(1000), 1) == SCALE_TRAP_UNREACHABLE);
    CHECK(scale_global_get(r.fuel).of.i64 < 0);

    /* stop != 0 traps at the first check, whatever the fuel. */
    CHECK(scale_global_set(r.fuel, scale_val_i64(INT64_C(1) << 40)) == NULL);
    CHECK(scale_global_set(r.stop, scale_val_i32(1)) == NULL);
    CHECK(call_trap(r.store, r.p, "size", scale_val_i32(0), 0) == SCALE_TRAP_UNREACHABLE);
    int64_t f = scale_global_get(r.fuel).of.i64;
    CHECK(f < (INT64_C(1) << 40) && f > (INT64_C(1) << 40) - 16);
    CHECK(call_trap(r.store, r.p, "fac", scale_val_i32(5), 1) == SCALE_TRAP_UNREACHABLE);

    /* And nothing is wrong once stop is cleared. */
    CHECK(scale_global_set(r.stop, scale_val_i32(0)) == NULL);
    CHECK(call_trap(r.store, r.p, "fac", scale_val_i32(5), 1) == 0);
  }
  teardown(&r);

  /* Stop-only checks: fuel is never touched, stop still traps. */
  opts.no_fuel = true;
  if (setup(eng, bytes, len, &opts, &r)) {
    CHECK(scale_global_set(r.fuel, scale_val_i64(-5)) == NULL);
    CHECK(call_trap(r.store, r.p, "sum", scale_val_i32(1000), 1) == 0);
    CHECK(scale_global_get(r.fuel).of.i64 == -5);
    CHECK(scale_global_set(r.stop, scale_val_i32(1)) == NULL);
    /* loop headers check the flag; entries do not (the runtime stops those
     * through the stack limit, which this interpreted harness does not use) */
    CHECK(call_trap(r.store, r.p, "sum", scale_val_i32(1000), 1) == SCALE_TRAP_UNREACHABLE);
    CHECK(call_trap(r.store, r.p, "size", scale_val_i32(0), 0) == 0);
    CHECK(scale_global_get(r.fuel).of.i64 == -5);
  }
  teardown(&r);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: aot_semantic_test WASM_DIR\n");
    return 2;
  }
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_INTERP;
  scale_engine_t *eng = NULL;
  scale_error_t *e = scale_engine_new(&cfg, &eng);
  if (e) {
    fprintf(stderr, "engine: %s\n", scale_error_message(e));
    return 2;
  }
  size_t sem_len, imp_len;
  uint8_t *sem = check_read_file(argv[1], "sem.wasm", &sem_len);
  uint8_t *imp = check_read_file(argv[1], "imp.wasm", &imp_len);
  for (int v = 0; v < 3; v++) { /* no checks, checks, stop-only checks */
    scale__prepare_opts_t opts = {.checks = v >= 1, .no_fuel = v == 2};
    run_calls(eng, sem, sem_len, &opts, sem_calls, sizeof sem_calls / sizeof *sem_calls);
    run_calls(eng, imp, imp_len, &opts, imp_calls, sizeof imp_calls / sizeof *imp_calls);
  }
  fuel_and_stop(eng, sem, sem_len);
  free(sem);
  free(imp);
  scale_engine_delete(eng);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
