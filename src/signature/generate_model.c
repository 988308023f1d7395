/*
 * The per-model part of the C generator: struct, constructor, free,
 * encode, decode, accessors and array/map helpers of one model.
 *
 * What the emitted code does must stay identical to the table-driven
 * codec (codec.c) and setters (value.c): same wire order, same checks in
 * the same order, same limits charged the same way, same error texts.
 * The support functions it calls (gen_get_str, gen_errf, ...) are emitted
 * once per file by generate.c.
 */
#include <stdio.h>
#include <string.h>

#include "signature/generate.h"
#include "signature/limits.h"
#include "signature/value.h"

#define OUT(...) scale__siggen_out(g, __VA_ARGS__)
#define NAME_MAX_C 700

/* ------------------------------------------------------------ names */

static const char *mc(const siggen_t *g, const struct scale_sigmodel *m) {
  return g->model_c[m->index];
}

static const char *fc(const siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  return g->field_c[m->index][f - m->fields];
}

static scale_sigtype_t elem_type(const sig_field_t *f) {
  return f->shape == SCALE_SIGSHAPE_MAP ? f->value_type : f->type;
}

/* C type of one cell of @p t (ENUM/MODEL: @p ref indexes enums/models). */
static void ctype(const siggen_t *g, scale_sigtype_t t, long ref, char *buf, size_t n) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    snprintf(buf, n, "%s_str_t", g->prefix);
    return;
  case SCALE_SIGTYPE_BYTES:
    snprintf(buf, n, "%s_bytes_t", g->prefix);
    return;
  case SCALE_SIGTYPE_INT32:
    snprintf(buf, n, "int32_t");
    return;
  case SCALE_SIGTYPE_INT64:
    snprintf(buf, n, "int64_t");
    return;
  case SCALE_SIGTYPE_UINT32:
    snprintf(buf, n, "uint32_t");
    return;
  case SCALE_SIGTYPE_UINT64:
    snprintf(buf, n, "uint64_t");
    return;
  case SCALE_SIGTYPE_FLOAT32:
    snprintf(buf, n, "float");
    return;
  case SCALE_SIGTYPE_FLOAT64:
    snprintf(buf, n, "double");
    return;
  case SCALE_SIGTYPE_BOOL:
    snprintf(buf, n, "bool");
    return;
  case SCALE_SIGTYPE_ENUM:
    snprintf(buf, n, "%s_%s_t", g->prefix, g->enum_c[ref]);
    return;
  case SCALE_SIGTYPE_MODEL:
    snprintf(buf, n, "%s_%s_t *", g->prefix, g->model_c[ref]);
    return;
  }
  snprintf(buf, n, "void *");
}

static const char *pg_kind(scale_sigtype_t t) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    return "SCALE_PG_STRING";
  case SCALE_SIGTYPE_BYTES:
    return "SCALE_PG_BYTES";
  case SCALE_SIGTYPE_INT32:
    return "SCALE_PG_I32";
  case SCALE_SIGTYPE_INT64:
    return "SCALE_PG_I64";
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_ENUM:
    return "SCALE_PG_U32";
  case SCALE_SIGTYPE_UINT64:
    return "SCALE_PG_U64";
  case SCALE_SIGTYPE_FLOAT32:
    return "SCALE_PG_F32";
  case SCALE_SIGTYPE_FLOAT64:
    return "SCALE_PG_F64";
  case SCALE_SIGTYPE_BOOL:
    return "SCALE_PG_BOOL";
  case SCALE_SIGTYPE_MODEL:
    return "SCALE_PG_ANY";
  }
  return "SCALE_PG_NIL";
}

/* Suffix of the support getter for a primitive (gen_get_<suffix>). */
static const char *get_suffix(scale_sigtype_t t) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    return "str";
  case SCALE_SIGTYPE_BYTES:
    return "bytes";
  case SCALE_SIGTYPE_INT32:
    return "i32";
  case SCALE_SIGTYPE_INT64:
    return "i64";
  case SCALE_SIGTYPE_UINT32:
    return "u32";
  case SCALE_SIGTYPE_UINT64:
    return "u64";
  case SCALE_SIGTYPE_FLOAT32:
    return "f32";
  case SCALE_SIGTYPE_FLOAT64:
    return "f64";
  case SCALE_SIGTYPE_BOOL:
    return "bool";
  default:
    return "?";
  }
}

/* "Model", "Field" as C string literals, in that order, for messages. */
static void names_lit(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  scale__siggen_cstr(g, m->name, strlen(m->name));
  OUT(", ");
  scale__siggen_cstr(g, f->name, strlen(f->name));
}

static bool has_validators(const sig_field_t *f) {
  if (f->shape != SCALE_SIGSHAPE_SCALAR) return false;
  if (f->type == SCALE_SIGTYPE_STRING)
    return f->has_regex || f->has_length_min || f->has_length_max;
  switch (f->type) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
  case SCALE_SIGTYPE_FLOAT32:
  case SCALE_SIGTYPE_FLOAT64:
    return f->has_limit && (f->has_limit_min || f->has_limit_max);
  default:
    return false;
  }
}

/* A limit no value of the type can cross (its comparison is always false). */
static bool limit_never(scale_sigtype_t t, bool is_min, const sig_num_t *v) {
  switch (t) {
  case SCALE_SIGTYPE_INT32:
    return is_min ? v->i <= INT32_MIN : v->i >= INT32_MAX;
  case SCALE_SIGTYPE_INT64:
    return is_min ? v->i == INT64_MIN : v->i == INT64_MAX;
  case SCALE_SIGTYPE_UINT32:
    return is_min ? v->u == 0 : v->u >= UINT32_MAX;
  case SCALE_SIGTYPE_UINT64:
    return is_min ? v->u == 0 : v->u == UINT64_MAX;
  default:
    return false;
  }
}

