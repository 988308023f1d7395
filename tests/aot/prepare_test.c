/*
 * The AOT prepare pass over every valid module of the spec suite (non-SIMD
 * suites), without checks, with checks, and with stop-only checks (no_fuel):
 * the prepared module must decode and validate with our own decoder and
 * validator, and follow the output contract of aot/prepare.h point by point (index spaces, import
 * names and types, segments, bodies byte-identical apart from the inserted checks). A sample (every
 * 10th valid module) also goes through wasm2c, when it is installed, to check that wabt accepts the
 * prepared module.
 *
 * usage: aot_prepare_test [SPECTEST_DIR [WASM2C [STRIDE]]]
 * (STRIDE: wasm2c on every Nth valid module, default 10)
 * Prints "N modules prepared, N failed"; exits non-zero on any failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aot/prepare.h"
#include "wasm/decode/reader.h"

#ifndef SPEC_DEFAULT_DIR
#define SPEC_DEFAULT_DIR "../shared/spectest"
#endif
#ifndef WASM2C_DEFAULT
#define WASM2C_DEFAULT ""
#endif

static unsigned prepared, failed, skipped_invalid, w2c_ran, w2c_rejected;
static const char *wasm2c;
static char tmpdir[64];

static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        *len = (size_t)n;
      }
    }
  }
  fclose(f);
  return buf;
}

/* The first failed check of a module, formatted. */
static char why[512];

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static bool
bad(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return false;
}

static bool same_functype(const wasm_functype_t *a, const wasm_functype_t *b) {
  return a->param_count == b->param_count && a->result_count == b->result_count &&
         memcmp(a->types, b->types, (size_t)a->param_count + a->result_count) == 0;
}

static bool same_limits(wasm_limits_t a, wasm_limits_t b) {
  return a.min == b.min && a.has_max == b.has_max && (!a.has_max || a.max == b.max);
}

static bool same_const(const wasm_const_expr_t *a, const wasm_const_expr_t *b) {
  if (a->kind != b->kind) return false;
  if (a->kind == WASM_CONST_REF_NULL) return a->ref_type == b->ref_type;
  return a->index == b->index;
}

static bool import_name_is(const wasm_import_t *im, const char *want) {
  return im->module_len == 1 && im->module[0] == 's' && im->name_len == strlen(want) &&
         memcmp(im->name, want, im->name_len) == 0;
}

