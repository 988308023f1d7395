/*
 * One suite: read its command file and run the commands in order against
 * one store and one linker, keeping every instance alive until the end
 * (registered instances are imported by later modules).
 *
 * Counting follows wabt's spectest-interp: module, action and every
 * assert_* count as one check; register does not.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spectest.h"

typedef struct named {
  char *name;
  scale_instance_t *instance;
} named_t;

typedef struct suite {
  const char *name;
  char *dir; /* folder of the command file: module filenames are relative to it */
  const spec_options_t *opts;
  spec_counts_t *counts;
  scale_engine_t *engine;
  scale_store_t *store;
  scale_linker_t *linker;
  scale_module_t **modules; /* kept until the end: their instances may be in use */
  size_t nmodules, cap_modules;
  named_t *named;
  size_t nnamed, cap_named;
  scale_instance_t *current;
  unsigned printed; /* failures printed so far */
  unsigned line;
  const char *type; /* command type being run */
} suite_t;

/* What an action did. */
enum { ACT_OK, ACT_TRAP, ACT_ERROR };

typedef struct outcome {
  int status;
  scale_val_t *results;
  size_t nresults;
  char msg[SPEC_MSG_MAX];  /* trap or error text */
  char desc[SPEC_MSG_MAX]; /* "field(i32:1, ...)" for messages */
} outcome_t;

/* ---- reporting ---------------------------------------------------- */

/* Print a failure (up to the per-suite limit); @p counted adds it to the counts. */
__attribute__((format(printf, 3, 0))) static void report(suite_t *s, bool counted, const char *fmt,
                                                         va_list ap) {
  if (counted) s->counts->failed++;
  if (s->opts->max_print && s->printed >= s->opts->max_print && !s->opts->verbose) {
    if (s->printed == s->opts->max_print)
      printf("%s: ... more failures not shown (--list-failures shows all)\n", s->name);
    s->printed++;
    return;
  }
  s->printed++;
  printf("FAIL %s:%u: %s: ", s->name, s->line, s->type);
  vprintf(fmt, ap);
  printf("%s\n", counted ? "" : " (not counted: register is not a check)");
}

__attribute__((format(printf, 2, 3))) static void fail(suite_t *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(s, true, fmt, ap);
  va_end(ap);
}

/* A failure of a command that is not a check (register). */
__attribute__((format(printf, 2, 3))) static void fail_uncounted(suite_t *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(s, false, fmt, ap);
  va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void pass(suite_t *s, const char *fmt, ...) {
  s->counts->passed++;
  if (!s->opts->verbose) return;
  va_list ap;
  va_start(ap, fmt);
  printf("ok   %s:%u: %s: ", s->name, s->line, s->type);
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
}

static void skip(suite_t *s, enum spec_skip_reason reason) {
  s->counts->skipped++;
  s->counts->skip_by_reason[reason]++;
  if (s->opts->verbose) printf("skip %s:%u: %s\n", s->name, s->line, s->type);
}

/* Error texts are informational: count and optionally show a mismatch. */
static void note_text(suite_t *s, const char *expected, const char *got) {
  /* The engine may add where it found the problem: "unknown memory (in function 0)". */
  const char *where = strstr(got, " (");
  size_t el = strlen(expected), gl = where ? (size_t)(where - got) : strlen(got);
  bool same = gl > 0 && (strncmp(got, expected, el) == 0 || strncmp(expected, got, gl) == 0);
  if (same) return;
  s->counts->text_mismatch++;
  if (s->opts->verbose || s->opts->show_texts)
    printf("text %s:%u: %s: expected \"%s\", engine said \"%s\"\n", s->name, s->line, s->type,
           expected, got);
}

/* Trap texts must match; "uninitialized element 2" matches "uninitialized element". */
static bool trap_text_matches(const char *expected, const char *got) {
  size_t gl = strlen(got);
  return gl > 0 &&
         (strncmp(expected, got, gl) == 0 || strncmp(got, expected, strlen(expected)) == 0);
}

/* ---- JSON helpers ------------------------------------------------- */

static const char *json_str(const cJSON *obj, const char *key) {
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(it) ? it->valuestring : NULL;
}

/*
 * cJSON turns "\u0000" into a NUL that ends its C string, and names.wast
 * exports a name containing one. Before parsing, each "\u0000" becomes the
 * byte 0xFF (never present in UTF-8 text), which name_decode() turns back
 * into NUL with an explicit length.
 */
static size_t escape_nuls(char *text, size_t len) {
  size_t r = 0, w = 0;
  while (r < len) {
    if (text[r] == '\\' && r + 1 < len) {
      if (text[r + 1] == 'u' && r + 6 <= len && memcmp(text + r + 2, "0000", 4) == 0) {
        text[w++] = (char)0xff;
        r += 6;
      } else {
        text[w++] = text[r++];
        text[w++] = text[r++];
      }
    } else {
      text[w++] = text[r++];
    }
  }
  text[w] = '\0';
  return w;
}

static size_t name_decode(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; in[n] && n + 1 < cap; n++)
    out[n] = (unsigned char)in[n] == 0xff ? '\0' : in[n];
  out[n] = '\0';
  return n;
}

