/*
 * Glue for an AOT object: the C file compiled together with wasm2c's
 * output. It #includes the generated code (so it can name its static
 * functions) and adds
 *   - the record behind instance->Z_s_instance (scale_aot_link_t),
 *   - Scale's own CALL_INDIRECT (spec-worded traps, and a path for table
 *     entries that are not AOT code),
 *   - one trampoline per imported function (the extern symbols the
 *     generated code calls), and accessors for imported memories, tables
 *     and globals: all state lives in the runtime's objects,
 *   - one trampoline per type for calling non-AOT functions from tables,
 *   - one slot entry per defined function for calls from the runtime,
 *   - the wasm_rt_* functions, forwarding to the runtime's services,
 *   - the exported descriptor.
 * Names follow the prepared module (src/aot/prepare.c): imports are "s"
 * "f<i>", "t<i>", "m<i>", "g<i>", "fuel", "stop", so wasm2c mangles them as
 * Z_sZ_<name>, and functions are unnamed, so wasm2c calls them w2c_f<i>.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot/aot.h"

typedef struct buf {
  char *p;
  size_t len, cap;
  bool oom;
} buf_t;

__attribute__((format(printf, 2, 3))) static void put(buf_t *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    /* Before the first allocation p is NULL: vsnprintf(NULL, 0) only measures. */
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
      b->oom = true;
      return;
    }
    if ((size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = (b->cap + (size_t)n + 1) * 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
}

/* C type of a value type in generated code. */
static const char *ctype(uint8_t t) {
  switch (t) {
  case WASM_I32:
    return "u32";
  case WASM_I64:
    return "u64";
  case WASM_F32:
    return "f32";
  case WASM_F64:
    return "f64";
  case WASM_FUNCREF:
    return "wasm_rt_funcref_t";
  default:
    return "wasm_rt_externref_t";
  }
}

/* wasm2c's letter for a type in multi-value struct names and fields. */
static char mcode(uint8_t t) {
  switch (t) {
  case WASM_I32:
    return 'i';
  case WASM_I64:
    return 'j';
  case WASM_F32:
    return 'f';
  case WASM_F64:
    return 'd';
  case WASM_FUNCREF:
    return 'r';
  default:
    return 'e';
  }
}

/* Return type of a function of type `t`. */
static void put_ret(buf_t *b, const wasm_functype_t *t) {
  if (t->result_count == 0) {
    put(b, "void");
  } else if (t->result_count == 1) {
    put(b, "%s", ctype(wasm_functype_results(t)[0]));
  } else {
    put(b, "struct wasm_multi_");
    for (uint32_t i = 0; i < t->result_count; i++)
      put(b, "%c", mcode(wasm_functype_results(t)[i]));
  }
}

/* ", P0 a0, P1 a1..." */
static void put_params(buf_t *b, const wasm_functype_t *t) {
  for (uint32_t i = 0; i < t->param_count; i++)
    put(b, ", %s a%u", ctype(wasm_functype_params(t)[i]), i);
}

/* Pack the arguments into slots `s`, call `call`, return the results. */
static void put_slot_call(buf_t *b, const wasm_functype_t *t, const char *call) {
  uint32_t n = t->param_count > t->result_count ? t->param_count : t->result_count;
  put(b, "  uint64_t s[%u];\n", n ? n : 1);
  for (uint32_t i = 0; i < t->param_count; i++)
    put(b, "  s[%u] = SC_TO_%c(a%u);\n", i, mcode(wasm_functype_params(t)[i]), i);
  put(b, "  %s;\n", call);
  if (t->result_count == 1) {
    put(b, "  return SC_FROM_%c(s[0]);\n", mcode(wasm_functype_results(t)[0]));
  } else if (t->result_count > 1) {
    put(b, "  ");
    put_ret(b, t);
    put(b, " r;\n");
    for (uint32_t i = 0; i < t->result_count; i++) {
      char c = mcode(wasm_functype_results(t)[i]);
      put(b, "  r.%c%u = SC_FROM_%c(s[%u]);\n", c, i, c, i);
    }
    put(b, "  return r;\n");
  }
}

static const char PRELUDE[] =
    "#include \"wasm-rt.h\"\n"
    "#include \"scale-aot.h\"\n"
    "#define WASM_RT_CORE_TYPES_DEFINED\n"
    "typedef uint8_t u8; typedef int8_t s8; typedef uint16_t u16; typedef int16_t s16;\n"
    "typedef uint32_t u32; typedef int32_t s32; typedef uint64_t u64; typedef int64_t s64;\n"
    "typedef float f32; typedef double f64;\n"
    "#define SC_EXPORT __attribute__((visibility(\"default\")))\n"
    "struct Z_s_instance_t { SCALE_AOT_LINK_FIELDS };\n"
    "static const scale_aot_vt_t *vt;\n"
    "static wasm_rt_function_ptr_t sc_tramp(uint32_t type_index);\n"
    "/* Spec-worded traps, and entries that are not AOT code go through a trampoline. */\n"
    "#define CALL_INDIRECT(table, t, ft, x, ...)                                          \\\n"
    "  ((LIKELY((x) < (table).size) || (wasm_rt_trap(WASM_RT_TRAP_UNDEFINED_ELEMENT), 0)), \\\n"
    "   (LIKELY((table).data[x].func != NULL) ||                                          \\\n"
    "    (wasm_rt_trap(WASM_RT_TRAP_UNINITIALIZED_ELEMENT), 0)),                            \\\n"
    "   (LIKELY((table).data[x].func_type == func_types[ft]) ||                           \\\n"
    "    (wasm_rt_trap(WASM_RT_TRAP_INDIRECT_TYPE), 0)),                                    \\\n"
    "   ((t)(LIKELY((table).data[x].func != vt->foreign) ? (table).data[x].func             \\\n"
    "                                                    : sc_foreign_from(instance, "
    "ft)))(__VA_ARGS__))\n"
    "/* A non-AOT callee learns its caller through the store (the word two before the stop flag). "
    "*/\n"
    "#define sc_foreign_from(inst, ft) \\\n"
    "  ((((void **)(void *)(inst)->Z_sZ_stop)[-2] = (void *)(inst)), sc_tramp(ft))\n"
    "static inline uint64_t SC_TO_i(u32 v) { return v; }\n"
    "static inline uint64_t SC_TO_j(u64 v) { return v; }\n"
    "static inline uint64_t SC_TO_f(f32 v) { u32 b; memcpy(&b, &v, 4); return b; }\n"
    "static inline uint64_t SC_TO_d(f64 v) { u64 b; memcpy(&b, &v, 8); return b; }\n"
    "static inline uint64_t SC_TO_e(wasm_rt_externref_t v) { return (uint64_t)(uintptr_t)v; }\n"
    "static inline uint64_t SC_TO_r(wasm_rt_funcref_t v) { return vt->ref_to_slot(&v); }\n"
    "static inline u32 SC_FROM_i(uint64_t s) { return (u32)s; }\n"
    "static inline u64 SC_FROM_j(uint64_t s) { return s; }\n"
    "static inline f32 SC_FROM_f(uint64_t s) { u32 b = (u32)s; f32 v; memcpy(&v, &b, 4); return v; "
    "}\n"
    "static inline f64 SC_FROM_d(uint64_t s) { f64 v; memcpy(&v, &s, 8); return v; }\n"
    "static inline wasm_rt_externref_t SC_FROM_e(uint64_t s) { return (void *)(uintptr_t)s; }\n"
    "static inline wasm_rt_funcref_t SC_FROM_r(uint64_t s) {\n"
    "  wasm_rt_funcref_t r; vt->slot_to_ref(s, &r); return r;\n"
    "}\n";

static const char RUNTIME_FUNCS[] =
    "void wasm_rt_trap(wasm_rt_trap_t code) { vt->trap((int)code); }\n"
    "uint32_t wasm_rt_register_func_type(uint32_t np, uint32_t nr, ...) {\n"
    "  static const uint8_t kinds[] = {0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f};\n"
    "  uint8_t k[1024];\n"
    "  va_list ap;\n"
    "  va_start(ap, nr);\n"
    "  for (uint32_t i = 0; i < np + nr && i < sizeof k; i++) k[i] = kinds[va_arg(ap, int)];\n"
    "  va_end(ap);\n"
    "  if (np + nr > sizeof k) abort();\n"
    "  return vt->type_id(k, np, nr);\n"
    "}\n"
    "uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t d) { return vt->memory_grow(m, d); "
    "}\n"
    "uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t d,\n"
    "                                    wasm_rt_funcref_t init) {\n"
    "  return vt->table_grow(t, d, &init);\n"
    "}\n"
    "uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t d,\n"
    "                                      wasm_rt_externref_t init) {\n"
    "  return vt->table_grow(t, d, &init);\n"
    "}\n";

char *scale__aot_glue(const wasm_module_t *m, const char *key, const char *generated_c,
                      size_t *len) {
  buf_t b = {0};
  put(&b, "/* Generated by Scale: glue for one AOT object. Do not edit. */\n");
  put(&b, "#include <stdarg.h>\n%s", PRELUDE);
  /* Locals of every function prologue (src/aot/build.c patches FUNC_PROLOGUE):
   * memory base addresses, which never change, and the fuel counter's address. */
  put(&b, "#define SC_PROLOGUE_LOCALS \\\n");
  for (uint32_t i = 0; i < m->imported_memory_count + m->memory_count; i++)
    put(&b, "  u8 *const sc_b%u = instance->Z_sZ_m%u->data; \\\n", i, i);
  put(&b, "  u64 *const sc_fuel = instance->Z_sZ_fuel;\n");
  put(&b, "#include \"%s\"\n\n", generated_c);

  /* Imports: function trampolines and object accessors. */
  uint32_t counts[4] = {0, 0, 0, 0};
  for (uint32_t i = 0; i < m->import_count; i++) {
    const wasm_import_t *im = &m->imports[i];
    uint32_t idx = counts[im->kind]++;
    switch (im->kind) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t *t = &m->types[im->desc.func_type];
      put_ret(&b, t);
      put(&b, " Z_sZ_f%u(struct Z_s_instance_t *e", idx);
      put_params(&b, t);
      put(&b, ") {\n  struct Z_s_instance_t *l = *(struct Z_s_instance_t **)e;\n");
      char call[96];
      snprintf(call, sizeof call, "vt->call_import(l->ctx, %u, s)", idx);
      put_slot_call(&b, t, call);
      put(&b, "}\n");
      break;
    }
    default:
      break; /* accessors below cover imported and defined objects alike */
    }
  }
  uint32_t nt = m->imported_table_count + m->table_count;
  for (uint32_t i = 0; i < nt; i++) {
    uint8_t et = i < m->imported_table_count ? 0 : m->tables[i - m->imported_table_count].elem_type;
    if (i < m->imported_table_count) {
      uint32_t k = 0;
      for (uint32_t j = 0; j < m->import_count; j++)
        if (m->imports[j].kind == WASM_EXTERN_TABLE && k++ == i)
          et = m->imports[j].desc.table.elem_type;
    }
    const char *tt = et == WASM_FUNCREF ? "wasm_rt_funcref_table_t" : "wasm_rt_externref_table_t";
    put(&b, "%s *Z_sZ_t%u(struct Z_s_instance_t *e) { return vt->table(e->ctx, %u); }\n", tt, i, i);
  }
  uint32_t nm = m->imported_memory_count + m->memory_count;
  for (uint32_t i = 0; i < nm; i++)
    put(&b,
        "wasm_rt_memory_t *Z_sZ_m%u(struct Z_s_instance_t *e) { return vt->memory(e->ctx, %u); }\n",
        i, i);
  uint32_t ng = m->imported_global_count + m->global_count;
  for (uint32_t i = 0; i < ng; i++) {
    wasm_globaltype_t gt = wasm_module_global_type(m, i);
    put(&b, "%s *Z_sZ_g%u(struct Z_s_instance_t *e) { return vt->global(e->ctx, %u); }\n",
        ctype(gt.type), i, i);
  }
  put(&b, "u64 *Z_sZ_fuel(struct Z_s_instance_t *e) { return vt->fuel(e->ctx); }\n");
  put(&b, "u32 *Z_sZ_stop(struct Z_s_instance_t *e) { return vt->stop(e->ctx); }\n\n");

  /* Per type: calling a non-AOT function (env = scale_func_t *) from a table. */
  for (uint32_t k = 0; k < m->type_count; k++) {
    const wasm_functype_t *t = &m->types[k];
    put(&b, "static ");
    put_ret(&b, t);
    put(&b, " sc_foreign%u(void *f", k);
    put_params(&b, t);
    put(&b, ") {\n");
    put_slot_call(&b, t, "vt->call_func(f, s)");
    put(&b, "}\n");
  }
  put(&b, "static const wasm_rt_function_ptr_t sc_foreign[] = {\n");
  for (uint32_t k = 0; k < m->type_count; k++)
    put(&b, "  (wasm_rt_function_ptr_t)sc_foreign%u,\n", k);
  put(&b, "  NULL};\n");
  put(&b, "static wasm_rt_function_ptr_t sc_tramp(uint32_t ft) { return sc_foreign[ft]; }\n\n");

  /* Per defined function: the slot entry. */
  uint32_t ni = m->imported_func_count;
  for (uint32_t i = 0; i < m->func_count; i++) {
    const wasm_functype_t *t = &m->types[m->funcs[i].type_index];
    put(&b, "static void sc_entry%u(void *inst, uint64_t *s) {\n  ", ni + i);
    if (t->result_count) {
      put_ret(&b, t);
      put(&b, " r = ");
    }
    put(&b, "w2c_f%u((Z_m_instance_t *)inst", ni + i);
    for (uint32_t p = 0; p < t->param_count; p++)
      put(&b, ", SC_FROM_%c(s[%u])", mcode(wasm_functype_params(t)[p]), p);
    put(&b, ");\n");
    if (t->result_count == 1) {
      put(&b, "  s[0] = SC_TO_%c(r);\n", mcode(wasm_functype_results(t)[0]));
    } else {
      for (uint32_t r = 0; r < t->result_count; r++) {
        char c = mcode(wasm_functype_results(t)[r]);
        put(&b, "  s[%u] = SC_TO_%c(r.%c%u);\n", r, c, c, r);
      }
    }
    put(&b, "}\n");
  }
  put(&b, "static const scale_aot_entry_t sc_entries[] = {\n");
  for (uint32_t i = 0; i < m->func_count; i++)
    put(&b, "  sc_entry%u,\n", ni + i);
  put(&b, "  NULL};\n");
  put(&b, "static void (*const sc_code[])(void) = {\n");
  for (uint32_t i = 0; i < ni + m->func_count; i++)
    put(&b,
        i < ni ? "  (wasm_rt_function_ptr_t)Z_sZ_f%u,\n" : "  (wasm_rt_function_ptr_t)w2c_f%u,\n",
        i);
  put(&b, "  NULL};\n\n%s", RUNTIME_FUNCS);
  put(&b,
      "static void sc_bind(const scale_aot_vt_t *v) {\n"
      "  vt = v;\n"
      "  Z_m_init_module();\n"
      "}\n"
      "static void sc_instantiate(void *inst, scale_aot_link_t *link) {\n"
      "  Z_m_instantiate((Z_m_instance_t *)inst, (struct Z_s_instance_t *)link);\n"
      "}\n"
      "SC_EXPORT const scale_aot_desc_t scale_aot_module_v1 = {\n"
      "  SCALE_AOT_ABI, \"%s\", %u, %u, sizeof(Z_m_instance_t), sc_bind, sc_instantiate,\n"
      "  sc_entries, sc_code};\n",
      key, ni + m->func_count, ni);
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  *len = b.len;
  return b.p;
}
