/*
 * Binary decoding of a whole module into wasm_module_t.
 *
 * The decoder follows the reference interpreter's reading order so that
 * malformed binaries fail with the same message as in the spec suite: a
 * section's entries are read against the end of the module, and only then
 * is the section's declared size checked ("section size mismatch").
 * Function bodies are only split out (locals + code range); the validator
 * walks their instructions. Every read is bounded; nothing here aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "scale/limits.h"
#include "util/utf8.h"
#include "wasm/decode/reader.h"

static const char EOS_SECTION[] = "unexpected end of section or function";

typedef struct decoder {
  wasm_reader_t r;
  wasm_module_t *m;
  bool has_func_section;
  bool has_code_section;
  uint32_t code_count;
} decoder_t;

static bool fail(decoder_t *d, const uint8_t *at, const char *msg) {
  return scale__wasm_fail(&d->r, at, msg);
}

/* calloc that never returns NULL for a zero count, so "no entries" needs no special case. */
static void *alloc_array(decoder_t *d, size_t count, size_t size) {
  void *p = calloc(count ? count : 1, size);
  if (!p) fail(d, d->r.p, "out of memory");
  return p;
}

/* A vector count: bounded by the bytes left and by the per-section cap. */
static bool count(decoder_t *d, uint32_t *out) {
  const uint8_t *at = d->r.p;
  if (!scale__wasm_len(&d->r, out)) return false;
  if (*out > SCALE_MAX_SECTION_ENTRIES) return fail(d, at, "too many section entries");
  return true;
}

static bool name(wasm_reader_t *r, const char **out, uint32_t *out_len) {
  const uint8_t *at = r->p;
  uint32_t n;
  const uint8_t *s;
  if (!scale__wasm_len(r, &n) || !scale__wasm_bytes(r, n, &s)) return false;
  if (n > SCALE_MAX_NAME_BYTES) return scale__wasm_fail(r, at, "name too long");
  if (!scale__utf8_valid(s, n)) return scale__wasm_fail(r, at, "malformed UTF-8 encoding");
  *out = (const char *)s;
  *out_len = n;
  return true;
}

static bool limits(decoder_t *d, wasm_limits_t *out) {
  uint64_t flag;
  scale_leb_status_t st = scale__leb128_read_unsigned(&d->r.p, d->r.end, 1, &flag);
  if (st != SCALE_LEB_OK) return scale__wasm_leb_fail(&d->r, st);
  out->has_max = flag == 1;
  out->max = 0;
  if (!scale__wasm_u32(&d->r, &out->min)) return false;
  return !out->has_max || scale__wasm_u32(&d->r, &out->max);
}

static bool table_type(decoder_t *d, wasm_tabletype_t *out) {
  return scale__wasm_reftype(&d->r, &out->elem_type) && limits(d, &out->limits);
}

static bool global_type(decoder_t *d, wasm_globaltype_t *out) {
  if (!scale__wasm_valtype(&d->r, &out->type)) return false;
  const uint8_t *at = d->r.p;
  uint8_t mut;
  if (!scale__wasm_u8(&d->r, &mut)) return false;
  if (mut > 1) return fail(d, at, "malformed mutability");
  out->mutable_ = mut == 1;
  return true;
}

/*
 * A constant expression. The usual one-instruction form is recorded in
 * `out`; anything else is skipped up to its final `end` and left for the
 * validator, which re-reads the expression from `out->offset` and reports
 * "constant expression required" or "type mismatch".
 */
