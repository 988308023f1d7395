/*
 * The prepare pass: a validated module in, the module wasm2c compiles out
 * (the contract is in aot/prepare.h).
 *
 * Structure comes from the decoded module; only the type section and the
 * function bodies (local declarations and code) are copied from the
 * original bytes, which are walked again here with bounded reads. Nothing
 * is trusted to be in range without a check: a mismatch between bytes and
 * module is reported, never read past.
 */
#include "aot/prepare.h"

#include <stdio.h>
#include <string.h>

#include "aot/encode.h"
#include "aot/instrument.h"
#include "util/leb128.h"

enum {
  SEC_TYPE = 1,
  SEC_IMPORT = 2,
  SEC_FUNC = 3,
  SEC_ELEM = 9,
  SEC_CODE = 10,
  SEC_DATA = 11,
  SEC_DATA_COUNT = 12,
};

/* The raw pieces of the original binary the pass copies. */
typedef struct raw_sections {
  const uint8_t *type; /* type section content, or NULL */
  size_t type_len;
  const uint8_t *code; /* code section content, or NULL */
  const uint8_t *code_end;
} raw_sections_t;

typedef struct prepare {
  const wasm_module_t *m;
  const uint8_t *bytes;
  size_t len;
  bool checks;
  bool meter;           /* with checks: fuel too, not only the stop flag */
  uint32_t fuel_global; /* the imported fuel and stop globals (G, G+1) */
  uint32_t stop_global;
  raw_sections_t raw;
  scale__aot_buf_t out;
  scale__aot_buf_t sec;  /* one section's content */
  scale__aot_buf_t body; /* one function body's content */
  scale__aot_instr_scratch_t scratch;
  const char *error; /* a failure not carried by a buffer */
} prepare_t;

static bool fail(prepare_t *p, const char *msg) {
  if (!p->error) p->error = msg;
  return false;
}

static bool find_sections(prepare_t *p) {
  const uint8_t *q = p->bytes + 8;
  const uint8_t *end = p->bytes + p->len;
  if (p->len < 8) return fail(p, "module bytes too short");
  while (q < end) {
    uint8_t id = *q++;
    uint32_t size;
    if (scale__leb128_read_u32(&q, end, &size) != SCALE_LEB_OK || size > (size_t)(end - q))
      return fail(p, "module bytes do not match the decoded module (bad section)");
    if (id == SEC_TYPE) {
      p->raw.type = q;
      p->raw.type_len = size;
    } else if (id == SEC_CODE) {
      p->raw.code = q;
      p->raw.code_end = q + size;
    }
    q += size;
  }
  return true;
}

static void section(prepare_t *p, uint8_t id) {
  scale__aot_buf_section(&p->out, id, &p->sec);
  p->sec.len = 0;
}

static void limits(scale__aot_buf_t *b, const wasm_limits_t *l) {
  scale__aot_buf_byte(b, l->has_max ? 1 : 0);
  scale__aot_buf_u32(b, l->min);
  if (l->has_max) scale__aot_buf_u32(b, l->max);
}

static void import_name(scale__aot_buf_t *b, char kind, uint32_t index) {
  char name[16];
  int n = snprintf(name, sizeof name, "%c%u", kind, (unsigned)index);
  scale__aot_buf_name(b, "s", 1);
  scale__aot_buf_name(b, name, (size_t)n);
}

static void table_import(scale__aot_buf_t *b, uint32_t index, const wasm_tabletype_t *t) {
  import_name(b, 't', index);
  scale__aot_buf_byte(b, WASM_EXTERN_TABLE);
  scale__aot_buf_byte(b, t->elem_type);
  limits(b, &t->limits);
}

static void memory_import(scale__aot_buf_t *b, uint32_t index, const wasm_limits_t *l) {
  import_name(b, 'm', index);
  scale__aot_buf_byte(b, WASM_EXTERN_MEMORY);
  limits(b, l);
}

