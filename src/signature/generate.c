/*
 * C code generator for signature schemas: names, file layout, the support
 * functions every generated source carries, and the guest glue. The
 * per-model code is in generate_model.c.
 *
 * Generated sources are self-contained C11: they need scale/polyglot.h and
 * the Polyglot sources (src/polyglot, which the guest SDK compiles in
 * anyway), an allocator (realloc/free, or SCALE_PG_REALLOC/SCALE_PG_FREE
 * on freestanding wasm32), and <regex.h> for regex validators where it
 * exists. The generator itself must never emit text that depends on the
 * machine it runs on, except the decode allocation charges, which mirror
 * the host runtime's bookkeeping (see limits below).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/generate.h"
#include "signature/limits.h"
#include "signature/schema.h"

#define OUT(...) scale__siggen_out(g, __VA_ARGS__)
#define PREFIX_MAX 64u

/* ------------------------------------------------------------ text */

void scale__siggen_out(siggen_t *g, const char *fmt, ...) {
  if (g->oom) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(g->buf ? g->buf + g->len : NULL, g->buf ? g->cap - g->len : 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    g->oom = true;
    return;
  }
  if (g->len + (size_t)n + 1 > g->cap) {
    size_t cap = g->cap ? g->cap : 4096;
    while (cap < g->len + (size_t)n + 1)
      cap *= 2;
    char *b = realloc(g->buf, cap);
    if (!b) {
      g->oom = true;
      return;
    }
    g->buf = b;
    g->cap = cap;
    va_start(ap, fmt);
    vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
    va_end(ap);
  }
  g->len += (size_t)n;
}

void scale__siggen_cstr(siggen_t *g, const char *s, size_t len) {
  OUT("\"");
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    /* '?' is escaped because -std=c11 turns "??x" into trigraphs. */
    if (c == '"' || c == '\\' || c == '?')
      OUT("\\%c", c);
    else if (c >= 0x20 && c < 0x7f)
      OUT("%c", c);
    else
      OUT("\\%03o", c);
  }
  OUT("\"");
}

void scale__siggen_double(siggen_t *g, double v) {
  if (isnan(v)) {
    OUT("__builtin_nan(\"\")");
    return;
  }
  if (isinf(v)) {
    OUT(v > 0 ? "__builtin_inf()" : "(-__builtin_inf())");
    return;
  }
  char b[64];
  snprintf(b, sizeof b, "%.17g", v);
  OUT("%s%s", b, strpbrk(b, ".eE") ? "" : ".0");
}

/* ------------------------------------------------------------ names */

static bool is_keyword(const char *s) {
  static const char *const words[] = {
      "auto",    "break",  "case",     "char",    "const",    "continue",      "default",
      "do",      "double", "else",     "enum",    "extern",   "float",         "for",
      "goto",    "if",     "inline",   "int",     "long",     "register",      "restrict",
      "return",  "short",  "signed",   "sizeof",  "static",   "struct",        "switch",
      "typedef", "union",  "unsigned", "void",    "volatile", "while",         "bool",
      "true",    "false",  "alignas",  "alignof", "noreturn", "static_assert", "thread_local",
      "errno",   "assert", "offsetof", "asm",     "complex",  "imaginary",
  };
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(s, words[i]) == 0) return true;
  return false;
}

/* TitleCase -> snake_case ("HTTPServer" -> "http_server", "Int32Field" ->
 * "int32_field"); anything that is not a letter or digit becomes '_'. */
static char *snake(const char *s) {
  size_t n = strlen(s);
  char *o = malloc(2 * n + 4);
  if (!o) return NULL;
  size_t k = 0;
  if (n == 0 || isdigit((unsigned char)s[0])) o[k++] = 'x';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    unsigned char prev = i ? (unsigned char)s[i - 1] : 0, next = (unsigned char)s[i + 1];
    if (c >= 'A' && c <= 'Z') {
      bool cut = i > 0 && ((islower(prev) || isdigit(prev)) || (isupper(prev) && islower(next)));
      if (cut && k && o[k - 1] != '_') o[k++] = '_';
      o[k++] = (char)tolower(c);
    } else if (c < 0x80 && isalnum(c)) {
      o[k++] = (char)c;
    } else if (k && o[k - 1] != '_') {
      o[k++] = '_';
    }
  }
  if (k == 0) o[k++] = 'x';
  o[k] = '\0';
  if (is_keyword(o)) {
    o[k++] = '_';
    o[k] = '\0';
  }
  return o;
}

static void upper_in_place(char *s) {
  for (; *s; s++)
    *s = (char)toupper((unsigned char)*s);
}

static bool valid_prefix(const char *p) {
  size_t n = strlen(p);
  if (n == 0 || n > PREFIX_MAX) return false;
  if (!(isalpha((unsigned char)p[0]) || p[0] == '_')) return false;
  for (size_t i = 0; i < n; i++)
    if (!(isalnum((unsigned char)p[i]) || p[i] == '_') || (unsigned char)p[i] >= 0x80) return false;
  return true;
}

static void names_free(siggen_t *g) {
  const struct scale_signature *sig = g->sig;
  if (g->model_c)
    for (size_t i = 0; i < sig->model_count; i++)
      free(g->model_c[i]);
  if (g->enum_c)
    for (size_t i = 0; i < sig->enum_count; i++)
      free(g->enum_c[i]);
  if (g->field_c) {
    for (size_t i = 0; i < sig->model_count; i++) {
      if (!g->field_c[i]) continue;
      for (size_t k = 0; k < sig->models[i].field_count; k++)
        free(g->field_c[i][k]);
      free(g->field_c[i]);
    }
  }
  free(g->model_c);
  free(g->enum_c);
  free(g->field_c);
  free(g->upper);
  g->model_c = NULL;
  g->enum_c = NULL;
  g->field_c = NULL;
  g->upper = NULL;
}

