/*
 * The in-memory form of a parsed signature schema, shared by the parser,
 * the canonical writer, the run-time codec and code generators.
 *
 * Everything here is built once by scale__schema_build() and never changed
 * afterwards: readers may use it from any thread. Names are normalised
 * (TitleCase) and every reference is resolved to an index, so consumers
 * never look names up again. Fields keep declaration order; `wire` gives
 * the order upstream's generated encoders write them in.
 */
#ifndef SCALE_SIGNATURE_SCHEMA_H
#define SCALE_SIGNATURE_SCHEMA_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scale/signature.h"

typedef enum sig_case {
  SIG_CASE_NONE = 0, /* no case_modifier block, or kind = "none" */
  SIG_CASE_UPPER,
  SIG_CASE_LOWER,
} sig_case_t;

/* One `enum Name { values = [...] }` block. */
typedef struct sig_enum {
  char *name;
  char **values; /* value names, index = wire value */
  size_t value_count;
} sig_enum_t;

/* A number: which member is meaningful depends on the field type. */
typedef union sig_num {
  int64_t i;  /* INT32, INT64 */
  uint64_t u; /* UINT32, UINT64 */
  double f;   /* FLOAT32 (already rounded to float), FLOAT64 */
} sig_num_t;

/* One field block inside a model. */
typedef struct sig_field {
  char *name;
  scale_sigtype_t type;   /* element type; for maps the KEY type (string..uint64, enum) */
  scale_sigshape_t shape; /* scalar, array or map */
  /* ENUM and MODEL fields: the referenced enum / model (index into the
   * schema's enums / models), and its name. -1 / NULL otherwise. */
  long ref;
  const char *ref_name;
  /* Maps: type of the values (a primitive or MODEL) and, for MODEL, the
   * model index. value_text is the normalised `value` attribute. */
  scale_sigtype_t value_type;
  long value_ref;
  char *value_text;

  /* `default` of scalar string/number/bool/enum fields (always present
   * there: upstream requires it). Strings are NUL-terminated copies. */
  bool has_default;
  char *def_string;
  size_t def_string_len;
  sig_num_t def_num;
  bool def_bool;
  uint32_t def_enum; /* index into the enum's values */

  uint32_t initial_size; /* arrays and bytes (capacity hint only) */
  bool accessor;         /* resolved: explicit, else true iff a validator/modifier is present */
  bool accessor_explicit;

  /* Validators (scalar fields only). */
  bool has_regex;
  char *regex_text;
  regex_t regex; /* compiled with REG_EXTENDED | REG_NOSUB */
  bool has_length_min, has_length_max;
  uint64_t length_min, length_max; /* bytes */
  bool has_limit;                  /* a limit_validator block is present (maybe empty) */
  bool has_limit_min, has_limit_max;
  sig_num_t limit_min, limit_max; /* inclusive */
  bool has_case;                  /* a case_modifier block is present */
  sig_case_t case_kind;

  int line, col; /* position of the block in the source */
} sig_field_t;

struct scale_sigmodel {
  char *name;
  char *description; /* "" when absent */
  sig_field_t *fields;
  size_t field_count;
  size_t *wire; /* field indices in wire order (field_count entries) */
  const struct scale_signature *sig;
  size_t index; /* position in the schema's models */
  int line, col;
};

struct scale_signature {
  char *version; /* "v1alpha" */
  long context;  /* index of the context model */
  sig_enum_t *enums;
  size_t enum_count;
  struct scale_sigmodel *models;
  size_t model_count;
  char *canonical;
  size_t canonical_len;
  char hash[65];
};

/* Wire group of a field (1 = model ... 12 = bool); see reference 2.1. */
int scale__schema_wire_group(const sig_field_t *f);

/* The DSL name of a field kind: "string", "int32_array", "enum_map"... */
const char *scale__schema_kind_name(scale_sigtype_t type, scale_sigshape_t shape);

/* Name of a type as the `value` attribute spells it ("string", "uint64"...). */
const char *scale__schema_type_name(scale_sigtype_t type);

/* Release everything a (possibly half-built) signature owns, and it. */
void scale__schema_free(struct scale_signature *sig);

/* Build the canonical text and the hash; false on out-of-memory. */
bool scale__schema_canonicalize(struct scale_signature *sig);

/* big.Float.Text('f', -1) of a double: shortest round-tripping decimal,
 * no exponent (how upstream's canonical text prints float defaults). */
void scale__sig_format_double(double v, char *buf, size_t size);

/* Tree -> checked schema (schema.c); false with "file:line:col: msg". */
struct sx_body;
bool scale__schema_build(const struct sx_body *top, const char *file, struct scale_signature *sig,
                         char *err, size_t err_size);

/* Find a model by exact (normalised) name; -1 if none. */
long scale__schema_find_model(const struct scale_signature *sig, const char *name);
long scale__schema_find_enum(const struct scale_signature *sig, const char *name);

/* Error helper: an owned error with a formatted message (never NULL). */
scale_error_t *scale__sig_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