static bool const_expr(decoder_t *d, wasm_const_expr_t *out) {
  wasm_reader_t *r = &d->r;
  memset(out, 0, sizeof *out);
  out->offset = (uint32_t)(r->p - r->base);
  wasm_instr_t in;
  if (!scale__wasm_instr_read(r, &in)) return false;
  bool simple = true;
  switch (in.op) {
  case 0x41:
    out->kind = WASM_CONST_I32;
    out->bits = in.bits;
    break;
  case 0x42:
    out->kind = WASM_CONST_I64;
    out->bits = in.bits;
    break;
  case 0x43:
    out->kind = WASM_CONST_F32;
    out->bits = in.bits;
    break;
  case 0x44:
    out->kind = WASM_CONST_F64;
    out->bits = in.bits;
    break;
  case 0x23:
    out->kind = WASM_CONST_GLOBAL_GET;
    out->index = in.a;
    break;
  case 0xd0:
    out->kind = WASM_CONST_REF_NULL;
    out->ref_type = (uint8_t)in.a;
    break;
  case 0xd2:
    out->kind = WASM_CONST_REF_FUNC;
    out->index = in.a;
    break;
  default:
    simple = false;
    break;
  }
  if (simple && r->p < r->end && *r->p == 0x0b) {
    r->p++;
    return true;
  }
  /*
   * Not the one-instruction form: the module is invalid, and the validator
   * says why after re-reading the bytes. Record a kind that is never
   * taken at face value (an out-of-range global.get).
   */
  out->kind = WASM_CONST_GLOBAL_GET;
  out->index = UINT32_MAX;
  /* Skip the expression, tracking nesting so only the final end stops us. */
  uint32_t depth = 0;
  for (;;) {
    if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04) {
      depth++;
    } else if (in.op == 0x0b) {
      if (depth == 0) return true;
      depth--;
    } else if (in.op == 0x05 && depth == 0) {
      return fail(d, in.at, "END opcode expected");
    }
    if (!scale__wasm_instr_read(r, &in)) return false;
  }
}

static bool bad_type(decoder_t *d, const uint8_t *at) {
  if (*at & 0x80) /* a 7-bit signed LEB128 for the reference decoder */
    return fail(d, at + 1, "integer representation too long");
  return fail(d, at, "malformed value type");
}

static bool type_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->types = alloc_array(d, n, sizeof *m->types))) return false;
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *at = d->r.p;
    uint8_t form;
    if (!scale__wasm_u8(&d->r, &form)) return false;
    if (form != 0x60) {
      if (form & 0x80) /* read as a 7-bit signed LEB128 by the reference decoder */
        return fail(d, d->r.p, "integer representation too long");
      return fail(d, at, "malformed function type");
    }
    uint32_t np, nr;
    const uint8_t *params, *results;
    at = d->r.p;
    if (!scale__wasm_len(&d->r, &np) || !scale__wasm_bytes(&d->r, np, &params)) return false;
    if (np > SCALE_MAX_FUNC_PARAMS) return fail(d, at, "too many parameters");
    at = d->r.p;
    if (!scale__wasm_len(&d->r, &nr) || !scale__wasm_bytes(&d->r, nr, &results)) return false;
    if (nr > SCALE_MAX_FUNC_RESULTS) return fail(d, at, "too many results");
    for (uint32_t k = 0; k < np; k++)
      if (!scale__wasm_is_valtype(params[k])) return bad_type(d, params + k);
    for (uint32_t k = 0; k < nr; k++)
      if (!scale__wasm_is_valtype(results[k])) return bad_type(d, results + k);
    wasm_functype_t *t = &m->types[i];
    if (!(t->types = alloc_array(d, (size_t)np + nr, 1))) return false;
    memcpy(t->types, params, np);
    memcpy(t->types + np, results, nr);
    t->param_count = np;
    t->result_count = nr;
    m->type_count = i + 1;
  }
  return true;
}

static bool import_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->imports = alloc_array(d, n, sizeof *m->imports))) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_import_t *im = &m->imports[i];
    if (!name(&d->r, &im->module, &im->module_len) || !name(&d->r, &im->name, &im->name_len))
      return false;
    const uint8_t *at = d->r.p;
    if (!scale__wasm_u8(&d->r, &im->kind)) return false;
    bool ok;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
      ok = scale__wasm_u32(&d->r, &im->desc.func_type);
      m->imported_func_count++;
      break;
    case WASM_EXTERN_TABLE:
      ok = table_type(d, &im->desc.table);
      m->imported_table_count++;
      break;
    case WASM_EXTERN_MEMORY:
      ok = limits(d, &im->desc.memory);
      m->imported_memory_count++;
      break;
    case WASM_EXTERN_GLOBAL:
      ok = global_type(d, &im->desc.global);
      m->imported_global_count++;
      break;
    default:
      return fail(d, at, "malformed import kind");
    }
    if (!ok) return false;
    m->import_count = i + 1;
  }
  return true;
}