/* Two schema names that become one C name would not compile; say which. */
static scale_error_t *names_clash(char **names, const char *const *orig, size_t n,
                                  const char *what) {
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++)
      if (strcmp(names[i], names[k]) == 0)
        return scale__sig_error("%s %s and %s both become the C name '%s'", what, orig[i], orig[k],
                                names[i]);
  return NULL;
}

static scale_error_t *names_build(siggen_t *g) {
  const struct scale_signature *sig = g->sig;
  g->upper = strdup(g->prefix);
  g->model_c = calloc(sig->model_count + 1, sizeof *g->model_c);
  g->enum_c = calloc(sig->enum_count + 1, sizeof *g->enum_c);
  g->field_c = calloc(sig->model_count + 1, sizeof *g->field_c);
  const char **orig = calloc(sig->model_count + sig->enum_count + 8, sizeof *orig);
  char **all = calloc(sig->model_count + sig->enum_count + 8, sizeof *all);
  if (!g->upper || !g->model_c || !g->enum_c || !g->field_c || !orig || !all) goto oom;
  upper_in_place(g->upper);
  size_t n = 0;
  /* Type names share one namespace with the fixed ones. */
  static const char *const fixed[] = {"str", "bytes", "error", "model_info"};
  for (size_t i = 0; i < 4; i++) {
    all[n] = (char *)fixed[i];
    orig[n++] = "(built-in)";
  }
  for (size_t i = 0; i < sig->model_count; i++) {
    const struct scale_sigmodel *m = &sig->models[i];
    if (!(g->model_c[i] = snake(m->name))) goto oom;
    all[n] = g->model_c[i];
    orig[n++] = m->name;
    g->field_c[i] = calloc(m->field_count + 1, sizeof *g->field_c[i]);
    if (!g->field_c[i]) goto oom;
    for (size_t k = 0; k < m->field_count; k++)
      if (!(g->field_c[i][k] = snake(m->fields[k].name))) goto oom;
    const char **fo = calloc(m->field_count + 1, sizeof *fo);
    if (!fo) goto oom;
    for (size_t k = 0; k < m->field_count; k++)
      fo[k] = m->fields[k].name;
    char what[300];
    snprintf(what, sizeof what, "fields of %s", m->name);
    scale_error_t *e = names_clash(g->field_c[i], fo, m->field_count, what);
    free(fo);
    if (e) {
      free(orig);
      free(all);
      return e;
    }
  }
  for (size_t i = 0; i < sig->enum_count; i++) {
    if (!(g->enum_c[i] = snake(sig->enums[i].name))) goto oom;
    all[n] = g->enum_c[i];
    orig[n++] = sig->enums[i].name;
  }
  scale_error_t *e = names_clash(all, orig, n, "names");
  free(orig);
  free(all);
  return e;
oom:
  free(orig);
  free(all);
  return scale__sig_error("out of memory");
}

/* ------------------------------------------------------------ support code */

/* Emitted once into every generated source. Every function is static and
 * marked unused, so a schema that needs only some of them compiles
 * warning-free. Messages are the runtime codec's, word for word. */