/* A number of the field's type as a C literal. */
static void num_lit(siggen_t *g, scale_sigtype_t t, const sig_num_t *v) {
  switch (t) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    if (v->i == INT64_MIN)
      OUT("(-INT64_C(9223372036854775807) - 1)");
    else if (t == SCALE_SIGTYPE_INT64)
      OUT("INT64_C(%lld)", (long long)v->i);
    else
      OUT("%lld", (long long)v->i);
    return;
  case SCALE_SIGTYPE_UINT32:
    OUT("%lluu", (unsigned long long)v->u);
    return;
  case SCALE_SIGTYPE_UINT64:
    OUT("UINT64_C(%llu)", (unsigned long long)v->u);
    return;
  case SCALE_SIGTYPE_FLOAT32:
    OUT("(float)");
    scale__siggen_double(g, v->f);
    return;
  default:
    scale__siggen_double(g, v->f);
    return;
  }
}

/* Parameters standing for one cell of type @p t named @p n. */
static void cell_params(siggen_t *g, scale_sigtype_t t, long ref, const char *n) {
  char ct[NAME_MAX_C];
  if (t == SCALE_SIGTYPE_STRING) {
    OUT("const char *%s, size_t %s_len", n, n);
  } else if (t == SCALE_SIGTYPE_BYTES) {
    OUT("const void *%s, size_t %s_len", n, n);
  } else {
    ctype(g, t, ref, ct, sizeof ct);
    OUT("%s%s%s", ct, t == SCALE_SIGTYPE_MODEL ? "" : " ", n);
  }
}

/* ------------------------------------------------------------ declarations */

void scale__siggen_model_decls(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  char ct[NAME_MAX_C], vt[NAME_MAX_C];
  OUT("/* %s */\nstruct %s_%s {\n", m->name, p, n);
  if (m->field_count == 0) OUT("  char empty_; /* C has no empty structs */\n");
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const char *fn = fc(g, m, f);
    ctype(g, f->type, f->ref, ct, sizeof ct);
    const char *kind = scale__schema_kind_name(f->type, f->shape);
    switch (f->shape) {
    case SCALE_SIGSHAPE_SCALAR:
      OUT("  %s%s%s; /* %s %s%s */\n", ct, f->type == SCALE_SIGTYPE_MODEL ? "" : " ", fn, kind,
          f->name, f->type == SCALE_SIGTYPE_MODEL ? ", NULL = nil" : "");
      break;
    case SCALE_SIGSHAPE_ARRAY:
      OUT("  struct {\n    %s%s*items;\n    size_t count;\n  } %s; /* %s %s */\n", ct,
          f->type == SCALE_SIGTYPE_MODEL ? "" : " ", fn, kind, f->name);
      break;
    case SCALE_SIGSHAPE_MAP:
      ctype(g, f->value_type, f->value_ref, vt, sizeof vt);
      OUT("  struct {\n    %s *keys; /* ascending, unique */\n    %s%s*values;\n    size_t count;\n"
          "  } %s; /* %s %s, values %s */\n",
          ct, vt, f->value_type == SCALE_SIGTYPE_MODEL ? "" : " ", fn, kind, f->name,
          f->value_type == SCALE_SIGTYPE_MODEL ? g->sig->models[f->value_ref].name
                                               : scale__schema_type_name(f->value_type));
      break;
    }
  }
  OUT("};\n\n");
  OUT("%s_%s_t *%s_%s_new(void);\n", p, n, p, n);
  OUT("void %s_%s_free(%s_%s_t *v);\n", p, n, p, n);
  OUT("bool %s_%s_encode(const %s_%s_t *v, scale_pg_buf_t *buf);\n", p, n, p, n);
  OUT("bool %s_%s_decode(scale_pg_reader_t *r, %s_%s_t **out, %s_error_t *err);\n", p, n, p, n, p);
  OUT("bool %s_%s_decode_bytes(const void *data, size_t len, %s_%s_t **out, %s_error_t *err);\n", p,
      n, p, n, p);
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const char *fn = fc(g, m, f);
    if (f->shape == SCALE_SIGSHAPE_SCALAR && f->accessor) {
      ctype(g, f->type, f->ref, ct, sizeof ct);
      if (f->type == SCALE_SIGTYPE_STRING)
        OUT("const char *%s_%s_get_%s(const %s_%s_t *v, size_t *len);\n", p, n, fn, p, n);
      else if (f->type == SCALE_SIGTYPE_BYTES)
        OUT("const uint8_t *%s_%s_get_%s(const %s_%s_t *v, size_t *len);\n", p, n, fn, p, n);
      else
        OUT("%s%s%s_%s_get_%s(const %s_%s_t *v);\n", ct, f->type == SCALE_SIGTYPE_MODEL ? "" : " ",
            p, n, fn, p, n);
      OUT("bool %s_%s_set_%s(%s_%s_t *v, ", p, n, fn, p, n);
      cell_params(g, f->type, f->ref, "value");
      OUT(", %s_error_t *err);\n", p);
    } else if (f->shape == SCALE_SIGSHAPE_ARRAY) {
      OUT("bool %s_%s_%s_append(%s_%s_t *v, ", p, n, fn, p, n);
      cell_params(g, f->type, f->ref, "value");
      OUT(", %s_error_t *err);\n", p);
      OUT("void %s_%s_%s_clear(%s_%s_t *v);\n", p, n, fn, p, n);
    } else if (f->shape == SCALE_SIGSHAPE_MAP) {
      OUT("bool %s_%s_%s_put(%s_%s_t *v, ", p, n, fn, p, n);
      cell_params(g, f->type, f->ref, "key");
      OUT(", ");
      cell_params(g, f->value_type, f->value_ref, "value");
      OUT(", %s_error_t *err);\n", p);
      OUT("void %s_%s_%s_clear(%s_%s_t *v);\n", p, n, fn, p, n);
    }
  }
  OUT("\n");
}