static void global_import_type(scale__aot_buf_t *b, const wasm_globaltype_t *t) {
  scale__aot_buf_byte(b, WASM_EXTERN_GLOBAL);
  scale__aot_buf_byte(b, t->type);
  scale__aot_buf_byte(b, t->mutable_ ? 1 : 0);
}

static bool import_section(prepare_t *p) {
  const wasm_module_t *m = p->m;
  /* fuel and stop are imported even without checks: generated code finds the
   * store (stack limit, caller) through the stop pointer (src/aot/rt/wasm-rt.h). */
  uint64_t n = (uint64_t)m->import_count + m->table_count + m->memory_count + m->global_count + 2;
  if (n > UINT32_MAX) return fail(p, "too many imports");
  if (n == 0) return true;
  scale__aot_buf_t *b = &p->sec;
  scale__aot_buf_u32(b, (uint32_t)n);
  uint32_t next[4] = {0, 0, 0, 0}; /* next index in each kind's index space */
  for (uint32_t i = 0; i < m->import_count; i++) {
    const wasm_import_t *im = &m->imports[i];
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
      import_name(b, 'f', next[0]++);
      scale__aot_buf_byte(b, WASM_EXTERN_FUNC);
      scale__aot_buf_u32(b, im->desc.func_type);
      break;
    case WASM_EXTERN_TABLE:
      table_import(b, next[1]++, &im->desc.table);
      break;
    case WASM_EXTERN_MEMORY:
      memory_import(b, next[2]++, &im->desc.memory);
      break;
    case WASM_EXTERN_GLOBAL:
      import_name(b, 'g', next[3]++);
      global_import_type(b, &im->desc.global);
      break;
    default:
      return fail(p, "unknown import kind in a validated module");
    }
  }
  for (uint32_t j = 0; j < m->table_count; j++)
    table_import(b, m->imported_table_count + j, &m->tables[j]);
  for (uint32_t j = 0; j < m->memory_count; j++)
    memory_import(b, m->imported_memory_count + j, &m->memories[j]);
  for (uint32_t j = 0; j < m->global_count; j++) {
    import_name(b, 'g', m->imported_global_count + j);
    global_import_type(b, &m->globals[j].type);
  }
  {
    static const wasm_globaltype_t fuel = {WASM_I64, true}, stop = {WASM_I32, true};
    scale__aot_buf_name(b, "s", 1);
    scale__aot_buf_name(b, "fuel", 4);
    global_import_type(b, &fuel);
    scale__aot_buf_name(b, "s", 1);
    scale__aot_buf_name(b, "stop", 4);
    global_import_type(b, &stop);
  }
  section(p, SEC_IMPORT);
  return true;
}

static void func_section(prepare_t *p) {
  const wasm_module_t *m = p->m;
  if (m->func_count == 0) return;
  scale__aot_buf_u32(&p->sec, m->func_count);
  for (uint32_t i = 0; i < m->func_count; i++)
    scale__aot_buf_u32(&p->sec, m->funcs[i].type_index);
  section(p, SEC_FUNC);
}

/*
 * One element expression. wabt 1.0.32 accepts only ref.null and ref.func
 * there, so in a declarative segment (never read: it only declares
 * functions) a global.get becomes ref.null of the segment's type.
 */
static bool elem_item(prepare_t *p, const wasm_const_expr_t *it, bool declarative,
                      uint8_t elem_type) {
  scale__aot_buf_t *b = &p->sec;
  if (declarative && it->kind == WASM_CONST_GLOBAL_GET) {
    scale__aot_buf_byte(b, 0xd0);
    scale__aot_buf_byte(b, elem_type);
    scale__aot_buf_byte(b, 0x0b);
    return true;
  }
  switch (it->kind) {
  case WASM_CONST_REF_FUNC:
    scale__aot_buf_byte(b, 0xd2);
    scale__aot_buf_u32(b, it->index);
    break;
  case WASM_CONST_REF_NULL:
    scale__aot_buf_byte(b, 0xd0);
    scale__aot_buf_byte(b, it->ref_type);
    break;
  case WASM_CONST_GLOBAL_GET:
    scale__aot_buf_byte(b, 0x23);
    scale__aot_buf_u32(b, it->index);
    break;
  default:
    return fail(p, "element item is not a reference in a validated module");
  }
  scale__aot_buf_byte(b, 0x0b);
  return true;
}