static const char support_code[] =
    "#include <stdarg.h>\n"
    "\n"
    "#if !defined(SCALE_PG_REALLOC) && !defined(SCALE_PG_FREE)\n"
    "#include <stdlib.h>\n"
    "#define GEN_REALLOC realloc\n"
    "#define GEN_FREE free\n"
    "#else\n"
    "#ifndef SCALE_PG_NO_ALLOC_DECL\n"
    "void *SCALE_PG_REALLOC(void *p, size_t n);\n"
    "void SCALE_PG_FREE(void *p);\n"
    "#endif\n"
    "#define GEN_REALLOC SCALE_PG_REALLOC\n"
    "#define GEN_FREE SCALE_PG_FREE\n"
    "#endif\n"
    "\n"
    "/* Regex validators need <regex.h> (glibc, musl, wasi-libc); a freestanding build\n"
    " * without it skips them (documented). Floats in messages need snprintf. */\n"
    "#if defined(__has_include)\n"
    "#if __has_include(<regex.h>) && !defined(GEN_NO_REGEX)\n"
    "#include <regex.h>\n"
    "#define GEN_HAVE_REGEX 1\n"
    "#endif\n"
    "#if __has_include(<stdio.h>)\n"
    "#include <stdio.h>\n"
    "#define GEN_HAVE_STDIO 1\n"
    "#endif\n"
    "#endif\n"
    "\n"
    "#define GEN_UNUSED __attribute__((unused))\n"
    "#define GEN_MSG_MAX 512u /* formatted messages are cut where the runtime cuts them */\n"
    "#define GEN_GUEST_MAX 4096u\n"
    "\n"
    "typedef struct gen_dec {\n"
    "  scale_pg_reader_t r;\n"
    "  size_t alloc;    /* bytes charged so far, as the runtime codec charges them */\n"
    "  size_t elements; /* array elements + map entries so far */\n"
    "  gen_error_t *err;\n"
    "} gen_dec_t;\n"
    "\n"
    "static GEN_UNUSED void *gen_alloc(size_t n) {\n"
    "  void *p = GEN_REALLOC((void *)0, n ? n : 1);\n"
    "  if (p) __builtin_memset(p, 0, n ? n : 1);\n"
    "  return p;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED void gen_cat(char *b, size_t *n, const char *s, size_t len) {\n"
    "  while (len-- && *n < GEN_MSG_MAX - 1)\n"
    "    b[(*n)++] = *s++;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED void gen_cat_u(char *b, size_t *n, unsigned long long v) {\n"
    "  char t[24];\n"
    "  size_t i = sizeof t;\n"
    "  do {\n"
    "    t[--i] = (char)('0' + v % 10);\n"
    "    v /= 10;\n"
    "  } while (v);\n"
    "  gen_cat(b, n, t + i, sizeof t - i);\n"
    "}\n"
    "\n"
    "static GEN_UNUSED void gen_cat_g(char *b, size_t *n, double v) {\n"
    "#ifdef GEN_HAVE_STDIO\n"
    "  char t[48];\n"
    "  int k = snprintf(t, sizeof t, \"%g\", v);\n"
    "  if (k > 0) gen_cat(b, n, t, (size_t)k < sizeof t ? (size_t)k : sizeof t - 1);\n"
    "#else\n"
    "  /* No stdio (freestanding guest): integer part and up to 6 decimals. */\n"
    "  if (v != v) {\n"
    "    gen_cat(b, n, \"nan\", 3);\n"
    "    return;\n"
    "  }\n"
    "  if (v < 0) {\n"
    "    gen_cat(b, n, \"-\", 1);\n"
    "    v = -v;\n"
    "  }\n"
    "  if (v >= 1e19) {\n"
    "    if (v - v != v - v)\n"
    "      gen_cat(b, n, \"inf\", 3);\n"
    "    else\n"
    "      gen_cat(b, n, \">1e19\", 5);\n"
    "    return;\n"
    "  }\n"
    "  unsigned long long ip = (unsigned long long)v;\n"
    "  gen_cat_u(b, n, ip);\n"
    "  unsigned long long fr = (unsigned long long)((v - (double)ip) * 1e6 + 0.5);\n"
    "  if (fr >= 1000000ull) fr = 999999ull;\n"
    "  if (fr) {\n"
    "    char t[8];\n"
    "    int d = 6;\n"
    "    for (int i = 5; i >= 0; i--, fr /= 10)\n"
    "      t[i] = (char)('0' + fr % 10);\n"
    "    while (d > 0 && t[d - 1] == '0')\n"
    "      d--;\n"
    "    gen_cat(b, n, \".\", 1);\n"
    "    gen_cat(b, n, t, (size_t)d);\n"
    "  }\n"
    "#endif\n"
    "}\n"
    "\n"
    "/* printf-like, for the conversions the messages use: %s %u %zu %llu %lld %g.\n"
    " * Always returns false so callers can `return gen_errf(...)`. */\n"
    "static GEN_UNUSED __attribute__((format(printf, 2, 3))) bool gen_errf(gen_error_t *e,\n"
    "                                                                      const char *fmt, ...) "
    "{\n"
    "  if (!e) return false;\n"
    "  size_t n = 0;\n"
    "  va_list ap;\n"
    "  va_start(ap, fmt);\n"
    "  for (const char *p = fmt; *p; p++) {\n"
    "    if (*p != '%') {\n"
    "      gen_cat(e->msg, &n, p, 1);\n"
    "      continue;\n"
    "    }\n"
    "    p++;\n"
    "    if (*p == 's') {\n"
    "      const char *s = va_arg(ap, const char *);\n"
    "      gen_cat(e->msg, &n, s, __builtin_strlen(s));\n"
    "    } else if (*p == 'u') {\n"
    "      gen_cat_u(e->msg, &n, va_arg(ap, unsigned));\n"
    "    } else if (p[0] == 'z' && p[1] == 'u') {\n"
    "      p++;\n"
    "      gen_cat_u(e->msg, &n, va_arg(ap, size_t));\n"
    "    } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u') {\n"
    "      p += 2;\n"
    "      gen_cat_u(e->msg, &n, va_arg(ap, unsigned long long));\n"
    "    } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'd') {\n"
    "      p += 2;\n"
    "      long long v = va_arg(ap, long long);\n"
    "      if (v < 0) gen_cat(e->msg, &n, \"-\", 1);\n"
    "      gen_cat_u(e->msg, &n, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);\n"
    "    } else if (*p == 'g') {\n"
    "      gen_cat_g(e->msg, &n, va_arg(ap, double));\n"
    "    } else {\n"
    "      break;\n"
    "    }\n"
    "  }\n"
    "  va_end(ap);\n"
    "  e->msg[n] = '\\0';\n"
    "  e->guest = false;\n"
    "  return false;\n"
    "}\n"
    "\n"
    "/* Well-formed UTF-8 (Unicode table 3-7), as the runtime and Go check it. */\n"
    "static GEN_UNUSED bool gen_utf8_valid(const unsigned char *s, size_t len) {\n"
    "  size_t i = 0;\n"
    "  while (i < len) {\n"
    "    unsigned char c = s[i], lo = 0x80, hi = 0xbf;\n"
    "    size_t n;\n"
    "    if (c < 0x80) {\n"
    "      i++;\n"
    "      continue;\n"
    "    }\n"
    "    if (c >= 0xc2 && c <= 0xdf) {\n"
    "      n = 1;\n"
    "    } else if (c >= 0xe0 && c <= 0xef) {\n"
    "      n = 2;\n"
    "      if (c == 0xe0) lo = 0xa0;\n"
    "      if (c == 0xed) hi = 0x9f;\n"
    "    } else if (c >= 0xf0 && c <= 0xf4) {\n"
    "      n = 3;\n"
    "      if (c == 0xf0) lo = 0x90;\n"
    "      if (c == 0xf4) hi = 0x8f;\n"
    "    } else {\n"
    "      return false;\n"
    "    }\n"
    "    if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi) return false;\n"
    "    for (size_t k = 2; k <= n; k++)\n"
    "      if ((s[i + k] & 0xc0) != 0x80) return false;\n"
    "    i += n + 1;\n"
    "  }\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_check_utf8(gen_error_t *err, const char *m, const char *f,\n"
    "                                      const char *s, size_t len) {\n"
    "  if (len && !gen_utf8_valid((const unsigned char *)s, len))\n"
    "    return gen_errf(err, \"%s.%s: string is not valid UTF-8\", m, f);\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_check_enum(gen_error_t *err, const char *m, const char *f,\n"
    "                                      const char *e, size_t count, uint64_t v) {\n"
    "  if (v >= count)\n"
    "    return gen_errf(err, \"%s.%s: invalid enum value %llu (enum %s has %zu values)\", m, f,\n"
    "                    (unsigned long long)v, e, count);\n"
    "  return true;\n"
    "}\n"
    "\n"
    "/* @p s is NUL-terminated at @p len (or NULL when empty). The expression is\n"
    " * compiled per call: no shared state, so host code stays thread-safe. */\n"
    "static GEN_UNUSED bool gen_check_regex(gen_error_t *err, const char *m, const char *f,\n"
    "                                       const char *expr, const char *s, size_t len) {\n"
    "#ifdef GEN_HAVE_REGEX\n"
    "  regex_t re;\n"
    "  int rc;\n"
    "  if (regcomp(&re, expr, REG_EXTENDED | REG_NOSUB) != 0)\n"
    "    return gen_errf(err, \"%s.%s: cannot compile the regex_validator expression %s\", m, f, "
    "expr);\n"
    "#ifdef REG_STARTEND\n"
    "  regmatch_t pm[1];\n"
    "  pm[0].rm_so = 0;\n"
    "  pm[0].rm_eo = (regoff_t)len;\n"
    "  rc = regexec(&re, s ? s : \"\", 1, pm, REG_STARTEND);\n"
    "#else\n"
    "  rc = __builtin_strlen(s ? s : \"\") == len ? regexec(&re, s ? s : \"\", 0, 0, 0) : "
    "REG_NOMATCH;\n"
    "#endif\n"
    "  regfree(&re);\n"
    "  if (rc != 0)\n"
    "    return gen_errf(err, \"%s.%s: value does not match the regex_validator expression %s\", "
    "m,\n"
    "                    f, expr);\n"
    "#else\n"
    "  (void)err, (void)m, (void)f, (void)expr, (void)s, (void)len;\n"
    "#endif\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED void gen_case(char *s, size_t len, int upper) {\n"
    "  for (size_t i = 0; i < len; i++) {\n"
    "    if (upper && s[i] >= 'a' && s[i] <= 'z') s[i] = (char)(s[i] - 32);\n"
    "    if (!upper && s[i] >= 'A' && s[i] <= 'Z') s[i] = (char)(s[i] + 32);\n"
    "  }\n"
    "}\n"
    "\n"
    "/* Owned copies, NUL-terminated; data stays NULL when empty. */\n"
    "static GEN_UNUSED bool gen_str_copy(gen_str_t *out, const char *s, size_t len) {\n"
    "  out->data = (void *)0;\n"
    "  out->len = 0;\n"
    "  if (!len) return true;\n"
    "  if (len == (size_t)-1) return false;\n"
    "  out->data = GEN_REALLOC((void *)0, len + 1);\n"
    "  if (!out->data) return false;\n"
    "  __builtin_memcpy(out->data, s, len);\n"
    "  out->data[len] = '\\0';\n"
    "  out->len = len;\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_bytes_copy(gen_bytes_t *out, const void *p, size_t len) {\n"
    "  gen_str_t t;\n"
    "  if (!gen_str_copy(&t, p, len)) return false;\n"
    "  out->data = (uint8_t *)t.data;\n"
    "  out->len = t.len;\n"
    "  return true;\n"
    "}\n"
    "\n"
    "/* Map key order: bytes, then length (as the runtime sorts string keys). */\n"
    "static GEN_UNUSED int gen_str_cmp(const gen_str_t *a, const gen_str_t *b) {\n"
    "  size_t n = a->len < b->len ? a->len : b->len;\n"
    "  int r = n ? __builtin_memcmp(a->data, b->data, n) : 0;\n"
    "  if (r) return r;\n"
    "  return a->len < b->len ? -1 : a->len > b->len;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_on_stack(const uint32_t *stack, unsigned depth, uint32_t model) {\n"
    "  for (unsigned k = 0; k <= depth; k++)\n"
    "    if (stack[k] == model) return true;\n"
    "  return false;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED void gen_dec_init(gen_dec_t *d, const scale_pg_reader_t *r, gen_error_t "
    "*err) {\n"
    "  d->r = *r;\n"
    "  d->alloc = 0;\n"
    "  d->elements = 0;\n"
    "  d->err = err;\n"
    "  if (err) {\n"
    "    err->guest = false;\n"
    "    err->msg[0] = '\\0';\n"
    "  }\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_charge(gen_dec_t *d, size_t n) {\n"
    "  if (n > GEN_MAX_ALLOC - d->alloc) return false;\n"
    "  d->alloc += n;\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_status(gen_dec_t *d, const char *m, const char *f,\n"
    "                                  scale_pg_status_t st, const char *type) {\n"
    "  int k = scale_pg_peek(&d->r);\n"
    "  if (st == SCALE_PG_WRONG_KIND)\n"
    "    return gen_errf(d->err, \"%s.%s: expected %s, found %s at offset %zu\", m, f, type,\n"
    "                    k < 0 ? \"end of data\" : scale_pg_kind_name((uint8_t)k), d->r.pos);\n"
    "  return gen_errf(d->err, \"%s.%s: %s at offset %zu\", m, f, scale_pg_status_text(st), "
    "d->r.pos);\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_get_str(gen_dec_t *d, const char *m, const char *f, gen_str_t "
    "*out) {\n"
    "  const char *p;\n"
    "  size_t n;\n"
    "  scale_pg_status_t st = scale_pg_get_string(&d->r, GEN_MAX_ALLOC - d->alloc, &p, &n);\n"
    "  if (st != SCALE_PG_OK) return gen_status(d, m, f, st, \"string\");\n"
    "  if (!gen_charge(d, n + 1))\n"
    "    return gen_errf(d->err, \"%s.%s: decode allocation limit reached\", m, f);\n"
    "  if (!gen_str_copy(out, p, n)) return gen_errf(d->err, \"out of memory\");\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_get_bytes(gen_dec_t *d, const char *m, const char *f,\n"
    "                                     gen_bytes_t *out) {\n"
    "  const uint8_t *p;\n"
    "  size_t n;\n"
    "  scale_pg_status_t st = scale_pg_get_bytes(&d->r, GEN_MAX_ALLOC - d->alloc, &p, &n);\n"
    "  if (st != SCALE_PG_OK) return gen_status(d, m, f, st, \"bytes\");\n"
    "  if (!gen_charge(d, n + 1))\n"
    "    return gen_errf(d->err, \"%s.%s: decode allocation limit reached\", m, f);\n"
    "  if (!gen_bytes_copy(out, p, n)) return gen_errf(d->err, \"out of memory\");\n"
    "  return true;\n"
    "}\n"
    "\n"
    "#define GEN_GETTER(name, type, get, tname)                                            \\\n"
    "  static GEN_UNUSED bool gen_get_##name(gen_dec_t *d, const char *m, const char *f,    \\\n"
    "                                        type *out) {                                   \\\n"
    "    scale_pg_status_t st = get(&d->r, out);                                          \\\n"
    "    return st == SCALE_PG_OK ? true : gen_status(d, m, f, st, tname);                \\\n"
    "  }\n"
    "GEN_GETTER(i32, int32_t, scale_pg_get_i32, \"int32\")\n"
    "GEN_GETTER(i64, int64_t, scale_pg_get_i64, \"int64\")\n"
    "GEN_GETTER(u32, uint32_t, scale_pg_get_u32, \"uint32\")\n"
    "GEN_GETTER(u64, uint64_t, scale_pg_get_u64, \"uint64\")\n"
    "GEN_GETTER(f32, float, scale_pg_get_f32, \"float32\")\n"
    "GEN_GETTER(f64, double, scale_pg_get_f64, \"float64\")\n"
    "GEN_GETTER(bool, bool, scale_pg_get_bool, \"bool\")\n"
    "\n"
    "static GEN_UNUSED bool gen_get_enum(gen_dec_t *d, const char *m, const char *f, const char "
    "*e,\n"
    "                                    size_t count, uint32_t *out) {\n"
    "  scale_pg_status_t st = scale_pg_get_u32(&d->r, out);\n"
    "  if (st != SCALE_PG_OK) return gen_status(d, m, f, st, \"enum\");\n"
    "  return gen_check_enum(d->err, m, f, e, count, *out);\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_count(gen_dec_t *d, const char *m, const char *f, "
    "scale_pg_status_t "
    "st,\n"
    "                                 const char *type, size_t cell, uint32_t n) {\n"
    "  if (st == SCALE_PG_TOO_LONG)\n"
    "    return gen_errf(d->err, \"%s.%s: more than %u elements in one decode\", m, f,\n"
    "                    GEN_MAX_ELEMENTS);\n"
    "  if (st != SCALE_PG_OK) return gen_status(d, m, f, st, type);\n"
    "  d->elements += n;\n"
    "  if (!gen_charge(d, (size_t)n * cell))\n"
    "    return gen_errf(d->err, \"%s.%s: decode allocation limit reached\", m, f);\n"
    "  return true;\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_get_slice(gen_dec_t *d, const char *m, const char *f,\n"
    "                                     scale_pg_kind_t kind, const char *type, size_t cell,\n"
    "                                     uint32_t *n) {\n"
    "  uint32_t room = (uint32_t)(GEN_MAX_ELEMENTS - d->elements);\n"
    "  scale_pg_status_t st = scale_pg_get_slice(&d->r, kind, room, n);\n"
    "  return gen_count(d, m, f, st, type, cell, st == SCALE_PG_OK ? *n : 0);\n"
    "}\n"
    "\n"
    "static GEN_UNUSED bool gen_get_map(gen_dec_t *d, const char *m, const char *f, "
    "scale_pg_kind_t "
    "key,\n"
    "                                   scale_pg_kind_t value, const char *type, size_t cell,\n"
    "                                   uint32_t *n) {\n"
    "  uint32_t room = (uint32_t)(GEN_MAX_ELEMENTS - d->elements);\n"
    "  scale_pg_status_t st = scale_pg_get_map(&d->r, key, value, room, n);\n"
    "  return gen_count(d, m, f, st, type, cell, st == SCALE_PG_OK ? *n : 0);\n"
    "}\n"
    "\n"
    "/* Before a model: 00 is nil (0), 06 a guest error (-1, err->guest set),\n"
    " * anything else the model's fields (1). Nil is refused inside arrays and maps. */\n"
    "static GEN_UNUSED int gen_dec_head(gen_dec_t *d, const char *m, bool element) {\n"
    "  int k = scale_pg_peek(&d->r);\n"
    "  if (k == SCALE_PG_NIL) {\n"
    "    if (element) {\n"
    "      gen_errf(d->err, \"nil %s element at offset %zu (not allowed in an array or map)\", m,\n"
    "               d->r.pos);\n"
    "      return -1;\n"
    "    }\n"
    "    scale_pg_get_nil(&d->r);\n"
    "    return 0;\n"
    "  }\n"
    "  if (k != SCALE_PG_ERROR) return 1;\n"
    "  const char *msg;\n"
    "  size_t len;\n"
    "  scale_pg_status_t st = scale_pg_get_error(&d->r, GEN_GUEST_MAX, &msg, &len);\n"
    "  if (st != SCALE_PG_OK && st != SCALE_PG_TOO_LONG) {\n"
    "    gen_errf(d->err, \"%s: malformed error value: %s at offset %zu\", m,\n"
    "             scale_pg_status_text(st), d->r.pos);\n"
    "    return -1;\n"
    "  }\n"
    "  if (!d->err) return -1;\n"
    "  if (st == SCALE_PG_TOO_LONG) {\n"
    "    gen_errf(d->err, \"guest error (message over 4096 bytes)\");\n"
    "  } else {\n"
    "    /* The guest's text as is; embedded NULs would cut it, so they become spaces. */\n"
    "    for (size_t i = 0; i < len; i++)\n"
    "      d->err->msg[i] = msg[i] ? msg[i] : ' ';\n"
    "    d->err->msg[len] = '\\0';\n"
    "  }\n"
    "  d->err->guest = true;\n"
    "  return -1;\n"
    "}\n"
    "\n";

