/*
 * libFuzzer target: differential test of the two tiers. A valid module
 * without imports is instantiated twice, once interpreted and once compiled
 * to native code (wasm2c + cc, through the AOT cache), and every exported
 * function is called on both with the same arguments (taken from the
 * input's last bytes). Results, trap kinds, globals and the contents of
 * memory 0 must agree. Fuel bounds each call; as the tiers count fuel at
 * different places, a call that runs out of fuel on either tier ends the
 * comparison of that input (everything before it was still compared).
 * Slow by nature (two C compiles per new module, metered and not): run it
 * with a long -timeout. Inputs over DIFF_MAX_BYTES are skipped: compile time
 * grows with the code, a mutated 27 KiB spec module took over 10 s to
 * compile twice on a loaded CI machine (a "timeout" that is no bug), and
 * large modules run on both tiers in the spec suite anyway.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIFF_FUEL 200000u
#define DIFF_MAX_CALLS 32u
#define DIFF_MAX_BYTES 12288u

static scale_engine_t *engine;

typedef struct side {
  scale_store_t *store;
  scale_instance_t *inst;
} side_t;

static bool side_open(side_t *s, scale_module_t *m, scale_trap_t **trap) {
  s->store = scale_store_new(engine);
  scale_linker_t *l = scale_linker_new(engine);
  scale_store_set_fuel(s->store, DIFF_FUEL);
  scale_error_t *err = s->store && l ? scale_linker_instantiate(l, s->store, m, &s->inst, trap)
                                     : scale_error_new("out of memory");
  scale_linker_delete(l);
  bool ok = !err;
  scale_error_delete(err);
  return ok;
}

static uint64_t arg_bits(const uint8_t *data, size_t size, size_t k) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && size; i++)
    v = v << 8 | data[(k * 8 + i) % size];
  return v;
}

static scale_val_t make_arg(scale_valkind_t kind, uint64_t bits) {
  scale_val_t v;
  memset(&v, 0, sizeof v);
  v.kind = kind;
  switch (kind) {
  case SCALE_I32:
    v.of.i32 = (int32_t)(uint32_t)bits;
    break;
  case SCALE_I64:
    v.of.i64 = (int64_t)bits;
    break;
  case SCALE_F32: {
    uint32_t b = (uint32_t)bits;
    memcpy(&v.of.f32, &b, 4);
    break;
  }
  case SCALE_F64:
    memcpy(&v.of.f64, &bits, 8);
    break;
  default:
    break; /* references: null */
  }
  return v;
}

/* Bit-exact equality; NaNs compare by "is a NaN" (their payloads may differ by spec). */
static bool same_val(const scale_val_t *a, const scale_val_t *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case SCALE_I32:
    return a->of.i32 == b->of.i32;
  case SCALE_I64:
    return a->of.i64 == b->of.i64;
  case SCALE_F32:
    if (a->of.f32 != a->of.f32) return b->of.f32 != b->of.f32;
    return memcmp(&a->of.f32, &b->of.f32, 4) == 0;
  case SCALE_F64:
    if (a->of.f64 != a->of.f64) return b->of.f64 != b->of.f64;
    return memcmp(&a->of.f64, &b->of.f64, 8) == 0;
  case SCALE_FUNCREF:
    return (a->of.funcref == NULL) == (b->of.funcref == NULL);
  default:
    return a->of.externref == b->of.externref;
  }
}

