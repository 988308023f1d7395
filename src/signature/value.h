/*
 * The value tree of a model instance (scale_sigvalue_t), shared by the
 * setters (value.c), the Polyglot codec (codec.c) and the JSON mapping
 * (json.c). One slot per field in declaration order; arrays keep insertion
 * order, maps are kept sorted by key so encoding is deterministic.
 */
#ifndef SCALE_SIGNATURE_VALUE_H
#define SCALE_SIGNATURE_VALUE_H

#include "signature/schema.h"

typedef union sig_cell {
  int64_t i;  /* INT32, INT64 */
  uint64_t u; /* UINT32, UINT64, ENUM index */
  double f;   /* FLOAT32 (a float value), FLOAT64 */
  bool b;
  struct {
    char *p; /* owned, NUL-terminated (also for bytes); NULL when empty */
    size_t len;
  } s;                      /* STRING, BYTES */
  struct scale_sigvalue *m; /* MODEL; owned; NULL = absent */
} sig_cell_t;

typedef struct sig_slot {
  sig_cell_t one;   /* scalar fields */
  sig_cell_t *keys; /* maps: sorted keys */
  sig_cell_t *vals; /* arrays: elements; maps: values */
  size_t count, cap;
} sig_slot_t;

struct scale_sigvalue {
  const struct scale_sigmodel *model;
  sig_slot_t slots[];
};

/* Type of the values of a field's slot cells: element type, or for maps
 * the value type (keys have f->type). */
static inline scale_sigtype_t sig_elem_type(const sig_field_t *f) {
  return f->shape == SCALE_SIGSHAPE_MAP ? f->value_type : f->type;
}
static inline long sig_elem_ref(const sig_field_t *f) {
  return f->shape == SCALE_SIGSHAPE_MAP ? f->value_ref : f->ref;
}

/* An instance with every slot zeroed/empty and nested models absent (for
 * decoders that fill every field). */
scale_sigvalue_t *scale__sigvalue_empty(const struct scale_sigmodel *model);

/* Release what a cell of @p type owns (not the cell itself). */
void scale__sig_cell_release(scale_sigtype_t type, sig_cell_t *c);

/* Compare two map keys of @p type: <0, 0, >0. */
int scale__sig_key_cmp(scale_sigtype_t type, const sig_cell_t *a, const sig_cell_t *b);

/*
 * Check a value about to be stored in field @p f (@p is_key: as a map key)
 * of model @p m: range of enum indices, UTF-8 of strings, and for scalar
 * fields the regex, length and limit validators. NULL when fine, else an
 * error naming the field and the rule.
 */
scale_error_t *scale__sig_check(const struct scale_sigmodel *m, const sig_field_t *f, bool is_key,
                                const sig_cell_t *c);

/* Append to an array slot / insert into a map slot (taking the cells
 * over). Map: a key already present gives *dup = true and takes nothing
 * when @p replace is false. False on out-of-memory. */
bool scale__sig_slot_append(sig_slot_t *s, const sig_cell_t *val);
bool scale__sig_slot_put(const sig_field_t *f, sig_slot_t *s, const sig_cell_t *key,
                         const sig_cell_t *val, bool replace, bool *dup);

/* A new owned copy of @p len bytes at @p p into @p c (NUL-terminated). */
bool scale__sig_cell_set_bytes(sig_cell_t *c, const void *p, size_t len);

#endif