static bool elem_section(prepare_t *p) {
  const wasm_module_t *m = p->m;
  scale__aot_buf_t *b = &p->sec;
  if (m->elem_count == UINT32_MAX) return fail(p, "too many element segments");
  scale__aot_buf_u32(b, m->elem_count + 1);
  for (uint32_t i = 0; i < m->elem_count; i++) {
    const wasm_elem_t *e = &m->elems[i];
    bool indices = e->elem_type == WASM_FUNCREF;
    for (uint32_t k = 0; k < e->count && indices; k++)
      indices = e->items[k].kind == WASM_CONST_REF_FUNC;
    /* Flags: bit 0 passive or declarative, bit 1 declarative, bit 2 expressions. */
    uint32_t flags = (e->mode == WASM_SEGMENT_PASSIVE ? 1u : 3u) | (indices ? 0u : 4u);
    scale__aot_buf_u32(b, flags);
    if (indices)
      scale__aot_buf_byte(b, 0x00); /* elemkind funcref */
    else
      scale__aot_buf_byte(b, e->elem_type);
    scale__aot_buf_u32(b, e->count);
    for (uint32_t k = 0; k < e->count; k++) {
      if (indices)
        scale__aot_buf_u32(b, e->items[k].index);
      else if (!elem_item(p, &e->items[k], e->mode != WASM_SEGMENT_PASSIVE, e->elem_type))
        return false;
    }
  }
  /* Declares every function, for the ref.func instructions in bodies. */
  uint32_t total = wasm_module_total_funcs(m);
  scale__aot_buf_u32(b, 3);
  scale__aot_buf_byte(b, 0x00);
  scale__aot_buf_u32(b, total);
  for (uint32_t f = 0; f < total; f++)
    scale__aot_buf_u32(b, f);
  section(p, SEC_ELEM);
  return true;
}

static bool code_section(prepare_t *p) {
  const wasm_module_t *m = p->m;
  if (m->func_count == 0) return true;
  if (!p->raw.code)
    return fail(p, "module bytes do not match the decoded module (no code section)");
  const uint8_t *q = p->raw.code, *end = p->raw.code_end;
  uint32_t n;
  if (scale__leb128_read_u32(&q, end, &n) != SCALE_LEB_OK || n != m->func_count)
    return fail(p, "module bytes do not match the decoded module (code count)");
  scale__aot_buf_u32(&p->sec, n);
  for (uint32_t i = 0; i < n; i++) {
    const wasm_func_t *f = &m->funcs[i];
    uint32_t size;
    if (scale__leb128_read_u32(&q, end, &size) != SCALE_LEB_OK || size > (size_t)(end - q))
      return fail(p, "module bytes do not match the decoded module (body size)");
    const uint8_t *body = q, *body_end = q + size;
    q = body_end;
    /* The locals are the bytes before the code, which must end the body. */
    size_t body_off = (size_t)(body - p->bytes), end_off = (size_t)(body_end - p->bytes);
    if (f->code_offset < body_off || (size_t)f->code_offset + f->code_len != end_off ||
        f->code_len == 0)
      return fail(p, "module bytes do not match the decoded module (body range)");
    const uint8_t *code = p->bytes + f->code_offset;
    p->body.len = 0;
    scale__aot_buf_bytes(&p->body, body, (size_t)(code - body));
    if (p->checks) {
      if (!scale__aot_instrument(p->bytes, code, body_end, p->fuel_global, p->stop_global, p->meter,
                                 m->imported_func_count, &p->scratch, &p->body))
        return false; /* the buffer carries the message */
    } else {
      scale__aot_buf_bytes(&p->body, code, f->code_len);
    }
    if (p->body.error) return false;
    if (p->body.len > UINT32_MAX) return fail(p, "function body too large");
    scale__aot_buf_u32(&p->sec, (uint32_t)p->body.len);
    scale__aot_buf_bytes(&p->sec, p->body.data, p->body.len);
  }
  section(p, SEC_CODE);
  return true;
}