static void mismatch(const char *what, const char *name) {
  fprintf(stderr, "fuzz_diff: tiers disagree on %s (export '%s')\n", what, name);
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) {
    scale_config_t cfg;
    scale_config_default(&cfg);
    cfg.max_memory_pages = 256;
    cfg.aot_opt = 1;
    if (scale_engine_new(&cfg, &engine)) abort();
  }
  if (size > DIFF_MAX_BYTES) return 0;
  scale_module_t *mi = NULL, *ma = NULL;
  scale_error_t *err = scale_module_new(engine, data, size, &mi);
  if (err || scale_module_import_count(mi) != 0) goto done;
  if ((err = scale_module_new(engine, data, size, &ma))) goto done;
  if ((err = scale_module_compile_metered(ma)) || (err = scale_module_compile(ma))) goto done;
  side_t a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  scale_trap_t *ta = NULL, *tb = NULL;
  bool oka = side_open(&a, mi, &ta), okb = side_open(&b, ma, &tb);
  if (oka != okb) mismatch("instantiation", "-");
  if (oka && (ta == NULL) != (tb == NULL)) {
    bool fuel = (ta && scale_trap_code(ta) == SCALE_TRAP_FUEL_EXHAUSTED) ||
                (tb && scale_trap_code(tb) == SCALE_TRAP_FUEL_EXHAUSTED);
    if (!fuel) mismatch("start", "-");
  }
  if (oka && !ta && !tb) {
    size_t n = scale_module_export_count(mi), calls = 0;
    for (size_t e = 0; e < n && calls < DIFF_MAX_CALLS; e++) {
      scale_externdesc_t d;
      scale_module_export(mi, e, &d);
      if (d.kind != SCALE_EXTERN_FUNC) continue;
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)d.name_len, d.name);
      scale_extern_t xa, xb;
      if (!scale_instance_export(a.inst, name, &xa) || !scale_instance_export(b.inst, name, &xb))
        continue;
      const scale_functype_t *t = scale_func_type(xa.of.func);
      size_t np = scale_functype_param_count(t), nr = scale_functype_result_count(t);
      if (np > 16 || nr > 16) continue;
      scale_val_t args[16], ra[16], rb[16];
      for (size_t i = 0; i < np; i++)
        args[i] = make_arg(scale_functype_param(t, i), arg_bits(data, size, calls * 16 + i));
      scale_store_set_fuel(a.store, DIFF_FUEL);
      scale_store_set_fuel(b.store, DIFF_FUEL);
      scale_trap_t *ca = NULL, *cb = NULL;
      scale_error_t *ea = scale_func_call(a.store, xa.of.func, args, np, ra, nr, &ca);
      scale_error_t *eb = scale_func_call(b.store, xb.of.func, args, np, rb, nr, &cb);
      calls++;
      bool fuel = (ca && scale_trap_code(ca) == SCALE_TRAP_FUEL_EXHAUSTED) ||
                  (cb && scale_trap_code(cb) == SCALE_TRAP_FUEL_EXHAUSTED);
      bool stop = fuel || ea || eb;
      if (!stop) {
        if ((ca == NULL) != (cb == NULL)) mismatch("whether the call trapped", name);
        if (ca && scale_trap_code(ca) != scale_trap_code(cb)) mismatch("the trap", name);
        for (size_t i = 0; !ca && i < nr; i++)
          if (!same_val(&ra[i], &rb[i])) mismatch("a result", name);
        /* state both tiers share through the runtime's objects */
        const scale_instance_t *ia = a.inst, *ib = b.inst;
        size_t ng = wasm_module_total_globals(ia->module->wasm);
        for (size_t g = 0; g < ng; g++) {
          scale_val_t ga = scale_global_get(ia->globals[g]), gb = scale_global_get(ib->globals[g]);
          if (!same_val(&ga, &gb)) mismatch("a global", name);
        }
        if (wasm_module_total_memories(ia->module->wasm)) {
          const scale_memory_t *ma0 = ia->memories[0], *mb0 = ib->memories[0];
          if (ma0->size != mb0->size || memcmp(ma0->data, mb0->data, (size_t)ma0->size) != 0)
            mismatch("memory", name);
        }
      }
      scale_trap_delete(ca);
      scale_trap_delete(cb);
      scale_error_delete(ea);
      scale_error_delete(eb);
      if (stop) break;
    }
  }
  scale_trap_delete(ta);
  scale_trap_delete(tb);
  scale_store_delete(a.store);
  scale_store_delete(b.store);
done:
  scale_error_delete(err);
  scale_module_delete(mi);
  scale_module_delete(ma);
  return 0;
}