/* ------------------------------------------------------------ files */

static void header_comment(siggen_t *g, const char *schema, const char *what) {
  const char *hash = g->sig->hash;
  OUT("/*\n * DO NOT EDIT — generated by `scale signature generate` from ");
  /* the file name goes into a comment: keep it printable and comment-safe */
  for (const char *s = schema; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7f || (c == '*' && s[1] == '/'))
      OUT("_");
    else
      OUT("%c", c);
  }
  OUT(".\n * Signature hash: %s\n * %s\n * Regenerate instead of editing.\n */\n", hash, what);
}

static void emit_enums(siggen_t *g) {
  const struct scale_signature *sig = g->sig;
  for (size_t i = 0; i < sig->enum_count; i++) {
    const sig_enum_t *e = &sig->enums[i];
    char *eu = strdup(g->enum_c[i]);
    if (!eu) {
      g->oom = true;
      return;
    }
    upper_in_place(eu);
    OUT("/* enum %s: the wire value is the index. */\ntypedef enum %s_%s {\n", e->name, g->prefix,
        g->enum_c[i]);
    for (size_t k = 0; k < e->value_count; k++) {
      char *v = snake(e->values[k]);
      if (!v) {
        g->oom = true;
        free(eu);
        return;
      }
      upper_in_place(v);
      OUT("  %s_%s_%s = %zu,\n", g->upper, eu, v, k);
      free(v);
    }
    OUT("} %s_%s_t;\n#define %s_%s_COUNT %zuu\n\n", g->prefix, g->enum_c[i], g->upper, eu,
        e->value_count);
    free(eu);
  }
}