/* Printable form of a name for messages: non-ASCII and controls as \xNN. */
static void name_print(const char *in, char *out, size_t cap) {
  size_t w = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && w + 5 < cap; p++) {
    if (*p >= 0x20 && *p < 0x7f && *p != '\\')
      out[w++] = (char)*p;
    else
      w += (size_t)snprintf(out + w, cap - w, "\\x%02x", *p == 0xff ? 0 : *p);
  }
  out[w] = '\0';
}

uint8_t *spec_file_read(const char *path, size_t cap, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t used = 0, size = 0;
  for (;;) {
    if (used == size) {
      if (size >= cap) {
        free(buf);
        fclose(f);
        errno = EFBIG;
        return NULL;
      }
      size_t next = size ? size * 2 : 65536;
      if (next > cap) next = cap;
      uint8_t *grown = realloc(buf, next + 1);
      if (!grown) {
        free(buf);
        fclose(f);
        errno = ENOMEM;
        return NULL;
      }
      buf = grown;
      size = next;
    }
    size_t got = fread(buf + used, 1, size - used, f);
    used += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  buf[used] = '\0';
  *len = used;
  return buf;
}

/* ---- modules and instances ---------------------------------------- */

/* Decode, validate and compile the module file @p filename. */
static scale_error_t *module_load(suite_t *s, const char *filename, scale_module_t **out, char *why,
                                  size_t why_len) {
  char path[4096];
  size_t len = 0;
  *out = NULL;
  if (!filename || snprintf(path, sizeof path, "%s/%s", s->dir, filename) >= (int)sizeof path) {
    snprintf(why, why_len, "bad module filename");
    return NULL;
  }
  uint8_t *bytes = spec_file_read(path, SPEC_MAX_WASM_BYTES, &len);
  if (!bytes) {
    snprintf(why, why_len, "cannot read '%.300s': %s", path, strerror(errno));
    return NULL;
  }
  scale_error_t *err = scale_module_new(s->engine, bytes, len, out);
  free(bytes);
  if (!err && s->opts->aot) {
    /* A module the AOT tier cannot take would still pass on the interpreter:
     * count it as a failure so that "passes on both tiers" means it. */
    scale_error_t *cerr = scale_module_compile(*out);
    if (cerr) {
      s->counts->aot_failed++;
      fail(s, "AOT compile of '%s' failed: %s", filename, scale_error_message(cerr));
      scale_error_delete(cerr);
    } else {
      s->counts->aot_compiled++;
    }
  }
  return err;
}

static bool keep_module(suite_t *s, scale_module_t *module) {
  if (s->nmodules == s->cap_modules) {
    size_t cap = s->cap_modules ? s->cap_modules * 2 : 16;
    scale_module_t **grown = realloc(s->modules, cap * sizeof *grown);
    if (!grown) return false;
    s->modules = grown;
    s->cap_modules = cap;
  }
  s->modules[s->nmodules++] = module;
  return true;
}

static bool name_instance(suite_t *s, const char *name, scale_instance_t *instance) {
  for (size_t i = 0; i < s->nnamed; i++) {
    if (strcmp(s->named[i].name, name) == 0) {
      s->named[i].instance = instance; /* a later module shadows the name */
      return true;
    }
  }
  if (s->nnamed == s->cap_named) {
    size_t cap = s->cap_named ? s->cap_named * 2 : 8;
    named_t *grown = realloc(s->named, cap * sizeof *grown);
    if (!grown) return false;
    s->named = grown;
    s->cap_named = cap;
  }
  char *copy = strdup(name);
  if (!copy) return false;
  s->named[s->nnamed].name = copy;
  s->named[s->nnamed].instance = instance;
  s->nnamed++;
  return true;
}

static scale_instance_t *find_instance(suite_t *s, const char *name) {
  if (!name) return s->current;
  for (size_t i = 0; i < s->nnamed; i++)
    if (strcmp(s->named[i].name, name) == 0) return s->named[i].instance;
  return NULL;
}

/* ---- actions ------------------------------------------------------- */

static void describe(const cJSON *action, char *out, size_t cap) {
  char field[256];
  const char *raw = json_str(action, "field");
  const char *type = json_str(action, "type");
  name_print(raw ? raw : "?", field, sizeof field);
  size_t w = (size_t)snprintf(out, cap, "%s%s%s", type && strcmp(type, "get") == 0 ? "get " : "",
                              field, type && strcmp(type, "get") == 0 ? "" : "(");
  if (type && strcmp(type, "get") == 0) return;
  const cJSON *arg;
  bool first = true;
  cJSON_ArrayForEach(arg, cJSON_GetObjectItemCaseSensitive(action, "args")) {
    if (w + 2 >= cap) break;
    char v[96];
    spec_value_format_json(arg, v, sizeof v);
    w += (size_t)snprintf(out + w, cap - w, "%s%s", first ? "" : ", ", v);
    first = false;
  }
  if (w + 2 < cap) snprintf(out + w, cap - w, ")");
}

static void outcome_release(outcome_t *o) {
  free(o->results);
  o->results = NULL;
  o->nresults = 0;
}

/* Run an invoke or get action; the outcome owns its results array. */
static void perform(suite_t *s, const cJSON *action, outcome_t *o) {
  memset(o, 0, sizeof *o);
  o->status = ACT_ERROR;
  describe(action, o->desc, sizeof o->desc);

  const char *type = json_str(action, "type");
  const char *module = json_str(action, "module");
  const char *raw = json_str(action, "field");
  scale_instance_t *instance = find_instance(s, module);
  if (!instance) {
    snprintf(o->msg, sizeof o->msg, "no module %s", module ? module : "(current one failed)");
    return;
  }
  char field[4096];
  size_t field_len = name_decode(raw ? raw : "", field, sizeof field);
  scale_extern_t ext;
  if (!scale_instance_export_n(instance, field, field_len, &ext)) {
    snprintf(o->msg, sizeof o->msg, "no export named like that");
    return;
  }

  if (type && strcmp(type, "get") == 0) {
    if (ext.kind != SCALE_EXTERN_GLOBAL) {
      snprintf(o->msg, sizeof o->msg, "export is not a global");
      return;
    }
    o->results = malloc(sizeof *o->results);
    if (!o->results) {
      snprintf(o->msg, sizeof o->msg, "out of memory");
      return;
    }
    o->results[0] = scale_global_get(ext.of.global);
    o->nresults = 1;
    o->status = ACT_OK;
    return;
  }
  if (!type || strcmp(type, "invoke") != 0) {
    snprintf(o->msg, sizeof o->msg, "unknown action type '%s'", type ? type : "(none)");
    return;
  }
  if (ext.kind != SCALE_EXTERN_FUNC) {
    snprintf(o->msg, sizeof o->msg, "export is not a function");
    return;
  }

  const cJSON *args_json = cJSON_GetObjectItemCaseSensitive(action, "args");
  size_t nargs = (size_t)cJSON_GetArraySize(args_json);
  if (nargs > SCALE_MAX_FUNC_PARAMS) {
    snprintf(o->msg, sizeof o->msg, "too many arguments");
    return;
  }
  scale_val_t *args = calloc(nargs ? nargs : 1, sizeof *args);
  const scale_functype_t *ftype = scale_func_type(ext.of.func);
  size_t nresults = ftype ? scale_functype_result_count(ftype) : 0;
  if (nresults > SPEC_MAX_RESULTS) {
    free(args);
    snprintf(o->msg, sizeof o->msg, "function claims %zu results", nresults);
    return;
  }
  o->results = calloc(nresults ? nresults : 1, sizeof *o->results);
  if (!args || !o->results) {
    free(args);
    snprintf(o->msg, sizeof o->msg, "out of memory");
    return;
  }
  size_t i = 0;
  const cJSON *arg;
  cJSON_ArrayForEach(arg, args_json) {
    if (!spec_value_parse(arg, &args[i], o->msg, sizeof o->msg)) {
      free(args);
      return;
    }
    i++;
  }

  scale_trap_t *trap = NULL;
  scale_error_t *err =
      scale_func_call(s->store, ext.of.func, args, nargs, o->results, nresults, &trap);
  free(args);
  if (err) {
    snprintf(o->msg, sizeof o->msg, "error: %s", scale_error_message(err));
    scale_error_delete(err);
    scale_trap_delete(trap);
    return;
  }
  if (trap) {
    o->status = ACT_TRAP;
    snprintf(o->msg, sizeof o->msg, "%s", scale_trap_message(trap));
    scale_trap_delete(trap);
    return;
  }
  o->status = ACT_OK;
  o->nresults = nresults;
}

/* "trap: x" / "error: y" / "returned [..]" for failure messages. */
static void outcome_print(const outcome_t *o, char *out, size_t cap) {
  if (o->status == ACT_TRAP) {
    snprintf(out, cap, "trapped \"%.400s\"", o->msg);
    return;
  }
  if (o->status == ACT_ERROR) {
    snprintf(out, cap, "failed: %.400s", o->msg);
    return;
  }
  size_t w = (size_t)snprintf(out, cap, "returned [");
  for (size_t i = 0; i < o->nresults && w + 2 < cap; i++) {
    char v[96];
    spec_value_format(&o->results[i], v, sizeof v);
    w += (size_t)snprintf(out + w, cap - w, "%s%s", i ? ", " : "", v);
  }
  if (w + 2 < cap) snprintf(out + w, cap - w, "]");
}

/* ---- commands ------------------------------------------------------ */

/*
 * Load a module that must decode and validate, and keep it for the rest of
 * the suite: instances (even a partly initialised one) point into it.
 * Records the failure and returns NULL otherwise.
 */
static scale_module_t *load_valid(suite_t *s, const char *filename) {
  char why[SPEC_MSG_MAX] = "";
  scale_module_t *module = NULL;
  scale_error_t *err = module_load(s, filename, &module, why, sizeof why);
  if (err || !module) {
    fail(s, "%s: expected a valid module, got: %s", filename ? filename : "?",
         err ? scale_error_message(err) : why);
    scale_error_delete(err);
    return NULL;
  }
  if (!keep_module(s, module)) {
    scale_module_delete(module);
    fail(s, "out of memory");
    return NULL;
  }
  return module;
}

static void cmd_module(suite_t *s, const cJSON *cmd) {
  const char *filename = json_str(cmd, "filename");
  const char *name = json_str(cmd, "name");

  s->current = NULL;
  scale_module_t *module = load_valid(s, filename);
  if (!module) return;
  scale_instance_t *instance = NULL;
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_linker_instantiate(s->linker, s->store, module, &instance, &trap);
  if (err || trap || !instance) {
    fail(s, "%s: instantiation %s: %s", filename, err ? "failed" : "trapped",
         err    ? scale_error_message(err)
         : trap ? scale_trap_message(trap)
                : "no instance");
    scale_error_delete(err);
    scale_trap_delete(trap);
    return;
  }
  s->current = instance;
  if (name && !name_instance(s, name, instance)) {
    fail(s, "out of memory");
    return;
  }
  pass(s, "%s", filename);
}

static void cmd_register(suite_t *s, const cJSON *cmd) {
  const char *as = json_str(cmd, "as");
  const char *name = json_str(cmd, "name");
  scale_instance_t *instance = find_instance(s, name);
  if (!as || !instance) {
    fail_uncounted(s, "register %s: no such module", name ? name : "(current)");
    return;
  }
  scale_error_t *err = scale_linker_define_instance(s->linker, as, instance);
  if (err) {
    fail_uncounted(s, "register as '%s': %s", as, scale_error_message(err));
    scale_error_delete(err);
    return;
  }
  if (s->opts->verbose) printf("     %s:%u: register as '%s'\n", s->name, s->line, as);
}

static void cmd_action(suite_t *s, const cJSON *cmd) {
  outcome_t o;
  perform(s, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &o);
  if (o.status == ACT_OK) {
    pass(s, "%s", o.desc);
  } else {
    char what[SPEC_MSG_MAX];
    outcome_print(&o, what, sizeof what);
    fail(s, "%s: expected to run, %s", o.desc, what);
  }
  outcome_release(&o);
}

static void cmd_assert_return(suite_t *s, const cJSON *cmd) {
  const cJSON *expected = cJSON_GetObjectItemCaseSensitive(cmd, "expected");
  size_t nexpected = (size_t)cJSON_GetArraySize(expected);
  outcome_t o;
  perform(s, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &o);

  bool ok = o.status == ACT_OK && o.nresults == nexpected;
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, expected) {
    if (!ok) break;
    ok = spec_value_match(e, &o.results[i++]);
  }
  if (ok) {
    pass(s, "%s", o.desc);
  } else {
    char want[SPEC_MSG_MAX], what[SPEC_MSG_MAX];
    size_t w = (size_t)snprintf(want, sizeof want, "[");
    i = 0;
    cJSON_ArrayForEach(e, expected) {
      if (w + 2 >= sizeof want) break;
      char v[96];
      spec_value_format_json(e, v, sizeof v);
      w += (size_t)snprintf(want + w, sizeof want - w, "%s%s", i++ ? ", " : "", v);
    }
    if (w + 2 < sizeof want) snprintf(want + w, sizeof want - w, "]");
    outcome_print(&o, what, sizeof what);
    fail(s, "%s: expected %s, %s", o.desc, want, what);
  }
  outcome_release(&o);
}