void scale__siggen_model_protos(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  OUT("static %s_%s_t *build_%s(uint32_t *stack, unsigned depth);\n", p, n, n);
  OUT("static void release_%s(%s_%s_t *v);\n", n, p, n);
  OUT("static bool enc_%s(const %s_%s_t *v, scale_pg_buf_t *b, unsigned depth);\n", n, p, n);
  OUT("static bool dec_%s(gen_dec_t *d, unsigned depth, bool element, %s_%s_t **out);\n", n, p, n);
}

/* ------------------------------------------------------------ cells */

/* Free what a cell owns. */
static void emit_release(siggen_t *g, scale_sigtype_t t, long ref, const char *x) {
  if (t == SCALE_SIGTYPE_STRING || t == SCALE_SIGTYPE_BYTES)
    OUT("GEN_FREE(%s.data);\n", x);
  else if (t == SCALE_SIGTYPE_MODEL)
    OUT("%s_%s_free(%s);\n", g->prefix, g->model_c[ref], x);
}

static void emit_put(siggen_t *g, scale_sigtype_t t, long ref, const char *x, const char *ind) {
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    OUT("%sscale_pg_put_string(b, %s.data ? %s.data : \"\", %s.len);\n", ind, x, x, x);
    return;
  case SCALE_SIGTYPE_BYTES:
    OUT("%sscale_pg_put_bytes(b, %s.data ? (const void *)%s.data : \"\", %s.len);\n", ind, x, x, x);
    return;
  case SCALE_SIGTYPE_ENUM:
    OUT("%sscale_pg_put_u32(b, (uint32_t)%s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_MODEL:
    OUT("%sif (!%s)\n%s  scale_pg_put_nil(b);\n%selse if (!enc_%s(%s, b, depth + 1))\n%s  return "
        "false;\n",
        ind, x, ind, ind, g->model_c[ref], x, ind);
    return;
  case SCALE_SIGTYPE_INT32:
    OUT("%sscale_pg_put_i32(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_INT64:
    OUT("%sscale_pg_put_i64(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_UINT32:
    OUT("%sscale_pg_put_u32(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_UINT64:
    OUT("%sscale_pg_put_u64(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_FLOAT32:
    OUT("%sscale_pg_put_f32(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_FLOAT64:
    OUT("%sscale_pg_put_f64(b, %s);\n", ind, x);
    return;
  case SCALE_SIGTYPE_BOOL:
    OUT("%sscale_pg_put_bool(b, %s);\n", ind, x);
    return;
  }
}

/*
 * Decode one cell into lvalue @p x, then run the checks the runtime's
 * scale__sig_check runs for it; on failure run @p fail (a statement).
 */
static void emit_get(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f,
                     scale_sigtype_t t, long ref, bool element, const char *x, const char *fail) {
  const char *n = mc(g, m);
  if (t == SCALE_SIGTYPE_MODEL) {
    OUT("  if (depth + 1 >= GEN_MAX_DEPTH) {\n    gen_errf(d->err, \"%%s.%%s: models nested more "
        "than %%u deep\", ");
    names_lit(g, m, f);
    OUT(", GEN_MAX_DEPTH);\n    %s\n  }\n", fail);
    OUT("  if (!dec_%s(d, depth + 1, %s, &%s)) %s\n", g->model_c[ref], element ? "true" : "false",
        x, fail);
    return;
  }
  if (t == SCALE_SIGTYPE_ENUM) {
    const sig_enum_t *e = &g->sig->enums[ref];
    OUT("  {\n    uint32_t e_;\n    if (!gen_get_enum(d, ");
    names_lit(g, m, f);
    OUT(", ");
    scale__siggen_cstr(g, e->name, strlen(e->name));
    OUT(", %zuu, &e_)) %s\n    %s = (%s_%s_t)e_;\n  }\n", e->value_count, fail, x, g->prefix,
        g->enum_c[ref]);
    return;
  }
  OUT("  if (!gen_get_%s(d, ", get_suffix(t));
  names_lit(g, m, f);
  OUT(", &%s)) %s\n", x, fail);
  if (f->shape == SCALE_SIGSHAPE_SCALAR && has_validators(f)) {
    if (t == SCALE_SIGTYPE_STRING)
      OUT("  if (!check_%s__%s(%s.data, %s.len, d->err)) %s\n", n, fc(g, m, f), x, x, fail);
    else
      OUT("  if (!check_%s__%s(%s, d->err)) %s\n", n, fc(g, m, f), x, fail);
  }
}

/*
 * Turn the parameter(s) named @p pn of a setter/append/put into an owned
 * cell @p x (declared by the caller), running the checks value.c runs
 * (data present, UTF-8, enum range, model not nil for elements).
 * On failure: release what is listed in @p cleanup and return false.
 */
static void emit_take(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f,
                      scale_sigtype_t t, long ref, bool is_elem, const char *pn, const char *x,
                      const char *cleanup) {
  if (t == SCALE_SIGTYPE_STRING || t == SCALE_SIGTYPE_BYTES) {
    OUT("  if (%s_len && !%s) {\n    %sreturn gen_errf(err, \"%%s.%%s: data is NULL\", ", pn, pn,
        cleanup);
    names_lit(g, m, f);
    OUT(");\n  }\n");
    OUT("  if (!gen_%s_copy(&%s, %s, %s_len)) {\n    %sreturn gen_errf(err, \"out of memory\");\n  "
        "}\n",
        t == SCALE_SIGTYPE_STRING ? "str" : "bytes", x, pn, pn, cleanup);
    if (t == SCALE_SIGTYPE_STRING) {
      OUT("  if (!gen_check_utf8(err, ");
      names_lit(g, m, f);
      OUT(", %s.data, %s.len)) {\n    GEN_FREE(%s.data);\n    %sreturn false;\n  }\n", x, x, x,
          cleanup);
    }
    return;
  }
  if (t == SCALE_SIGTYPE_ENUM) {
    const sig_enum_t *e = &g->sig->enums[ref];
    OUT("  if (!gen_check_enum(err, ");
    names_lit(g, m, f);
    OUT(", ");
    scale__siggen_cstr(g, e->name, strlen(e->name));
    OUT(", %zuu, (uint64_t)%s)) {\n    %sreturn false;\n  }\n", e->value_count, pn, cleanup);
  }
  if (t == SCALE_SIGTYPE_MODEL && is_elem) {
    OUT("  if (!%s) {\n    %sreturn gen_errf(err, \"%%s.%%s: elements of a model array or map "
        "cannot be nil\", ",
        pn, cleanup);
    names_lit(g, m, f);
    OUT(");\n  }\n");
  }
  OUT("  %s = %s;\n", x, pn);
}

/* ------------------------------------------------------------ constructor, free */

static void emit_build(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  bool fail = false;
  OUT("static %s_%s_t *build_%s(uint32_t *stack, unsigned depth) {\n", p, n, n);
  OUT("  %s_%s_t *v = gen_alloc(sizeof *v);\n  if (!v) return NULL;\n", p, n);
  OUT("  stack[depth] = %zuu;\n", m->index);
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const char *fn = fc(g, m, f);
    if (f->shape != SCALE_SIGSHAPE_SCALAR) continue;
    switch (f->type) {
    case SCALE_SIGTYPE_STRING:
      if (f->def_string_len == 0) break;
      OUT("  if (!gen_str_copy(&v->%s, ", fn);
      scale__siggen_cstr(g, f->def_string, f->def_string_len);
      OUT(", %zu)) goto fail;\n", f->def_string_len);
      fail = true;
      break;
    case SCALE_SIGTYPE_BYTES:
      break;
    case SCALE_SIGTYPE_BOOL:
      if (f->def_bool) OUT("  v->%s = true;\n", fn);
      break;
    case SCALE_SIGTYPE_ENUM:
      OUT("  v->%s = (%s_%s_t)%uu;\n", fn, p, g->enum_c[f->ref], (unsigned)f->def_enum);
      break;
    case SCALE_SIGTYPE_MODEL:
      /* A reference back to a model being built stays nil (value.c). */
      OUT("  if (!gen_on_stack(stack, depth, %ldu)) {\n", f->ref);
      OUT("    if (depth + 1 >= GEN_MAX_DEPTH) goto fail;\n");
      OUT("    v->%s = build_%s(stack, depth + 1);\n    if (!v->%s) goto fail;\n  }\n", fn,
          g->model_c[f->ref], fn);
      fail = true;
      break;
    default:
      OUT("  v->%s = ", fn);
      num_lit(g, f->type, &f->def_num);
      OUT(";\n");
      break;
    }
  }
  OUT("  return v;\n");
  if (fail) OUT("fail:\n  %s_%s_free(v);\n  return NULL;\n", p, n);
  OUT("}\n\n");
  OUT("%s_%s_t *%s_%s_new(void) {\n  uint32_t stack[GEN_MAX_DEPTH];\n  return build_%s(stack, "
      "0);\n}\n\n",
      p, n, p, n, n);
}

static void emit_release_fn(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  char x[NAME_MAX_C];
  OUT("static void release_%s(%s_%s_t *v) {\n  (void)v;\n", n, p, n);
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const char *fn = fc(g, m, f);
    if (f->shape == SCALE_SIGSHAPE_SCALAR) {
      snprintf(x, sizeof x, "v->%s", fn);
      if (f->type == SCALE_SIGTYPE_STRING || f->type == SCALE_SIGTYPE_BYTES ||
          f->type == SCALE_SIGTYPE_MODEL) {
        OUT("  ");
        emit_release(g, f->type, f->ref, x);
      }
    } else {
      OUT("  %s_%s_%s_clear(v);\n", p, n, fn);
    }
  }
  OUT("}\n\n");
  OUT("void %s_%s_free(%s_%s_t *v) {\n  if (!v) return;\n  release_%s(v);\n  GEN_FREE(v);\n}\n\n",
      p, n, p, n, n);
}

/* ------------------------------------------------------------ encode */

static void emit_encode(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  char x[NAME_MAX_C];
  OUT("static bool enc_%s(const %s_%s_t *v, scale_pg_buf_t *b, unsigned depth) {\n", n, p, n);
  OUT("  if (depth >= GEN_MAX_DEPTH) return false;\n");
  if (m->field_count == 0) OUT("  (void)v;\n  (void)b;\n");
  for (size_t w = 0; w < m->field_count; w++) {
    const sig_field_t *f = &m->fields[m->wire[w]];
    const char *fn = fc(g, m, f);
    switch (f->shape) {
    case SCALE_SIGSHAPE_SCALAR:
      snprintf(x, sizeof x, "v->%s", fn);
      emit_put(g, f->type, f->ref, x, "  ");
      break;
    case SCALE_SIGSHAPE_ARRAY:
      OUT("  scale_pg_put_slice(b, %s, (uint32_t)v->%s.count);\n", pg_kind(f->type), fn);
      OUT("  for (size_t i = 0; i < v->%s.count; i++) {\n", fn);
      snprintf(x, sizeof x, "v->%s.items[i]", fn);
      emit_put(g, f->type, f->ref, x, "    ");
      OUT("  }\n");
      break;
    case SCALE_SIGSHAPE_MAP:
      OUT("  scale_pg_put_map(b, %s, %s, (uint32_t)v->%s.count);\n", pg_kind(f->type),
          pg_kind(f->value_type), fn);
      OUT("  for (size_t i = 0; i < v->%s.count; i++) {\n", fn);
      snprintf(x, sizeof x, "v->%s.keys[i]", fn);
      emit_put(g, f->type, f->ref, x, "    ");
      snprintf(x, sizeof x, "v->%s.values[i]", fn);
      emit_put(g, f->value_type, f->value_ref, x, "    ");
      OUT("  }\n");
      break;
    }
  }
  OUT("  return true;\n}\n\n");
  OUT("bool %s_%s_encode(const %s_%s_t *v, scale_pg_buf_t *buf) {\n", p, n, p, n);
  OUT("  if (!v)\n    scale_pg_put_nil(buf);\n  else if (!enc_%s(v, buf, 0))\n    return false;\n",
      n);
  OUT("  return !scale_pg_buf_failed(buf);\n}\n\n");
}

/* ------------------------------------------------------------ checks */

/* check_<model>__<field>: the validators of a scalar field, in value.c's order. */
static void emit_check(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  const char *n = mc(g, m), *fn = fc(g, m, f);
  char ct[NAME_MAX_C];
  if (f->type == SCALE_SIGTYPE_STRING) {
    OUT("static bool check_%s__%s(const char *s, size_t len, gen_error_t *err) {\n", n, fn);
    OUT("  if (!gen_check_utf8(err, ");
    names_lit(g, m, f);
    OUT(", s, len)) return false;\n");
    if (f->has_regex) {
      OUT("  if (!gen_check_regex(err, ");
      names_lit(g, m, f);
      OUT(", ");
      scale__siggen_cstr(g, f->regex_text, strlen(f->regex_text));
      OUT(", s, len)) return false;\n");
    }
    if (f->has_length_min && f->length_min > 0) { /* "len < 0" is never true */
      OUT("  if (len < %lluu)\n    return gen_errf(err, \"%%s.%%s: length %%zu is below the "
          "minimum "
          "%%llu\", ",
          (unsigned long long)f->length_min);
      names_lit(g, m, f);
      OUT(", len, %lluULL);\n", (unsigned long long)f->length_min);
    }
    if (f->has_length_max) {
      OUT("  if (len > %lluu)\n    return gen_errf(err, \"%%s.%%s: length %%zu is above the "
          "maximum "
          "%%llu\", ",
          (unsigned long long)f->length_max);
      names_lit(g, m, f);
      OUT(", len, %lluULL);\n", (unsigned long long)f->length_max);
    }
    OUT("  return true;\n}\n\n");
    return;
  }
  ctype(g, f->type, f->ref, ct, sizeof ct);
  OUT("static bool check_%s__%s(%s x, gen_error_t *err) {\n", n, fn, ct);
  const char *fmt, *cast, *wide;
  switch (f->type) {
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    fmt = "%lld", cast = "(long long)", wide = "(int64_t)";
    break;
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
    fmt = "%llu", cast = "(unsigned long long)", wide = "(uint64_t)";
    break;
  default:
    fmt = "%g", cast = "(double)", wide = "(double)";
    break;
  }
  scale_sigtype_t lt = f->type == SCALE_SIGTYPE_INT32     ? SCALE_SIGTYPE_INT64
                       : f->type == SCALE_SIGTYPE_UINT32  ? SCALE_SIGTYPE_UINT64
                       : f->type == SCALE_SIGTYPE_FLOAT32 ? SCALE_SIGTYPE_FLOAT64
                                                          : f->type;
  for (int side = 0; side < 2; side++) {
    bool has = side == 0 ? f->has_limit_min : f->has_limit_max;
    if (!has) continue;
    const sig_num_t *lim = side == 0 ? &f->limit_min : &f->limit_max;
    if (limit_never(f->type, side == 0, lim)) continue; /* would only draw -Wtype-limits */
    OUT("  if (%sx %s ", wide, side == 0 ? "<" : ">");
    num_lit(g, lt, lim);
    OUT(")\n    return gen_errf(err, \"%%s.%%s: %s is %s the limit %s\", ", fmt,
        side == 0 ? "below" : "above", fmt);
    names_lit(g, m, f);
    OUT(", %sx, %s", cast, cast);
    num_lit(g, lt, lim);
    OUT(");\n");
  }
  OUT("  return true;\n}\n\n");
}

/* ------------------------------------------------------------ decode */

static void emit_cmp(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  const char *n = mc(g, m), *fn = fc(g, m, f);
  char ct[NAME_MAX_C];
  ctype(g, f->type, f->ref, ct, sizeof ct);
  OUT("/* Position of @p key in %s.%s (ascending keys), and whether it is there. */\n", m->name,
      f->name);
  OUT("static size_t find_%s__%s(const %s_%s_t *v, const %s *key, bool *found) {\n", n, fn,
      g->prefix, n, ct);
  OUT("  size_t lo = 0, hi = v->%s.count;\n  *found = false;\n  while (lo < hi) {\n"
      "    size_t mid = lo + (hi - lo) / 2;\n",
      fn);
  if (f->type == SCALE_SIGTYPE_STRING)
    OUT("    int r = gen_str_cmp(&v->%s.keys[mid], key);\n", fn);
  else
    OUT("    int r = v->%s.keys[mid] < *key ? -1 : v->%s.keys[mid] > *key;\n", fn, fn);
  OUT("    if (r == 0) {\n      *found = true;\n      return mid;\n    }\n"
      "    if (r < 0)\n      lo = mid + 1;\n    else\n      hi = mid;\n  }\n  return lo;\n}\n\n");
  /* Insert at a position find_ returned; room must exist. */
  OUT("static void insert_%s__%s(%s_%s_t *v, size_t pos, const %s *key, ", n, fn, g->prefix, n, ct);
  ctype(g, f->value_type, f->value_ref, ct, sizeof ct);
  OUT("%s%sconst *val) {\n", ct, f->value_type == SCALE_SIGTYPE_MODEL ? "" : " ");
  OUT("  size_t tail = v->%s.count - pos;\n", fn);
  OUT("  if (tail) {\n    __builtin_memmove(&v->%s.keys[pos + 1], &v->%s.keys[pos], tail * sizeof "
      "*v->%s.keys);\n",
      fn, fn, fn);
  OUT("    __builtin_memmove(&v->%s.values[pos + 1], &v->%s.values[pos], tail * sizeof "
      "*v->%s.values);\n  }\n",
      fn, fn, fn);
  OUT("  v->%s.keys[pos] = *key;\n  v->%s.values[pos] = *val;\n  v->%s.count++;\n}\n\n", fn, fn,
      fn);
}

static void emit_decode_field(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  const char *p = g->prefix, *n = mc(g, m), *fn = fc(g, m, f);
  char x[NAME_MAX_C], ct[NAME_MAX_C], vt[NAME_MAX_C];
  OUT("static bool dec_%s__%s(gen_dec_t *d, %s_%s_t *v, unsigned depth) {\n", n, fn, p, n);
  bool uses_depth = elem_type(f) == SCALE_SIGTYPE_MODEL;
  if (!uses_depth) OUT("  (void)depth;\n");
  if (f->shape == SCALE_SIGSHAPE_SCALAR) {
    snprintf(x, sizeof x, "v->%s", fn);
    emit_get(g, m, f, f->type, f->ref, false, x, "return false;");
    OUT("  return true;\n}\n\n");
    return;
  }
  size_t cell = sizeof(sig_cell_t) * (f->shape == SCALE_SIGSHAPE_MAP ? 2 : 1);
  OUT("  uint32_t n;\n");
  if (f->shape == SCALE_SIGSHAPE_ARRAY) {
    OUT("  if (!gen_get_slice(d, ");
    names_lit(g, m, f);
    OUT(", %s, \"%s\", %zuu, &n)) return false;\n", pg_kind(f->type),
        scale__schema_type_name(f->type), cell);
    OUT("  if (n) {\n    v->%s.items = gen_alloc((size_t)n * sizeof *v->%s.items);\n"
        "    if (!v->%s.items) return gen_errf(d->err, \"out of memory\");\n  }\n",
        fn, fn, fn);
    OUT("  for (uint32_t i = 0; i < n; i++) {\n");
    snprintf(x, sizeof x, "v->%s.items[i]", fn);
    emit_get(g, m, f, f->type, f->ref, true, x, "return false;");
    OUT("  v->%s.count++;\n  }\n  return true;\n}\n\n", fn);
    return;
  }
  OUT("  if (!gen_get_map(d, ");
  names_lit(g, m, f);
  OUT(", %s, %s, \"%s\", %zuu, &n)) return false;\n", pg_kind(f->type), pg_kind(f->value_type),
      scale__schema_type_name(f->type), cell);
  OUT("  if (n) {\n    v->%s.keys = gen_alloc((size_t)n * sizeof *v->%s.keys);\n"
      "    v->%s.values = gen_alloc((size_t)n * sizeof *v->%s.values);\n"
      "    if (!v->%s.keys || !v->%s.values) return gen_errf(d->err, \"out of memory\");\n  }\n",
      fn, fn, fn, fn, fn, fn);
  ctype(g, f->type, f->ref, ct, sizeof ct);
  ctype(g, f->value_type, f->value_ref, vt, sizeof vt);
  OUT("  for (uint32_t i = 0; i < n; i++) {\n");
  OUT("    %s key;\n    %s%sval;\n", ct, vt, f->value_type == SCALE_SIGTYPE_MODEL ? "" : " ");
  OUT("    bool found;\n    __builtin_memset(&key, 0, sizeof key);\n"
      "    __builtin_memset(&val, 0, sizeof val);\n");
  emit_get(g, m, f, f->type, f->ref, false, "key", "goto bad;");
  emit_get(g, m, f, f->value_type, f->value_ref, true, "val", "goto bad;");
  OUT("    size_t pos = find_%s__%s(v, &key, &found);\n", n, fn);
  OUT("    if (found) {\n      gen_errf(d->err, \"%%s.%%s: duplicate map key at offset %%zu\", ");
  names_lit(g, m, f);
  OUT(", d->r.pos);\n      goto bad;\n    }\n");
  OUT("    insert_%s__%s(v, pos, &key, &val);\n    continue;\n  bad:\n    ", n, fn);
  emit_release(g, f->type, f->ref, "key");
  OUT("    ");
  emit_release(g, f->value_type, f->value_ref, "val");
  OUT("    return false;\n  }\n  return true;\n}\n\n");
}

static void emit_decode(siggen_t *g, const struct scale_sigmodel *m) {
  const char *p = g->prefix, *n = mc(g, m);
  for (size_t i = 0; i < m->field_count; i++)
    emit_decode_field(g, m, &m->fields[i]);
  size_t charge = sizeof(scale_sigvalue_t) + m->field_count * sizeof(sig_slot_t);
  OUT("static bool dec_%s(gen_dec_t *d, unsigned depth, bool element, %s_%s_t **out) {\n", n, p, n);
  OUT("  *out = NULL;\n  int head = gen_dec_head(d, ");
  scale__siggen_cstr(g, m->name, strlen(m->name));
  OUT(", element);\n  if (head <= 0) return head == 0;\n");
  OUT("  if (!gen_charge(d, %zuu)) return gen_errf(d->err, \"%%s: decode allocation limit "
      "reached\", ",
      charge);
  scale__siggen_cstr(g, m->name, strlen(m->name));
  OUT(");\n  %s_%s_t *v = gen_alloc(sizeof *v);\n  if (!v) return gen_errf(d->err, \"out of "
      "memory\");\n",
      p, n);
  if (m->field_count == 0) OUT("  (void)depth;\n");
  for (size_t w = 0; w < m->field_count; w++) {
    const sig_field_t *f = &m->fields[m->wire[w]];
    OUT("  if (!dec_%s__%s(d, v, depth)) {\n    %s_%s_free(v);\n    return false;\n  }\n", n,
        fc(g, m, f), p, n);
  }
  OUT("  *out = v;\n  return true;\n}\n\n");
  OUT("bool %s_%s_decode(scale_pg_reader_t *r, %s_%s_t **out, %s_error_t *err) {\n", p, n, p, n, p);
  OUT("  gen_dec_t d;\n  gen_dec_init(&d, r, err);\n  bool ok = dec_%s(&d, 0, false, out);\n", n);
  OUT("  *r = d.r;\n  return ok;\n}\n\n");
  OUT("bool %s_%s_decode_bytes(const void *data, size_t len, %s_%s_t **out, %s_error_t *err) {\n",
      p, n, p, n, p);
  OUT("  scale_pg_reader_t r;\n  scale_pg_reader_init(&r, data ? data : \"\", len);\n");
  OUT("  if (!%s_%s_decode(&r, out, err)) return false;\n", p, n);
  OUT("  if (scale_pg_remaining(&r) != 0) {\n    %s_%s_free(*out);\n    *out = NULL;\n", p, n);
  OUT("    return gen_errf(err, \"%%s: %%zu trailing bytes after the model at offset %%zu\", ");
  scale__siggen_cstr(g, m->name, strlen(m->name));
  OUT(", scale_pg_remaining(&r), r.pos);\n  }\n  return true;\n}\n\n");
}

/* ------------------------------------------------------------ accessors, helpers */

static void emit_accessors(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  const char *p = g->prefix, *n = mc(g, m), *fn = fc(g, m, f);
  char ct[NAME_MAX_C];
  ctype(g, f->type, f->ref, ct, sizeof ct);
  /* getter */
  if (f->type == SCALE_SIGTYPE_STRING || f->type == SCALE_SIGTYPE_BYTES) {
    bool s = f->type == SCALE_SIGTYPE_STRING;
    OUT("const %s *%s_%s_get_%s(const %s_%s_t *v, size_t *len) {\n", s ? "char" : "uint8_t", p, n,
        fn, p, n);
    OUT("  if (len) *len = v->%s.len;\n  return v->%s.data ? v->%s.data : (const %s *)\"\";\n}\n\n",
        fn, fn, fn, s ? "char" : "uint8_t");
  } else {
    OUT("%s%s%s_%s_get_%s(const %s_%s_t *v) {\n  return v->%s;\n}\n\n", ct,
        f->type == SCALE_SIGTYPE_MODEL ? "" : " ", p, n, fn, p, n, fn);
  }
  /* setter */
  OUT("bool %s_%s_set_%s(%s_%s_t *v, ", p, n, fn, p, n);
  cell_params(g, f->type, f->ref, "value");
  OUT(", %s_error_t *err) {\n", p);
  switch (f->type) {
  case SCALE_SIGTYPE_STRING:
    OUT("  %s_str_t c = {0};\n", p);
    if (has_validators(f)) {
      /* emit_take checks UTF-8; the full check repeats it harmlessly. */
      emit_take(g, m, f, f->type, f->ref, false, "value", "c", "");
      OUT("  if (!check_%s__%s(c.data, c.len, err)) {\n    GEN_FREE(c.data);\n    return false;\n  "
          "}\n",
          n, fn);
    } else {
      emit_take(g, m, f, f->type, f->ref, false, "value", "c", "");
    }
    if (f->case_kind != SIG_CASE_NONE)
      OUT("  gen_case(c.data, c.len, %d);\n", f->case_kind == SIG_CASE_UPPER ? 1 : 0);
    OUT("  GEN_FREE(v->%s.data);\n  v->%s = c;\n  return true;\n}\n\n", fn, fn);
    return;
  case SCALE_SIGTYPE_BYTES:
    OUT("  %s_bytes_t c = {0};\n", p);
    emit_take(g, m, f, f->type, f->ref, false, "value", "c", "");
    OUT("  GEN_FREE(v->%s.data);\n  v->%s = c;\n  return true;\n}\n\n", fn, fn);
    return;
  case SCALE_SIGTYPE_MODEL:
    OUT("  (void)err;\n  if (v->%s != value) %s_%s_free(v->%s);\n  v->%s = value;\n  return "
        "true;\n}\n\n",
        fn, p, g->model_c[f->ref], fn, fn);
    return;
  default: /* numbers and bool; enums go to emit_enum_setter */
    if (has_validators(f))
      OUT("  if (!check_%s__%s(value, err)) return false;\n", n, fn);
    else
      OUT("  (void)err;\n");
    OUT("  v->%s = value;\n  return true;\n}\n\n", fn);
    return;
  }
}

static void emit_enum_setter(siggen_t *g, const struct scale_sigmodel *m, const sig_field_t *f) {
  const char *p = g->prefix, *n = mc(g, m), *fn = fc(g, m, f);
  char ct[NAME_MAX_C];
  ctype(g, f->type, f->ref, ct, sizeof ct);
  OUT("%s %s_%s_get_%s(const %s_%s_t *v) {\n  return v->%s;\n}\n\n", ct, p, n, fn, p, n, fn);
  const sig_enum_t *e = &g->sig->enums[f->ref];
  OUT("bool %s_%s_set_%s(%s_%s_t *v, %s value, %s_error_t *err) {\n", p, n, fn, p, n, ct, p);
  OUT("  if (!gen_check_enum(err, ");
  names_lit(g, m, f);
  OUT(", ");
  scale__siggen_cstr(g, e->name, strlen(e->name));
  OUT(", %zuu, (uint64_t)value)) return false;\n  v->%s = value;\n  return true;\n}\n\n",
      e->value_count, fn);
}

static void emit_collection_helpers(siggen_t *g, const struct scale_sigmodel *m,
                                    const sig_field_t *f) {
  const char *p = g->prefix, *n = mc(g, m), *fn = fc(g, m, f);
  char ct[NAME_MAX_C], vt[NAME_MAX_C], x[NAME_MAX_C];
  ctype(g, f->type, f->ref, ct, sizeof ct);
  /* clear */
  OUT("void %s_%s_%s_clear(%s_%s_t *v) {\n", p, n, fn, p, n);
  bool owns_k = f->type == SCALE_SIGTYPE_STRING || f->type == SCALE_SIGTYPE_BYTES;
  scale_sigtype_t et = elem_type(f);
  bool owns_v =
      et == SCALE_SIGTYPE_STRING || et == SCALE_SIGTYPE_BYTES || et == SCALE_SIGTYPE_MODEL;
  if (f->shape == SCALE_SIGSHAPE_ARRAY) {
    if (owns_k || et == SCALE_SIGTYPE_MODEL) {
      OUT("  for (size_t i = 0; i < v->%s.count; i++) {\n    ", fn);
      snprintf(x, sizeof x, "v->%s.items[i]", fn);
      emit_release(g, f->type, f->ref, x);
      OUT("  }\n");
    }
    OUT("  GEN_FREE(v->%s.items);\n  v->%s.items = NULL;\n  v->%s.count = 0;\n}\n\n", fn, fn, fn);
    /* append */
    OUT("bool %s_%s_%s_append(%s_%s_t *v, ", p, n, fn, p, n);
    cell_params(g, f->type, f->ref, "value");
    OUT(", %s_error_t *err) {\n", p);
    OUT("  %s%sc;\n  __builtin_memset(&c, 0, sizeof c);\n", ct,
        f->type == SCALE_SIGTYPE_MODEL ? "" : " ");
    emit_take(g, m, f, f->type, f->ref, true, "value", "c", "");
    OUT("  void *grown = GEN_REALLOC(v->%s.items, (v->%s.count + 1) * sizeof *v->%s.items);\n", fn,
        fn, fn);
    OUT("  if (!grown) {\n");
    if (f->type == SCALE_SIGTYPE_STRING || f->type == SCALE_SIGTYPE_BYTES) {
      OUT("    ");
      emit_release(g, f->type, f->ref, "c");
    }
    OUT("    return gen_errf(err, \"out of memory\");\n  }\n");
    OUT("  v->%s.items = grown;\n  v->%s.items[v->%s.count++] = c;\n  return true;\n}\n\n", fn, fn,
        fn);
    return;
  }
  ctype(g, f->value_type, f->value_ref, vt, sizeof vt);
  OUT("  for (size_t i = 0; i < v->%s.count; i++) {\n", fn);
  if (owns_k) {
    snprintf(x, sizeof x, "v->%s.keys[i]", fn);
    OUT("    ");
    emit_release(g, f->type, f->ref, x);
  }
  if (owns_v) {
    snprintf(x, sizeof x, "v->%s.values[i]", fn);
    OUT("    ");
    emit_release(g, f->value_type, f->value_ref, x);
  }
  if (!owns_k && !owns_v) OUT("    (void)i;\n");
  OUT("  }\n  GEN_FREE(v->%s.keys);\n  GEN_FREE(v->%s.values);\n", fn, fn);
  OUT("  v->%s.keys = NULL;\n  v->%s.values = NULL;\n  v->%s.count = 0;\n}\n\n", fn, fn, fn);
  /* put: value.c checks the key, then the value; a present key is replaced. */
  OUT("bool %s_%s_%s_put(%s_%s_t *v, ", p, n, fn, p, n);
  cell_params(g, f->type, f->ref, "key");
  OUT(", ");
  cell_params(g, f->value_type, f->value_ref, "value");
  OUT(", %s_error_t *err) {\n", p);
  OUT("  %s k;\n  %s%sc;\n  bool found;\n", ct, vt,
      f->value_type == SCALE_SIGTYPE_MODEL ? "" : " ");
  OUT("  __builtin_memset(&k, 0, sizeof k);\n  __builtin_memset(&c, 0, sizeof c);\n");
  emit_take(g, m, f, f->type, f->ref, false, "key", "k", "");
  char cleanup[NAME_MAX_C] = "";
  if (owns_k) snprintf(cleanup, sizeof cleanup, "GEN_FREE(k.data);\n    ");
  emit_take(g, m, f, f->value_type, f->value_ref, true, "value", "c", cleanup);
  OUT("  size_t pos = find_%s__%s(v, &k, &found);\n", n, fn);
  OUT("  if (found) {\n");
  if (owns_k) OUT("    GEN_FREE(k.data);\n");
  if (owns_v) {
    snprintf(x, sizeof x, "v->%s.values[pos]", fn);
    if (et == SCALE_SIGTYPE_MODEL) {
      OUT("    if (v->%s.values[pos] != c) {\n      ", fn);
      emit_release(g, f->value_type, f->value_ref, x);
      OUT("    }\n");
    } else {
      OUT("    ");
      emit_release(g, f->value_type, f->value_ref, x);
    }
  }
  OUT("    v->%s.values[pos] = c;\n    return true;\n  }\n", fn);
  OUT("  size_t want = v->%s.count + 1;\n", fn);
  OUT("  void *nk = GEN_REALLOC(v->%s.keys, want * sizeof *v->%s.keys);\n", fn, fn);
  OUT("  if (nk) v->%s.keys = nk;\n", fn);
  OUT("  void *nv = nk ? GEN_REALLOC(v->%s.values, want * sizeof *v->%s.values) : NULL;\n", fn, fn);
  OUT("  if (!nv) {\n");
  if (owns_k) OUT("    GEN_FREE(k.data);\n");
  if (et == SCALE_SIGTYPE_STRING || et == SCALE_SIGTYPE_BYTES) OUT("    GEN_FREE(c.data);\n");
  OUT("    return gen_errf(err, \"out of memory\");\n  }\n");
  OUT("  v->%s.values = nv;\n  insert_%s__%s(v, pos, &k, &c);\n  return true;\n}\n\n", fn, n, fn);
}

void scale__siggen_model_code(siggen_t *g, const struct scale_sigmodel *m) {
  OUT("/* ---------------------------------------------------------------- %s */\n\n",
      g->model_c[m->index]);
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    if (has_validators(f)) emit_check(g, m, f);
    if (f->shape == SCALE_SIGSHAPE_MAP) emit_cmp(g, m, f);
  }
  emit_build(g, m);
  emit_release_fn(g, m);
  emit_encode(g, m);
  emit_decode(g, m);
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    if (f->shape != SCALE_SIGSHAPE_SCALAR)
      emit_collection_helpers(g, m, f);
    else if (f->accessor && f->type == SCALE_SIGTYPE_ENUM)
      emit_enum_setter(g, m, f);
    else if (f->accessor)
      emit_accessors(g, m, f);
  }
}