static void emit_header(siggen_t *g, const char *schema, bool guest) {
  const struct scale_signature *sig = g->sig;
  const char *p = g->prefix, *side = guest ? "GUEST" : "HOST";
  header_comment(g, schema,
                 guest ? "Guest side: models, codec, and the glue to the C SDK (sdk/c, raw mode)."
                       : "Host side: models and their Polyglot codec.");
  OUT("#ifndef %s_%s_H\n#define %s_%s_H\n\n", g->upper, side, g->upper, side);
  OUT("#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n#include "
      "\"scale/polyglot.h\"\n\n");
  OUT("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
  OUT("/* Lower-case hex SHA-256 of the schema's canonical text. */\n");
  OUT("#define %s_SIGNATURE_HASH \"%s\"\n\n", g->upper, sig->hash);
  OUT("/* Owned string: NUL-terminated, NULL when empty; len in bytes. */\n");
  OUT("typedef struct %s_str {\n  char *data;\n  size_t len;\n} %s_str_t;\n\n", p, p);
  OUT("/* Owned bytes: NULL when empty. */\n");
  OUT("typedef struct %s_bytes {\n  uint8_t *data;\n  size_t len;\n} %s_bytes_t;\n\n", p, p);
  OUT("/* What went wrong, in the runtime codec's words. guest: the bytes held a guest\n"
      " * Error value and msg is its text. */\n");
  OUT("typedef struct %s_error {\n  bool guest;\n  char msg[4104];\n} %s_error_t;\n\n", p, p);
  emit_enums(g);
  for (size_t i = 0; i < sig->model_count; i++)
    OUT("typedef struct %s_%s %s_%s_t;\n", p, g->model_c[i], p, g->model_c[i]);
  OUT("\n");
  OUT("/*\n * Per model M:\n"
      " *   M_new()            a new instance with the schema's defaults (NULL: out of memory);\n"
      " *   M_free(v)          releases v and everything it owns (NULL is fine);\n"
      " *   M_encode(v, buf)   appends v (NULL: nil) in the runtime's wire order; false when\n"
      " *                      the buffer failed or models nest more than 64 deep;\n"
      " *   M_decode(r, &v, e) reads one M at the cursor, strictly: kinds, enum ranges, UTF-8\n"
      " *                      and validators are checked, nil gives v = NULL, a guest Error\n"
      " *                      value fails with e->guest set; false with e->msg on error;\n"
      " *   M_decode_bytes     the same over a whole buffer (trailing bytes are an error);\n"
      " *   M_get_F / M_set_F  for accessor fields: setters run the validators and the case\n"
      " *                      modifier and leave the field unchanged on error;\n"
      " *   M_F_append / M_F_put / M_F_clear  for array and map fields; map keys stay sorted\n"
      " *                      (encode relies on it: keep them ascending and unique).\n"
      " * Strings and bytes passed in are copied; a model passed in is taken over.\n"
      " * Error arguments may be NULL. Nothing here is thread-safe on one instance.\n */\n");
  for (size_t i = 0; i < sig->model_count; i++)
    scale__siggen_model_decls(g, &sig->models[i]);
  OUT("/* Every model by schema name, for generic code (tests, dispatch). */\n");
  OUT("typedef struct %s_model_info {\n  const char *name;\n  void *(*create)(void);\n"
      "  void (*destroy)(void *v);\n  bool (*encode)(const void *v, scale_pg_buf_t *buf);\n"
      "  bool (*decode)(const void *data, size_t len, void **out, %s_error_t *err);\n"
      "} %s_model_info_t;\n",
      p, p, p);
  OUT("extern const %s_model_info_t %s_models[];\n#define %s_MODEL_COUNT %zuu\n\n", p, p, g->upper,
      sig->model_count);
  if (guest) {
    const char *c = g->model_c[sig->context];
    OUT("/*\n * The function, written by you: get the decoded context, return the context to\n"
        " * send back (ctx itself or another instance, which is freed after encoding).\n"
        " * Return %s_error(ctx, \"message\") to fail the call with an error instead.\n */\n",
        p);
    OUT("%s_%s_t *scale(%s_%s_t *ctx);\n\n", p, c, p, c);
    OUT("/* Record an error for this call (copied); returns ctx. */\n");
    OUT("%s_%s_t *%s_error(%s_%s_t *ctx, const char *message);\n\n", p, c, p, p, c);
    OUT("/*\n * Run the rest of the chain on ctx: encode it, call the next function, decode\n"
        " * what comes back into ctx (replacing its contents). NULL on success, else an\n"
        " * error message valid until the next call (the next function's own error text\n"
        " * when it failed).\n */\n");
    OUT("const char *%s_next(%s_%s_t *ctx);\n\n", p, p, c);
  }
  OUT("#ifdef __cplusplus\n}\n#endif\n#endif\n");
}

static void emit_info(siggen_t *g) {
  const struct scale_signature *sig = g->sig;
  const char *p = g->prefix;
  for (size_t i = 0; i < sig->model_count; i++) {
    const char *n = g->model_c[i];
    OUT("static void *info_%s_create(void) {\n  return %s_%s_new();\n}\n", n, p, n);
    OUT("static void info_%s_destroy(void *v) {\n  %s_%s_free(v);\n}\n", n, p, n);
    OUT("static bool info_%s_encode(const void *v, scale_pg_buf_t *b) {\n  return "
        "%s_%s_encode(v, b);\n}\n",
        n, p, n);
    OUT("static bool info_%s_decode(const void *data, size_t len, void **out, %s_error_t *err) "
        "{\n  %s_%s_t *v = NULL;\n  bool ok = %s_%s_decode_bytes(data, len, &v, err);\n"
        "  *out = v;\n  return ok;\n}\n\n",
        n, p, p, n, p, n);
  }
  OUT("const %s_model_info_t %s_models[] = {\n", p, p);
  for (size_t i = 0; i < sig->model_count; i++) {
    const char *n = g->model_c[i];
    OUT("    {");
    scale__siggen_cstr(g, sig->models[i].name, strlen(sig->models[i].name));
    OUT(", info_%s_create, info_%s_destroy, info_%s_encode, info_%s_decode},\n", n, n, n, n);
  }
  OUT("};\n\n");
}

static void emit_guest_glue(siggen_t *g) {
  const struct scale_signature *sig = g->sig;
  const char *p = g->prefix, *c = g->model_c[sig->context];
  const char *cname = sig->models[sig->context].name;
  OUT("/* ---------------------------------------------------------------- guest glue */\n\n");
  OUT("/* Reported by the module's `hash` export (overrides the SDK's weak default). */\n");
  OUT("const char *scale_signature_hash(void) {\n  return %s_SIGNATURE_HASH;\n}\n\n", g->upper);
  OUT("static char *gen_pending;      /* the message %s_error() recorded, owned */\n", p);
  OUT("static bool gen_pending_set;   /* %s_error() was called (even if the copy failed) */\n", p);
  OUT("static gen_error_t gen_run_err, gen_next_err;\n");
  OUT("static scale_pg_buf_t gen_next_buf;\n\n");
  OUT("static void gen_pending_clear(void) {\n  GEN_FREE(gen_pending);\n  gen_pending = (void "
      "*)0;\n  gen_pending_set = false;\n}\n\n");
  OUT("%s_%s_t *%s_error(%s_%s_t *ctx, const char *message) {\n", p, c, p, p, c);
  OUT("  if (!message) message = \"error\";\n  size_t n = __builtin_strlen(message);\n");
  OUT("  gen_pending_clear();\n  gen_pending_set = true;\n");
  OUT("  gen_pending = GEN_REALLOC((void *)0, n + 1);\n");
  OUT("  if (gen_pending) __builtin_memcpy(gen_pending, message, n + 1);\n  return ctx;\n}\n\n");
  OUT("const char *%s_next(%s_%s_t *ctx) {\n", p, p, c);
  OUT("  if (!ctx) return \"next: the context is NULL\";\n");
  OUT("  scale_pg_buf_reset(&gen_next_buf);\n");
  OUT("  if (!%s_%s_encode(ctx, &gen_next_buf)) return \"out of memory encoding the context\";\n",
      p, c);
  OUT("  const uint8_t *out;\n  size_t len;\n");
  OUT("  if (scale_next_raw(gen_next_buf.data, gen_next_buf.len, &out, &len) != 0) return \"next: "
      "no result\";\n");
  OUT("  %s_%s_t *fresh;\n", p, c);
  OUT("  if (!%s_%s_decode_bytes(out, len, &fresh, &gen_next_err)) return gen_next_err.msg;\n", p,
      c);
  OUT("  if (!fresh) return \"next returned a nil %s\";\n", cname);
  OUT("  release_%s(ctx);\n  *ctx = *fresh;\n  GEN_FREE(fresh);\n  return (void *)0;\n}\n\n", c);
  OUT("int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {\n");
  OUT("  %s_%s_t *ctx;\n  gen_pending_clear();\n", p, c);
  OUT("  if (!%s_%s_decode_bytes(in, len, &ctx, &gen_run_err)) {\n"
      "    scale_error_raw(out, gen_run_err.msg);\n    return 0;\n  }\n",
      p, c);
  OUT("  %s_%s_t *res = scale(ctx);\n", p, c);
  OUT("  if (gen_pending_set)\n    scale_error_raw(out, gen_pending ? gen_pending : \"out of "
      "memory\");\n");
  OUT("  else if (!res)\n    scale_error_raw(out, \"function returned no context\");\n");
  OUT("  else if (!%s_%s_encode(res, out))\n    scale_error_raw(out, \"cannot encode the result: "
      "out of memory or models nested too deep\");\n",
      p, c);
  OUT("  gen_pending_clear();\n  if (res != ctx) %s_%s_free(res);\n  %s_%s_free(ctx);\n  return "
      "0;\n}\n",
      p, c, p, c);
}

static void emit_source(siggen_t *g, const char *schema, bool guest) {
  const struct scale_signature *sig = g->sig;
  const char *p = g->prefix;
  header_comment(g, schema,
                 guest ? "Guest side: link with sdk/c/src/guest.c and the sources in src/polyglot."
                       : "Host side: link with libscale (or the sources in src/polyglot).");
  OUT("#include \"%s_%s.h\"\n\n", p, guest ? "guest" : "host");
  if (guest) OUT("#include \"scale_sdk.h\"\n\n");
  OUT("typedef %s_str_t gen_str_t;\ntypedef %s_bytes_t gen_bytes_t;\ntypedef %s_error_t "
      "gen_error_t;\n\n",
      p, p, p);
  OUT("/* The runtime codec's limits (src/signature/limits.h) and its bookkeeping. */\n");
  OUT("#define GEN_MAX_DEPTH %uu\n#define GEN_MAX_ELEMENTS %uu\n#define GEN_MAX_ALLOC "
      "((size_t)%zuu)\n",
      SIG_MAX_DEPTH, SIG_MAX_ELEMENTS, (size_t)SIG_MAX_ALLOC);
  OUT("#ifdef %s_NO_REGEX\n#define GEN_NO_REGEX 1\n#endif\n\n", g->upper);
  OUT("%s", support_code);
  for (size_t i = 0; i < sig->model_count; i++)
    scale__siggen_model_protos(g, &sig->models[i]);
  OUT("\n");
  for (size_t i = 0; i < sig->model_count; i++)
    scale__siggen_model_code(g, &sig->models[i]);
  emit_info(g);
  if (guest) emit_guest_glue(g);
}

/* ------------------------------------------------------------ API */

void scale__siggen_files_free(scale__siggen_file_t *files, size_t count) {
  if (!files) return;
  for (size_t i = 0; i < count; i++) {
    free(files[i].name);
    free(files[i].text);
  }
  free(files);
}

scale_error_t *scale__siggen_run(const scale_signature_t *sig, const scale__siggen_options_t *opt,
                                 scale__siggen_file_t **files, size_t *count) {
  if (!sig || !opt || !files || !count) return scale__sig_error("scale__siggen_run: NULL argument");
  *files = NULL;
  *count = 0;
  siggen_t g;
  memset(&g, 0, sizeof g);
  g.sig = sig;
  g.prefix = opt->prefix ? opt->prefix : "sig";
  if (!valid_prefix(g.prefix))
    return scale__sig_error("prefix '%s' is not a C identifier of at most %u characters", g.prefix,
                            PREFIX_MAX);
  const char *schema = opt->schema_name ? opt->schema_name : "signature";
  scale_error_t *e = names_build(&g);
  if (e) {
    names_free(&g);
    return e;
  }
  scale__siggen_file_t *out = calloc(4, sizeof *out);
  size_t n = 0;
  if (!out) goto oom;
  for (int side = 0; side < 2; side++) {
    bool guest = side == 1;
    if (guest ? !opt->guest : !opt->host) continue;
    g.guest = guest;
    for (int part = 0; part < 2; part++) {
      g.len = 0;
      g.oom = false;
      if (part == 0)
        emit_header(&g, schema, guest);
      else
        emit_source(&g, schema, guest);
      if (g.oom || !g.buf) goto oom;
      size_t nlen = strlen(g.prefix) + 16;
      out[n].name = malloc(nlen);
      out[n].text = malloc(g.len + 1);
      if (!out[n].name || !out[n].text) {
        n++;
        goto oom;
      }
      snprintf(out[n].name, nlen, "%s_%s.%s", g.prefix, guest ? "guest" : "host",
               part == 0 ? "h" : "c");
      memcpy(out[n].text, g.buf, g.len + 1);
      out[n].len = g.len;
      n++;
    }
  }
  free(g.buf);
  names_free(&g);
  *files = out;
  *count = n;
  return NULL;
oom:
  free(g.buf);
  names_free(&g);
  scale__siggen_files_free(out, n);
  return scale__sig_error("out of memory generating code");
}