/* assert_trap and assert_exhaustion on an action. */
static void cmd_assert_trap(suite_t *s, const cJSON *cmd) {
  const char *text = json_str(cmd, "text");
  outcome_t o;
  perform(s, cJSON_GetObjectItemCaseSensitive(cmd, "action"), &o);
  if (o.status == ACT_TRAP && trap_text_matches(text ? text : "", o.msg)) {
    pass(s, "%s", o.desc);
  } else {
    char what[SPEC_MSG_MAX];
    outcome_print(&o, what, sizeof what);
    fail(s, "%s: expected trap \"%s\", %s", o.desc, text ? text : "?", what);
  }
  outcome_release(&o);
}

/* assert_invalid and assert_malformed: the module must be refused. */
static void cmd_assert_refused(suite_t *s, const cJSON *cmd) {
  const char *filename = json_str(cmd, "filename");
  const char *module_type = json_str(cmd, "module_type");
  const char *text = json_str(cmd, "text");
  if (module_type && strcmp(module_type, "text") == 0) {
    skip(s, SPEC_SKIP_TEXT_MODULE);
    return;
  }
  char why[SPEC_MSG_MAX] = "";
  scale_module_t *module = NULL;
  scale_error_t *err = module_load(s, filename, &module, why, sizeof why);
  if (module) {
    scale_module_delete(module);
    fail(s, "%s: expected refusal \"%s\", module was accepted", filename, text ? text : "?");
    return;
  }
  if (!err) {
    fail(s, "%s: %s", filename ? filename : "?", why);
    return;
  }
  note_text(s, text ? text : "", scale_error_message(err));
  scale_error_delete(err);
  pass(s, "%s", filename);
}

