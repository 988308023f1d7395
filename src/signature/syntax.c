/*
 * HCL subset reader for signature schemas (see syntax.h). It must never
 * read past `len`, never recurse deeper than SIG_MAX_NESTING, and never
 * build a string longer than SIG_MAX_STRING: the text may come from a
 * `.scale` file someone else wrote.
 */
#include "signature/syntax.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/limits.h"
#include "util/utf8.h"

typedef enum tok_kind {
  T_EOF,
  T_NEWLINE,
  T_IDENT,
  T_STRING,
  T_NUMBER,
  T_LBRACE,
  T_RBRACE,
  T_LBRACK,
  T_RBRACK,
  T_COMMA,
  T_EQUALS,
} tok_kind_t;

typedef struct tok {
  tok_kind_t kind;
  const char *start; /* IDENT/NUMBER: in the source */
  size_t len;
  char *str; /* STRING: decoded, owned until taken */
  size_t str_len;
  int line, col;
} tok_t;

typedef struct parser {
  const char *src;
  size_t len, pos;
  int line, col;
  const char *file;
  char *err;
  size_t err_size;
  bool failed;
  tok_t tok;
} parser_t;

static void fail_at(parser_t *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_at(parser_t *p, int line, int col, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = true;
  int n = snprintf(p->err, p->err_size, "%s:%d:%d: ", p->file, line, col);
  if (n < 0 || (size_t)n >= p->err_size) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
  va_end(ap);
}

/* Advance one byte, keeping line/column (columns count characters, so
 * UTF-8 continuation bytes do not move it). */
static void adv(parser_t *p) {
  unsigned char c = (unsigned char)p->src[p->pos++];
  if (c == '\n') {
    p->line++;
    p->col = 1;
  } else if ((c & 0xc0) != 0x80) {
    p->col++;
  }
}

static int peekc(const parser_t *p, size_t ahead) {
  return p->pos + ahead < p->len ? (unsigned char)p->src[p->pos + ahead] : -1;
}

static bool is_ident_start(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_ident_cont(int c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}
static bool is_digit(int c) {
  return c >= '0' && c <= '9';
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t put_utf8(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* A quoted string; the opening quote is at p->pos. Decoded text is at most
 * as long as the source text, so the buffer is sized by a scan first. */
static void lex_string(parser_t *p, tok_t *t) {
  int line = p->line, col = p->col;
  adv(p); /* opening quote */
  size_t start = p->pos, end = start;
  while (end < p->len && p->src[end] != '"' && p->src[end] != '\n') {
    if (p->src[end] == '\\' && end + 1 < p->len && p->src[end + 1] != '\n') end++;
    end++;
  }
  if (end >= p->len || p->src[end] == '\n') {
    fail_at(p, line, col, "unterminated string");
    return;
  }
  size_t cap = end - start;
  if (cap > SIG_MAX_STRING * 4u) {
    fail_at(p, line, col, "string longer than %u bytes", SIG_MAX_STRING);
    return;
  }
  char *buf = malloc(cap + 1);
  if (!buf) {
    fail_at(p, line, col, "out of memory");
    return;
  }
  size_t n = 0;
  while (p->pos < end) {
    int c = peekc(p, 0);
    int el = p->line, ec = p->col;
    if (c == '\\') {
      int e = peekc(p, 1);
      adv(p);
      adv(p);
      switch (e) {
      case 'n':
        buf[n++] = '\n';
        break;
      case 'r':
        buf[n++] = '\r';
        break;
      case 't':
        buf[n++] = '\t';
        break;
      case '"':
        buf[n++] = '"';
        break;
      case '\\':
        buf[n++] = '\\';
        break;
      case 'u':
      case 'U': {
        int digits = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < digits; i++) {
          int h = p->pos < end ? hexval(peekc(p, 0)) : -1;
          if (h < 0) {
            fail_at(p, el, ec, "invalid escape: \\%c needs %d hex digits", e, digits);
            free(buf);
            return;
          }
          cp = cp * 16 + (uint32_t)h;
          adv(p);
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          fail_at(p, el, ec, "invalid escape: U+%X is not a Unicode scalar value", (unsigned)cp);
          free(buf);
          return;
        }
        /* An escape is at least 6 source bytes and at most 4 decoded. */
        n += put_utf8(buf + n, cp);
        break;
      }
      default:
        fail_at(p, el, ec, "invalid escape sequence \"\\%c\"", e > 32 && e < 127 ? e : '?');
        free(buf);
        return;
      }
    } else if ((c == '$' || c == '%') && peekc(p, 1) == '{') {
      fail_at(p, el, ec,
              "template interpolation is not allowed in a signature (write %c%c{ for a "
              "literal %c{)",
              c, c, c);
      free(buf);
      return;
    } else if ((c == '$' || c == '%') && peekc(p, 1) == c && peekc(p, 2) == '{' &&
               p->pos + 2 < end) {
      buf[n++] = (char)c;
      buf[n++] = '{';
      adv(p);
      adv(p);
      adv(p);
    } else {
      buf[n++] = (char)c;
      adv(p);
    }
    if (n > SIG_MAX_STRING) {
      fail_at(p, line, col, "string longer than %u bytes", SIG_MAX_STRING);
      free(buf);
      return;
    }
  }
  adv(p); /* closing quote */
  buf[n] = '\0';
  if (!scale__utf8_valid((const uint8_t *)buf, n)) {
    fail_at(p, line, col, "string is not valid UTF-8");
    free(buf);
    return;
  }
  t->kind = T_STRING;
  t->str = buf;
  t->str_len = n;
}

static void skip_space(parser_t *p) {
  for (;;) {
    int c = peekc(p, 0);
    if (c == ' ' || c == '\t' || c == '\r') {
      adv(p);
    } else if (c == '#' || (c == '/' && peekc(p, 1) == '/')) {
      while (p->pos < p->len && p->src[p->pos] != '\n')
        adv(p);
    } else if (c == '/' && peekc(p, 1) == '*') {
      int line = p->line, col = p->col;
      adv(p);
      adv(p);
      for (;;) {
        if (p->pos >= p->len) {
          fail_at(p, line, col, "unterminated comment");
          return;
        }
        if (peekc(p, 0) == '*' && peekc(p, 1) == '/') {
          adv(p);
          adv(p);
          break;
        }
        adv(p);
      }
    } else {
      return;
    }
  }
}

static void next(parser_t *p) {
  tok_t *t = &p->tok;
  free(t->str);
  memset(t, 0, sizeof *t);
  if (p->failed) {
    t->kind = T_EOF;
    return;
  }
  skip_space(p);
  t->line = p->line;
  t->col = p->col;
  t->start = p->src + p->pos;
  if (p->failed || p->pos >= p->len) {
    t->kind = T_EOF;
    return;
  }
  int c = peekc(p, 0);
  switch (c) {
  case '\n':
    t->kind = T_NEWLINE;
    adv(p);
    return;
  case '{':
    t->kind = T_LBRACE;
    adv(p);
    return;
  case '}':
    t->kind = T_RBRACE;
    adv(p);
    return;
  case '[':
    t->kind = T_LBRACK;
    adv(p);
    return;
  case ']':
    t->kind = T_RBRACK;
    adv(p);
    return;
  case ',':
    t->kind = T_COMMA;
    adv(p);
    return;
  case '=':
    if (peekc(p, 1) == '=') break;
    t->kind = T_EQUALS;
    adv(p);
    return;
  case '"':
    lex_string(p, t);
    return;
  default:
    break;
  }
  if (is_ident_start(c)) {
    size_t start = p->pos;
    while (is_ident_cont(peekc(p, 0)))
      adv(p);
    t->len = p->pos - start;
    if (t->len > SIG_MAX_IDENT) {
      fail_at(p, t->line, t->col, "identifier longer than %u characters", SIG_MAX_IDENT);
      return;
    }
    t->kind = T_IDENT;
    return;
  }
  if (is_digit(c) || (c == '-' && is_digit(peekc(p, 1)))) {
    size_t start = p->pos;
    if (c == '-') adv(p);
    while (is_digit(peekc(p, 0)))
      adv(p);
    if (peekc(p, 0) == '.' && is_digit(peekc(p, 1))) {
      adv(p);
      while (is_digit(peekc(p, 0)))
        adv(p);
    }
    int e = peekc(p, 0);
    if (e == 'e' || e == 'E') {
      size_t k = 1;
      if (peekc(p, 1) == '+' || peekc(p, 1) == '-') k = 2;
      if (is_digit(peekc(p, k))) {
        while (k--)
          adv(p);
        while (is_digit(peekc(p, 0)))
          adv(p);
      }
    }
    t->len = p->pos - start;
    if (t->len > SIG_MAX_IDENT) {
      fail_at(p, t->line, t->col, "number longer than %u characters", SIG_MAX_IDENT);
      return;
    }
    if (is_ident_start(peekc(p, 0))) {
      fail_at(p, t->line, t->col, "invalid number");
      return;
    }
    t->kind = T_NUMBER;
    return;
  }
  if (c == '<' && peekc(p, 1) == '<') {
    fail_at(p, t->line, t->col, "heredoc strings are not supported in a signature");
    return;
  }
  if (c >= 0x21 && c < 0x7f)
    fail_at(p, t->line, t->col, "unexpected character '%c'", c);
  else
    fail_at(p, t->line, t->col, "unexpected byte 0x%02x", (unsigned)c);
}

static char *dup_tok(parser_t *p, const tok_t *t) {
  char *s = malloc(t->len + 1);
  if (!s) {
    fail_at(p, t->line, t->col, "out of memory");
    return NULL;
  }
  memcpy(s, t->start, t->len);
  s[t->len] = '\0';
  return s;
}

static const char *tok_desc(const tok_t *t) {
  switch (t->kind) {
  case T_EOF:
    return "end of file";
  case T_NEWLINE:
    return "newline";
  case T_IDENT:
    return "identifier";
  case T_STRING:
    return "string";
  case T_NUMBER:
    return "number";
  case T_LBRACE:
    return "'{'";
  case T_RBRACE:
    return "'}'";
  case T_LBRACK:
    return "'['";
  case T_RBRACK:
    return "']'";
  case T_COMMA:
    return "','";
  case T_EQUALS:
    return "'='";
  }
  return "token";
}

static void value_free(sx_value_t *v) {
  free(v->text);
  for (size_t i = 0; i < v->count; i++)
    value_free(&v->items[i]);
  free(v->items);
  memset(v, 0, sizeof *v);
}

/* A single (non-list) value at the current token. */
static bool parse_scalar(parser_t *p, sx_value_t *v) {
  tok_t *t = &p->tok;
  v->line = t->line;
  v->col = t->col;
  switch (t->kind) {
  case T_STRING:
    v->kind = SX_STRING;
    v->text = t->str;
    v->len = t->str_len;
    t->str = NULL;
    next(p);
    return !p->failed;
  case T_NUMBER:
    v->kind = SX_NUMBER;
    v->text = dup_tok(p, t);
    v->len = t->len;
    if (!v->text) return false;
    next(p);
    return !p->failed;
  case T_IDENT:
    if (t->len == 4 && memcmp(t->start, "true", 4) == 0) {
      v->kind = SX_BOOL;
      v->b = true;
    } else if (t->len == 5 && memcmp(t->start, "false", 5) == 0) {
      v->kind = SX_BOOL;
      v->b = false;
    } else {
      fail_at(p, t->line, t->col,
              "unexpected identifier \"%.*s\": expected a string, number, bool or list (variables "
              "and functions are not allowed in a signature)",
              (int)t->len, t->start);
      return false;
    }
    next(p);
    return !p->failed;
  default:
    fail_at(p, t->line, t->col, "expected a value, found %s", tok_desc(t));
    return false;
  }
}

static bool parse_value(parser_t *p, sx_value_t *v) {
  tok_t *t = &p->tok;
  if (t->kind != T_LBRACK) return parse_scalar(p, v);
  v->kind = SX_LIST;
  v->line = t->line;
  v->col = t->col;
  size_t cap = 0;
  next(p);
  for (;;) {
    while (t->kind == T_NEWLINE)
      next(p);
    if (p->failed) return false;
    if (t->kind == T_RBRACK) break;
    if (t->kind == T_LBRACK) {
      fail_at(p, t->line, t->col, "nested lists are not allowed in a signature");
      return false;
    }
    if (v->count == cap) {
      if (cap >= SIG_MAX_LIST) {
        fail_at(p, t->line, t->col, "list longer than %u items", SIG_MAX_LIST);
        return false;
      }
      size_t ncap = cap ? cap * 2 : 8;
      sx_value_t *ni = realloc(v->items, ncap * sizeof *ni);
      if (!ni) {
        fail_at(p, t->line, t->col, "out of memory");
        return false;
      }
      v->items = ni;
      cap = ncap;
    }
    memset(&v->items[v->count], 0, sizeof v->items[0]);
    v->count++;
    if (!parse_scalar(p, &v->items[v->count - 1])) return false;
    while (t->kind == T_NEWLINE)
      next(p);
    if (t->kind == T_COMMA) {
      next(p);
      continue;
    }
    if (t->kind != T_RBRACK) {
      fail_at(p, t->line, t->col, "expected ',' or ']' in list, found %s", tok_desc(t));
      return false;
    }
  }
  next(p); /* ']' */
  return !p->failed;
}

static bool grow(parser_t *p, void **arr, size_t count, size_t *cap, size_t elem) {
  if (count < *cap) return true;
  size_t ncap = *cap ? *cap * 2 : 4;
  void *n = realloc(*arr, ncap * elem);
  if (!n) {
    fail_at(p, p->tok.line, p->tok.col, "out of memory");
    return false;
  }
  *arr = n;
  *cap = ncap;
  return true;
}

/* After an attribute or a block: a newline, the end, or the enclosing '}'. */
static bool end_of_item(parser_t *p, const char *what) {
  tok_t *t = &p->tok;
  if (t->kind == T_NEWLINE) {
    next(p);
    return !p->failed;
  }
  if (t->kind == T_EOF || t->kind == T_RBRACE) return !p->failed;
  fail_at(p, t->line, t->col, "expected a newline after %s, found %s", what, tok_desc(t));
  return false;
}

static bool parse_body(parser_t *p, sx_body_t *body, unsigned depth, bool closing) {
  tok_t *t = &p->tok;
  size_t acap = 0, bcap = 0;
  for (;;) {
    while (t->kind == T_NEWLINE)
      next(p);
    if (p->failed) return false;
    if (t->kind == T_RBRACE) {
      if (closing) return true;
      fail_at(p, t->line, t->col, "unexpected '}'");
      return false;
    }
    if (t->kind == T_EOF) {
      if (!closing) return true;
      fail_at(p, t->line, t->col, "unexpected end of file: a block is not closed");
      return false;
    }
    if (t->kind != T_IDENT) {
      fail_at(p, t->line, t->col, "expected an attribute or block name, found %s", tok_desc(t));
      return false;
    }
    if (body->attr_count + body->block_count >= SIG_MAX_ITEMS) {
      fail_at(p, t->line, t->col, "more than %u items in one block", SIG_MAX_ITEMS);
      return false;
    }
    int line = t->line, col = t->col;
    char *name = dup_tok(p, t);
    if (!name) return false;
    next(p);
    if (t->kind == T_EQUALS) {
      if (!grow(p, (void **)&body->attrs, body->attr_count, &acap, sizeof *body->attrs)) {
        free(name);
        return false;
      }
      sx_attr_t *a = &body->attrs[body->attr_count++];
      memset(a, 0, sizeof *a);
      a->name = name;
      a->line = line;
      a->col = col;
      next(p);
      if (!parse_value(p, &a->value)) return false;
      if (!end_of_item(p, "an attribute")) return false;
      continue;
    }
    if (!grow(p, (void **)&body->blocks, body->block_count, &bcap, sizeof *body->blocks)) {
      free(name);
      return false;
    }
    sx_block_t *b = &body->blocks[body->block_count++];
    memset(b, 0, sizeof *b);
    b->type = name;
    b->line = line;
    b->col = col;
    if (t->kind == T_STRING || t->kind == T_IDENT) {
      b->label_line = t->line;
      b->label_col = t->col;
      if (t->kind == T_STRING) {
        b->label = t->str;
        t->str = NULL;
      } else {
        b->label = dup_tok(p, t);
        if (!b->label) return false;
      }
      next(p);
      if (t->kind == T_STRING || t->kind == T_IDENT) {
        fail_at(p, t->line, t->col, "a %s block takes at most one label", name);
        return false;
      }
    }
    if (t->kind != T_LBRACE) {
      if (b->label)
        fail_at(p, t->line, t->col, "expected '{' after %s \"%s\", found %s", name, b->label,
                tok_desc(t));
      else
        fail_at(p, t->line, t->col, "expected '=' or '{' after \"%s\", found %s", name,
                tok_desc(t));
      return false;
    }
    if (depth + 1 > SIG_MAX_NESTING) {
      fail_at(p, t->line, t->col, "blocks nested more than %u deep", SIG_MAX_NESTING);
      return false;
    }
    next(p);
    if (!parse_body(p, &b->body, depth + 1, true)) return false;
    next(p); /* '}' */
    if (!end_of_item(p, "a block")) return false;
  }
}

void scale__sx_free(sx_body_t *body) {
  if (!body) return;
  for (size_t i = 0; i < body->attr_count; i++) {
    free(body->attrs[i].name);
    value_free(&body->attrs[i].value);
  }
  free(body->attrs);
  for (size_t i = 0; i < body->block_count; i++) {
    free(body->blocks[i].type);
    free(body->blocks[i].label);
    scale__sx_free(&body->blocks[i].body);
  }
  free(body->blocks);
  memset(body, 0, sizeof *body);
}

bool scale__sx_parse(const char *text, size_t len, const char *file, sx_body_t *out, char *err,
                     size_t err_size) {
  parser_t p;
  memset(&p, 0, sizeof p);
  memset(out, 0, sizeof *out);
  p.src = text;
  p.len = len;
  p.line = 1;
  p.col = 1;
  p.file = file;
  p.err = err;
  p.err_size = err_size;
  if (err_size) err[0] = '\0';
  /* A UTF-8 byte order mark is allowed and skipped, as HCL does. */
  if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) p.pos = 3;
  for (size_t i = p.pos; i < len; i++) {
    if (text[i] == '\0') {
      /* Find the line/col for the message. */
      while (p.pos < i)
        adv(&p);
      fail_at(&p, p.line, p.col, "NUL byte in schema text");
      scale__sx_free(out);
      return false;
    }
  }
  next(&p);
  bool ok = parse_body(&p, out, 0, false) && !p.failed;
  free(p.tok.str);
  if (!ok) scale__sx_free(out);
  return ok;
}