static bool func_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->funcs = alloc_array(d, n, sizeof *m->funcs))) return false;
  m->func_count = n;
  d->has_func_section = true;
  for (uint32_t i = 0; i < n; i++)
    if (!scale__wasm_u32(&d->r, &m->funcs[i].type_index)) return false;
  return true;
}

static bool table_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->tables = alloc_array(d, n, sizeof *m->tables))) return false;
  for (uint32_t i = 0; i < n; i++) {
    if (!table_type(d, &m->tables[i])) return false;
    m->table_count = i + 1;
  }
  return true;
}

static bool memory_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->memories = alloc_array(d, n, sizeof *m->memories))) return false;
  for (uint32_t i = 0; i < n; i++) {
    if (!limits(d, &m->memories[i])) return false;
    m->memory_count = i + 1;
  }
  return true;
}

static bool global_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->globals = alloc_array(d, n, sizeof *m->globals))) return false;
  for (uint32_t i = 0; i < n; i++) {
    if (!global_type(d, &m->globals[i].type) || !const_expr(d, &m->globals[i].init)) return false;
    m->global_count = i + 1;
  }
  return true;
}

static bool export_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->exports = alloc_array(d, n, sizeof *m->exports))) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_export_t *ex = &m->exports[i];
    if (!name(&d->r, &ex->name, &ex->name_len)) return false;
    const uint8_t *at = d->r.p;
    if (!scale__wasm_u8(&d->r, &ex->kind)) return false;
    if (ex->kind > WASM_EXTERN_GLOBAL) return fail(d, at, "malformed export kind");
    if (!scale__wasm_u32(&d->r, &ex->index)) return false;
    m->export_count = i + 1;
  }
  return true;
}

static bool start_section(decoder_t *d) {
  d->m->has_start = true;
  return scale__wasm_u32(&d->r, &d->m->start_func);
}

/* Element items: either bare function indices or constant expressions. */
static bool elem_items(decoder_t *d, wasm_elem_t *e, bool exprs) {
  uint32_t n;
  if (!count(d, &n) || !(e->items = alloc_array(d, n, sizeof *e->items))) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_const_expr_t *it = &e->items[i];
    if (exprs) {
      if (!const_expr(d, it)) return false;
    } else {
      it->kind = WASM_CONST_REF_FUNC;
      it->offset = (uint32_t)(d->r.p - d->r.base);
      if (!scale__wasm_u32(&d->r, &it->index)) return false;
    }
    e->count = i + 1;
  }
  return true;
}

static bool elem_kind(decoder_t *d, wasm_elem_t *e) {
  const uint8_t *at = d->r.p;
  uint8_t k;
  if (!scale__wasm_u8(&d->r, &k)) return false;
  if (k != 0x00) return fail(d, at, "malformed element kind");
  e->elem_type = WASM_FUNCREF;
  return true;
}

static bool elem_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->elems = alloc_array(d, n, sizeof *m->elems))) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_elem_t *e = &m->elems[i];
    m->elem_count = i + 1;
    const uint8_t *at = d->r.p;
    uint32_t flags;
    if (!scale__wasm_u32(&d->r, &flags)) return false;
    if (flags > 7) return fail(d, at, "malformed elements segment kind");
    /* Bit 0: passive or declarative; bit 1: explicit table (active) or
     * declarative; bit 2: items are expressions. */
    bool exprs = flags & 4;
    e->elem_type = WASM_FUNCREF;
    if (flags & 1) {
      e->mode = (flags & 2) ? WASM_SEGMENT_DECLARATIVE : WASM_SEGMENT_PASSIVE;
    } else {
      e->mode = WASM_SEGMENT_ACTIVE;
      if ((flags & 2) && !scale__wasm_u32(&d->r, &e->table_index)) return false;
      if (!const_expr(d, &e->offset)) return false;
    }
    if (flags & 3) { /* explicit element kind or type */
      bool ok = exprs ? scale__wasm_reftype(&d->r, &e->elem_type) : elem_kind(d, e);
      if (!ok) return false;
    }
    if (!elem_items(d, e, exprs)) return false;
  }
  return true;
}

static bool data_count_section(decoder_t *d) {
  d->m->has_data_count = true;
  return scale__wasm_u32(&d->r, &d->m->data_count);
}