/* assert_unlinkable (link error) and assert_uninstantiable (trap). */
static void cmd_assert_instantiate_fails(suite_t *s, const cJSON *cmd, bool want_trap) {
  const char *filename = json_str(cmd, "filename");
  const char *text = json_str(cmd, "text");
  scale_module_t *module = load_valid(s, filename);
  if (!module) return;
  scale_instance_t *instance = NULL;
  scale_trap_t *trap = NULL;
  scale_error_t *err = scale_linker_instantiate(s->linker, s->store, module, &instance, &trap);
  if (want_trap && trap && !err) {
    if (trap_text_matches(text ? text : "", scale_trap_message(trap)))
      pass(s, "%s", filename);
    else
      fail(s, "%s: expected trap \"%s\", trapped \"%s\"", filename, text ? text : "?",
           scale_trap_message(trap));
  } else if (!want_trap && err) {
    note_text(s, text ? text : "", scale_error_message(err));
    pass(s, "%s", filename);
  } else {
    fail(s, "%s: expected %s \"%s\", %s%s", filename, want_trap ? "trap" : "link error",
         text ? text : "?",
         err    ? "link error: "
         : trap ? "trapped: "
                : "instantiated",
         err    ? scale_error_message(err)
         : trap ? scale_trap_message(trap)
                : "");
  }
  scale_error_delete(err);
  scale_trap_delete(trap);
}

