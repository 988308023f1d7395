/*
 * Reading and writing the `scalefile` project descriptor (project.h).
 * The HCL text goes through the signature module's bounded HCL reader
 * (src/signature/syntax.h); this file gives the tree its meaning and
 * refuses anything it does not know, so a typo never goes unnoticed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/project.h"
#include "registry/store.h"
#include "signature/syntax.h"

static bool failf(char *err, size_t cap, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static bool failf(char *err, size_t cap, const char *file, int line, int col, const char *fmt,
                  ...) {
  int n = snprintf(err, cap, "%s:%d:%d: ", file, line, col);
  if (n >= 0 && (size_t)n < cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return false;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

/* A C identifier, for the function and initialize symbols. */
static bool is_identifier(const char *s) {
  if (!*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return false;
  return true;
}

typedef struct field {
  const char *name;
  char **str; /* string attribute, or NULL */
  bool *flag; /* bool attribute, or NULL */
  bool required;
  bool seen;
} field_t;

/* Give each attribute of @p body to its field; unknown or mistyped ones fail. */
static bool take_attrs(const sx_body_t *body, field_t *fields, size_t nfields, const char *where,
                       const char *file, char *err, size_t cap) {
  for (size_t i = 0; i < body->attr_count; i++) {
    const sx_attr_t *a = &body->attrs[i];
    field_t *f = NULL;
    for (size_t k = 0; k < nfields && !f; k++)
      if (strcmp(fields[k].name, a->name) == 0) f = &fields[k];
    if (!f)
      return failf(err, cap, file, a->line, a->col, "unknown attribute '%s' in %s", a->name, where);
    if (f->seen)
      return failf(err, cap, file, a->line, a->col, "attribute '%s' given twice in %s", a->name,
                   where);
    f->seen = true;
    if (f->str) {
      if (a->value.kind != SX_STRING)
        return failf(err, cap, file, a->value.line, a->value.col,
                     "'%s' must be a string (in double quotes)", a->name);
      if (strlen(a->value.text) != a->value.len)
        return failf(err, cap, file, a->value.line, a->value.col, "'%s' contains a NUL character",
                     a->name);
      free(*f->str);
      if (!(*f->str = dup_str(a->value.text)))
        return failf(err, cap, file, a->line, a->col, "out of memory");
    } else {
      if (a->value.kind != SX_BOOL)
        return failf(err, cap, file, a->value.line, a->value.col, "'%s' must be true or false",
                     a->name);
      *f->flag = a->value.b;
    }
  }
  return true;
}

static const sx_attr_t *find_attr(const sx_body_t *body, const char *name) {
  for (size_t i = 0; i < body->attr_count; i++)
    if (strcmp(body->attrs[i].name, name) == 0) return &body->attrs[i];
  return NULL;
}

static bool check_name_at(const sx_body_t *body, const char *attr, const char *what,
                          const char *value, const char *file, char *err, size_t cap) {
  char msg[384];
  bool ok = strcmp(what, "tag") == 0 ? scale__registry_check_tag(value, msg, sizeof msg)
                                     : scale__registry_check_name(what, value, msg, sizeof msg);
  if (ok) return true;
  const sx_attr_t *a = find_attr(body, attr);
  return failf(err, cap, file, a ? a->value.line : 1, a ? a->value.col : 1, "%s", msg);
}

static bool parse_tree(const sx_body_t *root, const char *file, scale__project_t *p, char *err,
                       size_t cap) {
  field_t top[] = {
      {"version", &p->version, NULL, true, false},
      {"name", &p->name, NULL, true, false},
      {"tag", &p->tag, NULL, true, false},
      {"language", &p->language, NULL, true, false},
      {"stateless", NULL, &p->stateless, false, false},
      {"function", &p->function, NULL, false, false},
      {"initialize", &p->initialize, NULL, false, false},
      {"description", &p->description, NULL, false, false},
  };
  enum { NTOP = sizeof top / sizeof top[0] };
  if (!take_attrs(root, top, NTOP, "scalefile", file, err, cap)) return false;
  const sx_block_t *sig = NULL;
  for (size_t i = 0; i < root->block_count; i++) {
    const sx_block_t *b = &root->blocks[i];
    if (strcmp(b->type, "extension") == 0)
      return failf(err, cap, file, b->line, b->col,
                   "extension blocks are not supported yet by this scale");
    if (strcmp(b->type, "signature") != 0)
      return failf(err, cap, file, b->line, b->col,
                   "unknown block '%s' in scalefile (want signature)", b->type);
    if (sig) return failf(err, cap, file, b->line, b->col, "a scalefile has one signature block");
    if (b->label)
      return failf(err, cap, file, b->label_line, b->label_col,
                   "the signature block takes no label");
    if (b->body.block_count)
      return failf(err, cap, file, b->body.blocks[0].line, b->body.blocks[0].col,
                   "unknown block '%s' in signature", b->body.blocks[0].type);
    sig = b;
  }
  if (!sig) return failf(err, cap, file, 1, 1, "missing signature block");
  field_t sf[] = {
      {"organization", &p->signature_org, NULL, true, false},
      {"name", &p->signature_name, NULL, true, false},
      {"tag", &p->signature_tag, NULL, true, false},
  };
  if (!take_attrs(&sig->body, sf, 3, "signature", file, err, cap)) return false;
  for (size_t k = 0; k < NTOP; k++)
    if (top[k].required && !top[k].seen)
      return failf(err, cap, file, 1, 1, "missing attribute '%s'", top[k].name);
  for (size_t k = 0; k < 3; k++)
    if (!sf[k].seen)
      return failf(err, cap, file, sig->line, sig->col, "missing attribute '%s' in signature",
                   sf[k].name);

  if (strcmp(p->version, "v1alpha") != 0) {
    const sx_attr_t *a = find_attr(root, "version");
    return failf(err, cap, file, a->value.line, a->value.col,
                 "unsupported scalefile version '%s' (want \"v1alpha\")", p->version);
  }
  if (!check_name_at(root, "name", "function", p->name, file, err, cap) ||
      !check_name_at(root, "tag", "tag", p->tag, file, err, cap) ||
      !check_name_at(&sig->body, "organization", "organization", p->signature_org, file, err,
                     cap) ||
      !check_name_at(&sig->body, "name", "signature", p->signature_name, file, err, cap) ||
      !check_name_at(&sig->body, "tag", "tag", p->signature_tag, file, err, cap))
    return false;
  if (!is_identifier(p->function)) {
    const sx_attr_t *a = find_attr(root, "function");
    return failf(err, cap, file, a ? a->value.line : 1, a ? a->value.col : 1,
                 "function '%s' is not a C identifier", p->function);
  }
  if (*p->initialize && !is_identifier(p->initialize)) {
    const sx_attr_t *a = find_attr(root, "initialize");
    return failf(err, cap, file, a->value.line, a->value.col,
                 "initialize '%s' is not a C identifier", p->initialize);
  }
  return true;
}

bool scale__project_parse(const char *text, size_t len, const char *file, scale__project_t *out,
                          char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  if (len > SCALE_PROJECT_MAX_BYTES)
    return failf(err, cap, file, 1, 1, "scalefile larger than %u bytes", SCALE_PROJECT_MAX_BYTES);
  sx_body_t root;
  if (!scale__sx_parse(text, len, file, &root, err, cap)) return false;
  out->function = dup_str("scale");
  out->initialize = dup_str("");
  out->description = dup_str("");
  bool ok = out->function && out->initialize && out->description
                ? parse_tree(&root, file, out, err, cap)
                : failf(err, cap, file, 1, 1, "out of memory");
  scale__sx_free(&root);
  if (!ok) scale__project_release(out);
  return ok;
}

/* ---- writing ----------------------------------------------------------- */

typedef struct sbuf {
  char *data;
  size_t len, cap;
  bool oom;
} sbuf_t;

static void put(sbuf_t *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->cap ? b->cap * 2 : 256) + n;
    char *nd = realloc(b->data, cap);
    if (!nd) {
      b->oom = true;
      return;
    }
    b->data = nd;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void puts_(sbuf_t *b, const char *s) {
  put(b, s, strlen(s));
}

/* An HCL string literal, escaped the way hclwrite escapes. */
static void put_quoted(sbuf_t *b, const char *s) {
  puts_(b, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    char esc[8];
    if (c == '"')
      puts_(b, "\\\"");
    else if (c == '\\')
      puts_(b, "\\\\");
    else if (c == '\n')
      puts_(b, "\\n");
    else if (c == '\r')
      puts_(b, "\\r");
    else if (c == '\t')
      puts_(b, "\\t");
    else if ((c == '$' || c == '%') && s[1] == '{') {
      put(b, s, 1);
      put(b, s, 1);
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(b, esc);
    } else {
      put(b, s, 1);
    }
  }
  puts_(b, "\"");
}

/* One attribute line, "=" aligned at column @p width (hclwrite aligns runs). */
static void put_attr(sbuf_t *b, const char *indent, const char *name, int width, const char *value,
                     bool quoted) {
  char head[64];
  snprintf(head, sizeof head, "%s%-*s = ", indent, width, name);
  puts_(b, head);
  if (quoted)
    put_quoted(b, value);
  else
    puts_(b, value);
  puts_(b, "\n");
}

char *scale__project_format(const scale__project_t *p) {
  sbuf_t b = {0};
  put_attr(&b, "", "version", 8, p->version ? p->version : "v1alpha", true);
  put_attr(&b, "", "name", 8, p->name, true);
  put_attr(&b, "", "tag", 8, p->tag, true);
  put_attr(&b, "", "language", 8, p->language, true);
  puts_(&b, "signature {\n");
  put_attr(&b, "  ", "organization", 12, p->signature_org, true);
  put_attr(&b, "  ", "name", 12, p->signature_name, true);
  put_attr(&b, "  ", "tag", 12, p->signature_tag, true);
  puts_(&b, "}\n");
  put_attr(&b, "", "stateless", 11, p->stateless ? "true" : "false", false);
  put_attr(&b, "", "function", 11, p->function ? p->function : "scale", true);
  put_attr(&b, "", "initialize", 11, p->initialize ? p->initialize : "", true);
  put_attr(&b, "", "description", 11, p->description ? p->description : "", true);
  if (b.oom) {
    free(b.data);
    return NULL;
  }
  return b.data;
}

void scale__project_release(scale__project_t *p) {
  if (!p) return;
  free(p->version);
  free(p->name);
  free(p->tag);
  free(p->language);
  free(p->signature_org);
  free(p->signature_name);
  free(p->signature_tag);
  free(p->function);
  free(p->initialize);
  free(p->description);
  memset(p, 0, sizeof *p);
}