static void data_section(prepare_t *p) {
  const wasm_module_t *m = p->m;
  if (m->data_seg_count == 0) return;
  scale__aot_buf_t *b = &p->sec;
  scale__aot_buf_u32(b, m->data_seg_count);
  for (uint32_t i = 0; i < m->data_seg_count; i++) {
    const wasm_data_t *d = &m->datas[i];
    scale__aot_buf_u32(b, 1); /* passive */
    if (d->mode == WASM_SEGMENT_PASSIVE) {
      scale__aot_buf_u32(b, d->len);
      scale__aot_buf_bytes(b, d->bytes, d->len);
    } else {
      scale__aot_buf_u32(b, 0);
    }
  }
  section(p, SEC_DATA);
}

static bool build(prepare_t *p) {
  static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  if (!find_sections(p)) return false;
  scale__aot_buf_bytes(&p->out, header, sizeof header);
  if (p->raw.type) {
    scale__aot_buf_byte(&p->out, SEC_TYPE);
    scale__aot_buf_u32(&p->out, (uint32_t)p->raw.type_len);
    scale__aot_buf_bytes(&p->out, p->raw.type, p->raw.type_len);
  }
  if (!import_section(p)) return false;
  func_section(p);
  if (!elem_section(p)) return false;
  if (p->m->has_data_count) {
    scale__aot_buf_u32(&p->sec, p->m->data_count);
    section(p, SEC_DATA_COUNT);
  }
  if (!code_section(p)) return false;
  data_section(p);
  return p->out.error == NULL && p->sec.error == NULL;
}

bool scale__aot_prepare_supported(const wasm_module_t *m, const char **why) {
  for (uint32_t i = 0; i < m->elem_count; i++) {
    const wasm_elem_t *e = &m->elems[i];
    if (e->mode != WASM_SEGMENT_PASSIVE) continue;
    for (uint32_t k = 0; k < e->count; k++) {
      if (e->items[k].kind == WASM_CONST_GLOBAL_GET) {
        if (why) *why = "passive element segment with a global.get item (wasm2c 1.0.32 rejects it)";
        return false;
      }
    }
  }
  return true;
}

bool scale__aot_prepare(const wasm_module_t *m, const uint8_t *bytes, size_t len,
                        const scale__prepare_opts_t *opts, uint8_t **out, size_t *out_len,
                        char *err, size_t err_cap) {
  prepare_t p;
  memset(&p, 0, sizeof p);
  bool built = false;
  if (!m || !out || !out_len) {
    fail(&p, "missing argument");
  } else {
    if (!bytes) {
      bytes = m->bytes;
      len = m->len;
    }
    p.m = m;
    p.bytes = bytes;
    p.len = len;
    p.checks = opts && opts->checks;
    p.meter = p.checks && !opts->no_fuel;
    uint32_t globals = wasm_module_total_globals(m);
    p.fuel_global = globals;
    p.stop_global = globals + 1;
    if (len != m->len)
      fail(&p, "module bytes do not match the decoded module (length)");
    else if (globals > UINT32_MAX - 2)
      fail(&p, "too many globals");
    else
      built = build(&p);
  }
  const char *msg = p.error;
  if (!msg) msg = p.body.error ? p.body.error : p.sec.error ? p.sec.error : p.out.error;
  if (!msg && !built) msg = "internal error";
  scale__aot_buf_release(&p.sec);
  scale__aot_buf_release(&p.body);
  scale__aot_instr_scratch_release(&p.scratch);
  if (msg) {
    scale__aot_buf_release(&p.out);
    if (err && err_cap) snprintf(err, err_cap, "aot prepare: %s", msg);
    return false;
  }
  *out = p.out.data;
  *out_len = p.out.len;
  return true;
}