static void run_command(suite_t *s, const cJSON *cmd) {
  const cJSON *line = cJSON_GetObjectItemCaseSensitive(cmd, "line");
  const char *type = json_str(cmd, "type");
  s->line = cJSON_IsNumber(line) ? (unsigned)line->valuedouble : 0;
  s->counts->line = s->line;
  s->type = type ? type : "?";
  fflush(stdout); /* a crash in the engine must not eat earlier lines */

  if (!type)
    fail(s, "command without a type");
  else if (strcmp(type, "module") == 0)
    cmd_module(s, cmd);
  else if (strcmp(type, "register") == 0)
    cmd_register(s, cmd);
  else if (strcmp(type, "action") == 0)
    cmd_action(s, cmd);
  else if (strcmp(type, "assert_return") == 0)
    cmd_assert_return(s, cmd);
  else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0)
    cmd_assert_trap(s, cmd);
  else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0)
    cmd_assert_refused(s, cmd);
  else if (strcmp(type, "assert_unlinkable") == 0)
    cmd_assert_instantiate_fails(s, cmd, false);
  else if (strcmp(type, "assert_uninstantiable") == 0)
    cmd_assert_instantiate_fails(s, cmd, true);
  else
    fail(s, "unknown command type");
}

/* ---- the suite ----------------------------------------------------- */