/* Index spaces and import names (contract points 1-3). */
static bool check_imports(const wasm_module_t *m, const wasm_module_t *o) {
  uint32_t extra = 2; /* fuel and stop, with or without checks */
  if (o->type_count != m->type_count)
    return bad("type count %u, want %u", o->type_count, m->type_count);
  for (uint32_t i = 0; i < m->type_count; i++)
    if (!same_functype(&o->types[i], &m->types[i])) return bad("type %u differs", i);
  uint64_t want_imports =
      (uint64_t)m->import_count + m->table_count + m->memory_count + m->global_count + extra;
  if (o->import_count != want_imports)
    return bad("%u imports, want %llu", o->import_count, (unsigned long long)want_imports);
  if (o->func_count != m->func_count || o->table_count || o->memory_count || o->global_count ||
      o->export_count || o->has_start)
    return bad("prepared module defines something besides functions, or exports/starts");
  if (wasm_module_total_funcs(o) != wasm_module_total_funcs(m) ||
      wasm_module_total_tables(o) != wasm_module_total_tables(m) ||
      wasm_module_total_memories(o) != wasm_module_total_memories(m) ||
      wasm_module_total_globals(o) != wasm_module_total_globals(m) + extra)
    return bad("index-space sizes differ");
  /* Expected kind of each import: originals, then tables, memories, globals. */
  uint32_t next[4] = {0, 0, 0, 0};
  static const char letter[4] = {'f', 't', 'm', 'g'};
  for (uint32_t i = 0; i < o->import_count; i++) {
    const wasm_import_t *im = &o->imports[i];
    uint8_t want_kind;
    uint32_t j = i;
    if (j < m->import_count)
      want_kind = m->imports[j].kind;
    else if ((j -= m->import_count) < m->table_count)
      want_kind = WASM_EXTERN_TABLE;
    else if ((j -= m->table_count) < m->memory_count)
      want_kind = WASM_EXTERN_MEMORY;
    else
      want_kind = WASM_EXTERN_GLOBAL;
    if (im->kind != want_kind) return bad("import %u has kind %u, want %u", i, im->kind, want_kind);
    char want[32];
    if (i + 2 >= o->import_count)
      snprintf(want, sizeof want, "%s", i + 2 == o->import_count ? "fuel" : "stop");
    else
      snprintf(want, sizeof want, "%c%u", letter[im->kind], next[im->kind]++);
    if (!import_name_is(im, want))
      return bad("import %u is \"%.*s\" \"%.*s\", want \"s\" \"%s\"", i, (int)im->module_len,
                 im->module, (int)im->name_len, im->name, want);
  }
  for (uint32_t i = 0; i < wasm_module_total_funcs(m); i++)
    if (!same_functype(wasm_module_func_type(o, i), wasm_module_func_type(m, i)))
      return bad("function %u type differs", i);
  for (uint32_t i = 0; i < m->imported_func_count; i++)
    if (o->imports[o->import_by_kind[i]].desc.func_type !=
        m->imports[m->import_by_kind[i]].desc.func_type)
      return bad("imported function %u type index differs", i);
  for (uint32_t i = 0; i < m->func_count; i++)
    if (o->funcs[i].type_index != m->funcs[i].type_index)
      return bad("function %u type index differs", i);
  for (uint32_t i = 0; i < wasm_module_total_tables(m); i++) {
    wasm_tabletype_t a = wasm_module_table_type(o, i), b = wasm_module_table_type(m, i);
    if (a.elem_type != b.elem_type || !same_limits(a.limits, b.limits))
      return bad("table %u type differs", i);
  }
  for (uint32_t i = 0; i < wasm_module_total_memories(m); i++)
    if (!same_limits(wasm_module_memory_type(o, i), wasm_module_memory_type(m, i)))
      return bad("memory %u type differs", i);
  for (uint32_t i = 0; i < wasm_module_total_globals(m); i++) {
    wasm_globaltype_t a = wasm_module_global_type(o, i), b = wasm_module_global_type(m, i);
    if (a.type != b.type || a.mutable_ != b.mutable_) return bad("global %u type differs", i);
  }
  uint32_t g = wasm_module_total_globals(m);
  wasm_globaltype_t f = wasm_module_global_type(o, g), s = wasm_module_global_type(o, g + 1);
  if (f.type != WASM_I64 || !f.mutable_ || s.type != WASM_I32 || !s.mutable_)
    return bad("fuel/stop globals have the wrong types");
  return true;
}

/* Element and data segments (contract points 4-5). */
static bool check_segments(const wasm_module_t *m, const wasm_module_t *o) {
  if (o->elem_count != m->elem_count + 1)
    return bad("%u element segments, want %u", o->elem_count, m->elem_count + 1);
  for (uint32_t i = 0; i < m->elem_count; i++) {
    const wasm_elem_t *a = &o->elems[i], *b = &m->elems[i];
    wasm_segment_mode_t want =
        b->mode == WASM_SEGMENT_PASSIVE ? WASM_SEGMENT_PASSIVE : WASM_SEGMENT_DECLARATIVE;
    if (a->mode != want || a->elem_type != b->elem_type || a->count != b->count)
      return bad("element segment %u differs in mode, type or count", i);
    for (uint32_t k = 0; k < a->count; k++) {
      const wasm_const_expr_t *x = &a->items[k], *y = &b->items[k];
      /* Declarative segments carry ref.null for global.get (see aot/prepare.h). */
      bool nulled = want == WASM_SEGMENT_DECLARATIVE && y->kind == WASM_CONST_GLOBAL_GET &&
                    x->kind == WASM_CONST_REF_NULL && x->ref_type == b->elem_type;
      if (!nulled && !same_const(x, y)) return bad("element segment %u item %u differs", i, k);
    }
  }
  const wasm_elem_t *all = &o->elems[m->elem_count];
  uint32_t total = wasm_module_total_funcs(m);
  if (all->mode != WASM_SEGMENT_DECLARATIVE || all->elem_type != WASM_FUNCREF ||
      all->count != total)
    return bad("the extra declarative segment is wrong");
  for (uint32_t k = 0; k < total; k++)
    if (all->items[k].kind != WASM_CONST_REF_FUNC || all->items[k].index != k)
      return bad("the extra declarative segment item %u is wrong", k);
  if (o->has_data_count != m->has_data_count || o->data_count != m->data_count)
    return bad("data count section differs");
  if (o->data_seg_count != m->data_seg_count)
    return bad("%u data segments, want %u", o->data_seg_count, m->data_seg_count);
  for (uint32_t i = 0; i < m->data_seg_count; i++) {
    const wasm_data_t *a = &o->datas[i], *b = &m->datas[i];
    if (a->mode != WASM_SEGMENT_PASSIVE) return bad("data segment %u is not passive", i);
    uint32_t want_len = b->mode == WASM_SEGMENT_PASSIVE ? b->len : 0;
    if (a->len != want_len || (want_len && memcmp(a->bytes, b->bytes, want_len) != 0))
      return bad("data segment %u contents differ", i);
  }
  return true;
}

