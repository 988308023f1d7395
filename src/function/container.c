/*
 * Functions packaged as .scale files: the container is decoded and
 * verified by the scalefile module (size and SHA-256 trailer, every
 * layout), then the module inside goes through the same checks as a raw
 * one. The signature schema and hash recorded in the file stay with the
 * function, so a host can decode its context without the source schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "function/function.h"
#include "runtime/runtime.h"
#include "scale/scalefile.h"

static char *dup_or_null(const char *s) {
  return s && *s ? strdup(s) : NULL;
}

scale_error_t *scale__function_from_scalefile(scale_engine_t *engine, const uint8_t *bytes,
                                              size_t len, const char *name,
                                              scale_function_t **out) {
  scale_scalefile_t *sf = NULL;
  scale_error_t *e = scale_scalefile_decode(bytes, len, &sf);
  if (e) return e;
  char *full = NULL;
  if (name) {
    full = strdup(name);
  } else {
    size_t n = strlen(sf->name) + strlen(sf->tag) + 2;
    full = malloc(n);
    if (full) snprintf(full, n, "%s:%s", sf->name, sf->tag);
  }
  char *hash = dup_or_null(sf->signature_hash);
  if (!full || (sf->signature_hash && *sf->signature_hash && !hash)) {
    free(full);
    free(hash);
    scale_scalefile_delete(sf);
    return scale__error_new(-1, "out of memory");
  }
  scale_function_t *fn = NULL;
  e = scale__function_from_module(engine, sf->function, sf->function_len, full, hash, &fn);
  if (!e && sf->signature_schema_len) {
    /* Moved, not copied: the schema can be large and the container is going away. */
    fn->sig_schema = sf->signature_schema;
    fn->sig_schema_len = sf->signature_schema_len;
    sf->signature_schema = NULL;
    sf->signature_schema_len = 0;
  }
  scale_scalefile_delete(sf);
  if (e) return e;
  *out = fn;
  return NULL;
}