static bool suite_open(suite_t *s) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.aot_opt = 1; /* thousands of small modules: build fast, run is short */
  scale_error_t *err = scale_engine_new(&cfg, &s->engine);
  if (err) {
    fail(s, "cannot create engine: %s", scale_error_message(err));
    scale_error_delete(err);
    return false;
  }
  s->store = scale_store_new(s->engine);
  s->linker = scale_linker_new(s->engine);
  if (!s->store || !s->linker) {
    fail(s, "cannot create store or linker");
    return false;
  }
  err = spec_host_define(s->linker, s->store);
  if (err) {
    fail(s, "cannot define the spectest module: %s", scale_error_message(err));
    scale_error_delete(err);
    return false;
  }
  return true;
}

static void suite_close(suite_t *s) {
  scale_linker_delete(s->linker);
  scale_store_delete(s->store);
  for (size_t i = 0; i < s->nmodules; i++)
    scale_module_delete(s->modules[i]);
  free(s->modules);
  for (size_t i = 0; i < s->nnamed; i++)
    free(s->named[i].name);
  free(s->named);
  scale_engine_delete(s->engine);
  free(s->dir);
}

bool spec_suite_run(const char *suite, const char *json_path, const spec_options_t *opts,
                    spec_counts_t *counts) {
  size_t len = 0;
  char *text = (char *)spec_file_read(json_path, SPEC_MAX_JSON_BYTES, &len);
  if (!text) {
    printf("FAIL %s: cannot read '%s': %s\n", suite, json_path, strerror(errno));
    counts->failed++;
    return false;
  }
  len = escape_nuls(text, len);
  cJSON *root = cJSON_ParseWithLength(text, len);
  free(text);
  const cJSON *commands = cJSON_GetObjectItemCaseSensitive(root, "commands");
  if (!cJSON_IsArray(commands)) {
    printf("FAIL %s: '%s' is not a wast2json command file\n", suite, json_path);
    counts->failed++;
    cJSON_Delete(root);
    return false;
  }

  const cJSON *cmd;
  cJSON_ArrayForEach(cmd, commands) {
    const char *type = json_str(cmd, "type");
    if (!type || strcmp(type, "register") != 0) counts->total++;
  }
  if (strncmp(suite, "simd_", 5) == 0) {
    /* No v128 yet: every check of the suite is skipped, none is run. */
    cJSON_ArrayForEach(cmd, commands) {
      const char *type = json_str(cmd, "type");
      if (type && strcmp(type, "register") != 0) {
        counts->skipped++;
        counts->skip_by_reason[SPEC_SKIP_SIMD]++;
      }
    }
    cJSON_Delete(root);
    counts->finished = 1;
    return true;
  }

  suite_t s;
  memset(&s, 0, sizeof s);
  s.name = suite;
  s.opts = opts;
  s.counts = counts;
  s.type = "setup";
  s.dir = strdup(json_path);
  if (s.dir) {
    char *slash = strrchr(s.dir, '/');
    if (slash)
      *slash = '\0';
    else
      strcpy(s.dir, ".");
  }
  if (s.dir && suite_open(&s)) {
    cJSON_ArrayForEach(cmd, commands) run_command(&s, cmd);
  }
  suite_close(&s);
  cJSON_Delete(root);
  counts->finished = 1;
  fflush(stdout);
  return true;
}