/*
 * Whether the straight-line code at r (up to the first control instruction)
 * calls a function of the module, whose prologue then stands in for a
 * stop-only loop check (src/aot/instrument.c).
 */
static bool calls_before_control(wasm_reader_t r, uint32_t import_funcs) {
  while (r.p < r.end) {
    wasm_instr_t in;
    if (!scale__wasm_instr_read(&r, &in)) return false;
    if (in.op == 0x10 && in.a >= import_funcs) return true;
    if (in.op <= 0x19 && in.op != 0x01 && in.op != 0x10 && in.op != 0x11) return false;
  }
  return false;
}

/*
 * Undo the instrumentation of one body: at entry (metered builds only) and
 * after every loop's block type the exact check sequence must be present
 * (stop-only builds may leave it out where the loop body calls a function
 * of the module first); removing all of them must give the original code,
 * and the charges must add up to the number of original instructions.
 */
static bool strip_checks(const uint8_t *base, const uint8_t *code, uint32_t len, uint32_t fuel,
                         uint32_t stop, bool meter, uint32_t import_funcs, uint8_t *stripped,
                         size_t *stripped_len, uint64_t *charged, uint64_t *instrs) {
  static const uint32_t metered[12] = {0x23, 0x42, 0x7d, 0x24, 0x23, 0x42,
                                       0x53, 0x23, 0x72, 0x04, 0x00, 0x0b};
  static const uint32_t stop_only[4] = {0x23, 0x04, 0x00, 0x0b};
  const uint32_t *pattern = meter ? metered : stop_only;
  int plen = meter ? 12 : 4;
  wasm_diag_t diag = {0};
  const uint8_t *end = code + len;
  wasm_reader_t r = {base, code, end, "unexpected end", &diag};
  size_t n = 0;
  /* Stop-only builds check loop headers only: entries are interrupted through the
   * stack limit (see src/aot/instrument.c). */
  bool at_check = meter;
  *charged = *instrs = 0;
  while (r.p < end) {
    wasm_instr_t in;
    if (at_check && !meter) {
      wasm_reader_t peek = r;
      if (!scale__wasm_instr_read(&peek, &in) || in.op != 0x23 || in.a != stop) {
        if (!calls_before_control(r, import_funcs))
          return bad("check sequence expected at code offset %zu", (size_t)(r.p - code));
        at_check = false; /* left out: the callee's prologue checks */
      }
    }
    if (at_check) {
      for (int k = 0; k < plen; k++) {
        if (!scale__wasm_instr_read(&r, &in) || in.op != pattern[k])
          return bad("check sequence expected at code offset %zu", (size_t)(in.at - code));
        bool ok = true;
        if (!meter)
          ok = k != 0 || in.a == stop;
        else if (k == 0 || k == 3 || k == 4)
          ok = in.a == fuel;
        else if (k == 7)
          ok = in.a == stop;
        else if (k == 1)
          ok = (int64_t)in.bits >= 1, *charged += in.bits;
        else if (k == 5)
          ok = in.bits == 0;
        else if (k == 9)
          ok = in.bt_kind == WASM_BT_EMPTY;
        if (!ok)
          return bad("check sequence has a wrong immediate at code offset %zu",
                     (size_t)(in.at - code));
      }
      at_check = false;
      continue;
    }
    if (!scale__wasm_instr_read(&r, &in)) return bad("cannot read instrumented code");
    memcpy(stripped + n, in.at, (size_t)(r.p - in.at));
    n += (size_t)(r.p - in.at);
    (*instrs)++;
    at_check = in.op == 0x03;
  }
  *stripped_len = n;
  return true;
}