static bool code_body(decoder_t *d, wasm_func_t *f) {
  wasm_module_t *m = d->m;
  uint32_t size;
  if (!scale__wasm_len(&d->r, &size)) return false;
  const uint8_t *start = d->r.p;
  const uint8_t *body_end = start + size;
  uint32_t n;
  if (!scale__wasm_len(&d->r, &n)) return false;
  if (n && !(f->local_decls = alloc_array(d, n, sizeof *f->local_decls))) return false;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    struct wasm_local_decl *ld = &f->local_decls[i];
    if (!scale__wasm_u32(&d->r, &ld->count) || !scale__wasm_valtype(&d->r, &ld->type)) return false;
    f->local_decl_count = i + 1;
    total += ld->count;
  }
  uint64_t params = 0;
  if (f->type_index < m->type_count) params = m->types[f->type_index].param_count;
  if (total + params > SCALE_MAX_FUNC_LOCALS) return fail(d, start, "too many locals");
  if (d->r.p > body_end) return fail(d, start, "section size mismatch");
  f->local_count = (uint32_t)total;
  f->code = d->r.p;
  f->code_len = (uint32_t)(body_end - d->r.p);
  f->code_offset = (uint32_t)(d->r.p - d->r.base);
  d->r.p = body_end;
  return true;
}

static bool code_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  const uint8_t *at = d->r.p;
  uint32_t n;
  if (!count(d, &n)) return false;
  d->has_code_section = true;
  if (n != m->func_count) return fail(d, at, "function and code section have inconsistent lengths");
  for (uint32_t i = 0; i < n; i++)
    if (!code_body(d, &m->funcs[i])) return false;
  d->code_count = n;
  return true;
}

static bool data_section(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t n;
  if (!count(d, &n) || !(m->datas = alloc_array(d, n, sizeof *m->datas))) return false;
  for (uint32_t i = 0; i < n; i++) {
    wasm_data_t *ds = &m->datas[i];
    m->data_seg_count = i + 1;
    const uint8_t *at = d->r.p;
    uint32_t flags;
    if (!scale__wasm_u32(&d->r, &flags)) return false;
    if (flags > 2) return fail(d, at, "malformed data segment kind");
    if (flags == 1) {
      ds->mode = WASM_SEGMENT_PASSIVE;
    } else {
      ds->mode = WASM_SEGMENT_ACTIVE;
      if (flags == 2 && !scale__wasm_u32(&d->r, &ds->memory_index)) return false;
      if (!const_expr(d, &ds->offset)) return false;
    }
    if (!scale__wasm_len(&d->r, &ds->len) || !scale__wasm_bytes(&d->r, ds->len, &ds->bytes))
      return false;
  }
  return true;
}

/* A custom section: only its name is checked; the payload is opaque. */
static bool custom_section(decoder_t *d, const uint8_t *end) {
  wasm_reader_t sub = d->r;
  sub.end = end;
  const char *s;
  uint32_t n;
  if (!name(&sub, &s, &n)) return false;
  d->r.p = end;
  return true;
}

/* Position of each section id in the required order (custom sections excluded). */
static const uint8_t section_rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

static bool sections(decoder_t *d) {
  wasm_reader_t *r = &d->r;
  uint8_t last_rank = 0;
  while (r->p < r->end) {
    const uint8_t *id_at = r->p;
    uint8_t id = *r->p++;
    if (id > 12) return fail(d, id_at, "malformed section id");
    uint32_t size;
    if (!scale__wasm_len(r, &size)) return false;
    const uint8_t *start = r->p;
    const uint8_t *end = start + size;
    if (id == 0) {
      if (!custom_section(d, end)) return false;
      continue;
    }
    if (section_rank[id] <= last_rank)
      return fail(d, id_at, "unexpected content after last section");
    last_rank = section_rank[id];
    bool ok = false;
    switch (id) {
    case 1:
      ok = type_section(d);
      break;
    case 2:
      ok = import_section(d);
      break;
    case 3:
      ok = func_section(d);
      break;
    case 4:
      ok = table_section(d);
      break;
    case 5:
      ok = memory_section(d);
      break;
    case 6:
      ok = global_section(d);
      break;
    case 7:
      ok = export_section(d);
      break;
    case 8:
      ok = start_section(d);
      break;
    case 9:
      ok = elem_section(d);
      break;
    case 10:
      ok = code_section(d);
      break;
    case 11:
      ok = data_section(d);
      break;
    case 12:
      ok = data_count_section(d);
      break;
    }
    if (!ok) return false;
    if (r->p != end) return fail(d, start, "section size mismatch");
  }
  wasm_module_t *m = d->m;
  if (m->func_count != d->code_count)
    return fail(d, r->end, "function and code section have inconsistent lengths");
  if (m->has_data_count && m->data_count != m->data_seg_count)
    return fail(d, r->end, "data count and data section have inconsistent lengths");
  return true;
}

