/*
 * A bounded HCL reader for exactly the subset the signature language uses:
 * attributes (`name = value`) whose value is a string, a number (optionally
 * negative), true/false or a flat list of those, and blocks with zero or
 * one label (quoted or bare). Comments: hash, double slash, and slash-star
 * ... star-slash. Strings take
 * the HCL escapes (\n \r \t \" \\ \uXXXX \UXXXXXXXX, $${ and %%{); template
 * interpolation and heredocs are refused with a message saying so.
 *
 * The tree knows nothing about signatures; schema.c gives it meaning.
 */
#ifndef SCALE_SIGNATURE_SYNTAX_H
#define SCALE_SIGNATURE_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

typedef enum sx_kind { SX_STRING, SX_NUMBER, SX_BOOL, SX_LIST } sx_kind_t;

typedef struct sx_value {
  sx_kind_t kind;
  char *text; /* STRING: decoded bytes (NUL-terminated); NUMBER: literal incl. '-' */
  size_t len;
  bool b;
  struct sx_value *items; /* LIST */
  size_t count;
  int line, col;
} sx_value_t;

typedef struct sx_attr {
  char *name;
  sx_value_t value;
  int line, col;
} sx_attr_t;

typedef struct sx_block sx_block_t;

typedef struct sx_body {
  sx_attr_t *attrs;
  size_t attr_count;
  sx_block_t *blocks;
  size_t block_count;
} sx_body_t;

struct sx_block {
  char *type;
  char *label; /* NULL when the block has none */
  int label_line, label_col;
  sx_body_t body;
  int line, col;
};

/*
 * Parse @p text into @p out (zeroed first). On failure returns false and
 * writes "file:line:col: message" into @p err (NUL-terminated, truncated to
 * @p err_size); @p out is then released already.
 */
bool scale__sx_parse(const char *text, size_t len, const char *file, sx_body_t *out, char *err,
                     size_t err_size);

void scale__sx_free(sx_body_t *body);

#endif