/* Function bodies (contract point 6). */
static bool check_bodies(const wasm_module_t *m, const wasm_module_t *o,
                         const scale__prepare_opts_t *opts) {
  bool checks = opts->checks, meter = opts->checks && !opts->no_fuel;
  uint32_t fuel = wasm_module_total_globals(m), stop = fuel + 1;
  for (uint32_t i = 0; i < m->func_count; i++) {
    const wasm_func_t *a = &o->funcs[i], *b = &m->funcs[i];
    if (a->local_decl_count != b->local_decl_count)
      return bad("function %u local declarations differ", i);
    for (uint32_t k = 0; k < a->local_decl_count; k++)
      if (a->local_decls[k].count != b->local_decls[k].count ||
          a->local_decls[k].type != b->local_decls[k].type)
        return bad("function %u local declarations differ", i);
    if (!checks) {
      if (a->code_len != b->code_len || memcmp(a->code, b->code, a->code_len) != 0)
        return bad("function %u code differs", i);
      continue;
    }
    uint8_t *stripped = malloc(a->code_len ? a->code_len : 1);
    if (!stripped) return bad("out of memory");
    size_t n = 0;
    uint64_t charged = 0, instrs = 0;
    bool ok = strip_checks(o->bytes, a->code, a->code_len, fuel, stop, meter,
                           m->imported_func_count, stripped, &n, &charged, &instrs);
    if (ok && (n != b->code_len || memcmp(stripped, b->code, n) != 0))
      ok = bad("function %u code differs once the checks are removed", i);
    if (ok && meter && charged != instrs)
      ok = bad("function %u charges %llu for %llu instructions", i, (unsigned long long)charged,
               (unsigned long long)instrs);
    free(stripped);
    if (!ok) return false;
  }
  return true;
}

/* Only the sections of the contract, in order, no custom section. */
static bool check_sections(const uint8_t *p, size_t len) {
  static const uint8_t allowed[] = {1, 2, 3, 9, 12, 10, 11};
  size_t next = 0;
  const uint8_t *q = p + 8, *end = p + len;
  while (q < end) {
    uint8_t id = *q++;
    uint32_t size;
    if (scale__leb128_read_u32(&q, end, &size) != SCALE_LEB_OK || size > (size_t)(end - q))
      return bad("bad section framing");
    while (next < sizeof allowed && allowed[next] != id)
      next++;
    if (next == sizeof allowed) return bad("section %u not allowed here", id);
    next++;
    q += size;
  }
  return true;
}

/* Feed `bytes` to wasm2c; returns false (and prints its complaint) if it rejects them. */
static bool run_wasm2c(const char *label, const uint8_t *bytes, size_t len) {
  char in[128], outc[128], errf[128], cmd[1024];
  snprintf(in, sizeof in, "%s/m.wasm", tmpdir);
  snprintf(outc, sizeof outc, "%s/m.c", tmpdir);
  snprintf(errf, sizeof errf, "%s/err.txt", tmpdir);
  FILE *f = fopen(in, "wb");
  if (!f || fwrite(bytes, 1, len, f) != len) {
    if (f) fclose(f);
    printf("FAIL %s: cannot write %s\n", label, in);
    return false;
  }
  fclose(f);
  snprintf(cmd, sizeof cmd, "'%s' '%s' -o '%s' 2>'%s'", wasm2c, in, outc, errf);
  w2c_ran++;
  int rc = system(cmd);
  if (rc == 0) return true;
  w2c_rejected++;
  size_t n = 0;
  uint8_t *msg = read_file(errf, &n);
  printf("FAIL %s: wasm2c rejected the prepared module: %.*s\n", label, (int)(n > 400 ? 400 : n),
         msg ? (const char *)msg : "(no output)");
  free(msg);
  return false;
}

