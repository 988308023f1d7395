/*
 * Linker internals shared between linker.c and instantiate.c.
 */
#ifndef SCALE_RUNTIME_LINKER_H
#define SCALE_RUNTIME_LINKER_H

#include "runtime/runtime.h"

struct scale__link {
  struct scale__link *next;
  uint32_t hash;
  bool is_host;
  scale_extern_t ext;           /* when !is_host */
  const scale_functype_t *type; /* when is_host: interned */
  scale_host_fn_t fn;
  void *env;
  size_t module_len;
  size_t name_len;
  char names[]; /* module then name, not NUL-terminated */
};

struct scale_linker {
  scale_engine_t *engine;
  struct scale__link **buckets;
  uint32_t bucket_count;
  uint32_t count;
};

const struct scale__link *scale__linker_find(const scale_linker_t *l, const char *mod,
                                             size_t mod_len, const char *name, size_t name_len);

#endif