static void mark_declared(wasm_module_t *m, uint32_t total, uint32_t index) {
  if (index < total) m->declared_funcs[index / 8] |= (uint8_t)(1u << (index % 8));
}

/* Group import positions by kind (a counting sort) for the index-space helpers. */
static bool index_imports(decoder_t *d) {
  wasm_module_t *m = d->m;
  if (!(m->import_by_kind = alloc_array(d, m->import_count, sizeof *m->import_by_kind)))
    return false;
  uint32_t next[4];
  next[0] = 0;
  next[1] = next[0] + m->imported_func_count;
  next[2] = next[1] + m->imported_table_count;
  next[3] = next[2] + m->imported_memory_count;
  for (uint32_t i = 0; i < m->import_count; i++)
    m->import_by_kind[next[m->imports[i].kind]++] = i;
  return true;
}

/* C.refs of the spec: functions named outside function bodies. */
static bool declare_refs(decoder_t *d) {
  wasm_module_t *m = d->m;
  uint32_t total = wasm_module_total_funcs(m);
  if (!(m->declared_funcs = alloc_array(d, (size_t)total / 8 + 1, 1))) return false;
  for (uint32_t i = 0; i < m->global_count; i++)
    if (m->globals[i].init.kind == WASM_CONST_REF_FUNC)
      mark_declared(m, total, m->globals[i].init.index);
  for (uint32_t i = 0; i < m->elem_count; i++)
    for (uint32_t k = 0; k < m->elems[i].count; k++)
      if (m->elems[i].items[k].kind == WASM_CONST_REF_FUNC)
        mark_declared(m, total, m->elems[i].items[k].index);
  for (uint32_t i = 0; i < m->export_count; i++)
    if (m->exports[i].kind == WASM_EXTERN_FUNC) mark_declared(m, total, m->exports[i].index);
  return true;
}

bool wasm_module_decode(const uint8_t *bytes, size_t len, wasm_module_t **out, wasm_diag_t *diag) {
  wasm_diag_t scratch;
  if (!diag) diag = &scratch;
  memset(diag, 0, sizeof *diag);
  if (!bytes && len) len = 0;
  if (len > SCALE_MAX_MODULE_BYTES) {
    diag->message = "module too large";
    return false;
  }
  decoder_t d;
  memset(&d, 0, sizeof d);
  d.m = calloc(1, sizeof *d.m);
  if (!d.m || !(d.m->bytes = malloc(len ? len : 1))) {
    free(d.m);
    diag->message = "out of memory";
    return false;
  }
  if (len) memcpy(d.m->bytes, bytes, len);
  d.m->len = len;
  d.r.base = d.m->bytes;
  d.r.p = d.m->bytes;
  d.r.end = d.m->bytes + len;
  d.r.eos = "unexpected end";
  d.r.diag = diag;

  static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6d};
  static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
  const uint8_t *hdr;
  bool ok = scale__wasm_bytes(&d.r, 4, &hdr);
  if (ok && memcmp(hdr, magic, 4) != 0) ok = fail(&d, hdr, "magic header not detected");
  if (ok && scale__wasm_bytes(&d.r, 4, &hdr) && memcmp(hdr, version, 4) != 0)
    ok = fail(&d, hdr, "unknown binary version");
  ok = ok && !diag->message;
  d.r.eos = EOS_SECTION;
  ok = ok && sections(&d) && index_imports(&d) && declare_refs(&d);
  if (!ok) {
    wasm_module_free(d.m);
    return false;
  }
  *out = d.m;
  return true;
}