static void prepare_one(const char *path, bool sample) {
  size_t len = 0;
  uint8_t *bytes = read_file(path, &len);
  if (!bytes) {
    printf("FAIL %s: cannot read\n", path);
    failed++;
    return;
  }
  wasm_module_t *m = NULL;
  wasm_diag_t diag;
  if (!wasm_module_decode(bytes, len, &m, &diag) || !wasm_module_validate(m, &diag)) {
    skipped_invalid++; /* assert_invalid / assert_malformed modules */
    wasm_module_free(m);
    free(bytes);
    return;
  }
  bool ok = true;
  for (int c = 0; c < 3 && ok; c++) { /* 0: no checks, 1: checks, 2: checks without fuel */
    scale__prepare_opts_t opts = {.checks = c >= 1, .no_fuel = c == 2};
    uint8_t *out = NULL;
    size_t out_len = 0;
    char err[256];
    wasm_module_t *o = NULL;
    why[0] = 0;
    if (!scale__aot_prepare(m, bytes, len, &opts, &out, &out_len, err, sizeof err)) {
      bad("prepare failed: %s", err);
      ok = false;
    } else if (!wasm_module_decode(out, out_len, &o, &diag) || !wasm_module_validate(o, &diag)) {
      bad("prepared module is invalid: %s at %zu %s", diag.message ? diag.message : "?",
          diag.offset, diag.detail);
      ok = false;
    } else {
      ok = check_sections(out, out_len) && check_imports(m, o) && check_segments(m, o) &&
           check_bodies(m, o, &opts);
    }
    if (!ok) printf("FAIL %s (variant %d): %s\n", path, c, why);
    if (ok && sample && wasm2c) {
      char label[8300];
      snprintf(label, sizeof label, "%s (variant %d)", path, c);
      ok = run_wasm2c(label, out, out_len);
    }
    wasm_module_free(o);
    free(out);
  }
  if (ok)
    prepared++;
  else
    failed++;
  wasm_module_free(m);
  free(bytes);
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of `dir` for which keep() holds; caller frees. */
static char **list_dir(const char *dir, bool (*keep)(const char *dir, const char *name),
                       size_t *count) {
  DIR *d = opendir(dir);
  *count = 0;
  if (!d) return NULL;
  char **names = NULL;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !keep(dir, e->d_name)) continue;
    if (*count == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) break;
      names = p;
    }
    names[(*count)++] = strdup(e->d_name);
  }
  closedir(d);
  if (names) qsort(names, *count, sizeof *names, cmp_names);
  return names;
}

static bool is_suite(const char *dir, const char *name) {
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return strncmp(name, "simd_", 5) != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_wasm(const char *dir, const char *name) {
  size_t n = strlen(name);
  return n > 5 && strcmp(name + n - 5, ".wasm") == 0;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : SPEC_DEFAULT_DIR;
  wasm2c = argc > 2 ? argv[2] : WASM2C_DEFAULT;
  unsigned stride = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 10;
  if (stride == 0) stride = 10;
  if (!wasm2c[0] || access(wasm2c, X_OK) != 0) {
    printf("notice: wasm2c not found: the wasm2c acceptance sample is skipped\n");
    wasm2c = NULL;
  }
  struct stat st;
  if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    printf("spec suite not found at '%s' (pass its folder as the first argument)\n", root);
    printf("0 modules prepared, 1 failed\n");
    return 1;
  }
  snprintf(tmpdir, sizeof tmpdir, "/tmp/aot-prepare-XXXXXX");
  if (wasm2c && !mkdtemp(tmpdir)) {
    printf("cannot create a temporary folder: the wasm2c sample is skipped\n");
    wasm2c = NULL;
  }
  size_t nsuites;
  char **suites = list_dir(root, is_suite, &nsuites);
  unsigned seen = 0;
  for (size_t i = 0; i < nsuites; i++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", root, suites[i]);
    size_t nfiles;
    char **files = list_dir(dir, is_wasm, &nfiles);
    for (size_t k = 0; k < nfiles; k++) {
      char path[8192];
      snprintf(path, sizeof path, "%s/%s", dir, files[k]);
      unsigned before = prepared + failed;
      prepare_one(path, seen % stride == 0);
      if (prepared + failed != before) seen++;
      free(files[k]);
    }
    free(files);
    free(suites[i]);
  }
  free(suites);
  if (wasm2c) {
    char path[128];
    const char *names[] = {"m.wasm", "m.c", "m.h", "err.txt"};
    for (size_t i = 0; i < 4; i++) {
      snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
      unlink(path);
    }
    rmdir(tmpdir);
    printf("wasm2c: %u runs, %u rejected\n", w2c_ran, w2c_rejected);
  }
  printf("(%u invalid or malformed modules skipped)\n", skipped_invalid);
  printf("%u modules prepared, %u failed\n", prepared, failed);
  return failed || prepared == 0 ? 1 : 0;
}
