/*
 * Public entry points for signature schemas: parse/load, canonical text and
 * hash, model and field lookup. The schema is immutable once returned, so
 * nothing here takes a lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/schema.h"
#include "signature/syntax.h"

scale_error_t *scale__sig_error(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  scale_error_t *e = scale_error_new(buf);
  /* scale_error_new returns NULL only when even its static fallback
   * failed; it documents NULL on out-of-memory, so fall back once more. */
  return e ? e : scale_error_new("out of memory");
}

scale_error_t *scale_signature_parse(const char *text, size_t len, const char *filename,
                                     scale_signature_t **out) {
  if (!out) return scale__sig_error("scale_signature_parse: out is NULL");
  *out = NULL;
  const char *file = filename ? filename : "signature";
  if (!text && len) return scale__sig_error("scale_signature_parse: text is NULL");
  if (len > SCALE_SIGNATURE_MAX_TEXT)
    return scale__sig_error("%s: schema is %zu bytes, over the limit of %u", file, len,
                            SCALE_SIGNATURE_MAX_TEXT);
  char err[512];
  sx_body_t tree;
  if (!scale__sx_parse(text ? text : "", len, file, &tree, err, sizeof err))
    return scale__sig_error("%s", err);
  struct scale_signature *sig = calloc(1, sizeof *sig);
  if (!sig) {
    scale__sx_free(&tree);
    return scale__sig_error("out of memory");
  }
  bool ok = scale__schema_build(&tree, file, sig, err, sizeof err);
  scale__sx_free(&tree);
  if (!ok) {
    scale__schema_free(sig);
    return scale__sig_error("%s", err);
  }
  if (!scale__schema_canonicalize(sig)) {
    scale__schema_free(sig);
    return scale__sig_error("out of memory");
  }
  *out = sig;
  return NULL;
}

scale_error_t *scale_signature_load(const char *path, scale_signature_t **out) {
  if (!out) return scale__sig_error("scale_signature_load: out is NULL");
  *out = NULL;
  if (!path) return scale__sig_error("scale_signature_load: path is NULL");
  FILE *f = fopen(path, "rb");
  if (!f) return scale__sig_error("cannot open '%s': %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (len == cap) {
      if (cap > SCALE_SIGNATURE_MAX_TEXT) break;
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (!buf) return scale__sig_error("out of memory reading '%s'", path);
  if (bad) {
    free(buf);
    return scale__sig_error("cannot read '%s'", path);
  }
  if (len > SCALE_SIGNATURE_MAX_TEXT) {
    free(buf);
    return scale__sig_error("'%s' is larger than the schema limit of %u bytes", path,
                            SCALE_SIGNATURE_MAX_TEXT);
  }
  const char *base = strrchr(path, '/');
  scale_error_t *err = scale_signature_parse(buf, len, base ? base + 1 : path, out);
  free(buf);
  return err;
}

void scale_signature_delete(scale_signature_t *sig) {
  scale__schema_free(sig);
}

const char *scale_signature_canonical(const scale_signature_t *sig, size_t *len) {
  if (len) *len = sig->canonical_len;
  return sig->canonical;
}

const char *scale_signature_hash(const scale_signature_t *sig) {
  return sig->hash;
}

const scale_sigmodel_t *scale_signature_context(const scale_signature_t *sig) {
  return &sig->models[sig->context];
}

const scale_sigmodel_t *scale_signature_model(const scale_signature_t *sig, const char *name) {
  if (!name) return NULL;
  long i = scale__schema_find_model(sig, name);
  return i < 0 ? NULL : &sig->models[i];
}

size_t scale_signature_model_count(const scale_signature_t *sig) {
  return sig->model_count;
}

const scale_sigmodel_t *scale_signature_model_at(const scale_signature_t *sig, size_t index) {
  return index < sig->model_count ? &sig->models[index] : NULL;
}

const char *scale_sigmodel_name(const scale_sigmodel_t *model) {
  return model->name;
}

const char *scale_sigmodel_description(const scale_sigmodel_t *model) {
  return model->description;
}

size_t scale_sigmodel_field_count(const scale_sigmodel_t *model) {
  return model->field_count;
}

long scale_sigmodel_field_index(const scale_sigmodel_t *model, const char *name) {
  if (!name) return -1;
  for (size_t i = 0; i < model->field_count; i++)
    if (strcmp(model->fields[i].name, name) == 0) return (long)i;
  return -1;
}

const char *scale_sigmodel_field_name(const scale_sigmodel_t *model, size_t index) {
  return index < model->field_count ? model->fields[index].name : NULL;
}

scale_sigtype_t scale_sigmodel_field_type(const scale_sigmodel_t *model, size_t index) {
  return index < model->field_count ? model->fields[index].type : (scale_sigtype_t)0;
}

scale_sigshape_t scale_sigmodel_field_shape(const scale_sigmodel_t *model, size_t index) {
  return index < model->field_count ? model->fields[index].shape : SCALE_SIGSHAPE_SCALAR;
}

scale_sigtype_t scale_sigmodel_field_value_type(const scale_sigmodel_t *model, size_t index) {
  if (index >= model->field_count || model->fields[index].shape != SCALE_SIGSHAPE_MAP)
    return (scale_sigtype_t)0;
  return model->fields[index].value_type;
}
