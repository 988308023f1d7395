/*
 * Scale functions and chains, internals shared by the files of this
 * module: the function object (function.c), the chain and its calls
 * (chain.c). Export positions are resolved once at load so a call finds
 * `resize`, `run` and `memory` by index, without a name lookup.
 */
#ifndef SCALE_FUNCTION_FUNCTION_H
#define SCALE_FUNCTION_FUNCTION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "scale/function.h"

/* No export: the index fields below hold this. */
#define SCALE__FN_NONE UINT32_MAX

struct scale_function {
  atomic_uint refs;
  scale_engine_t *engine;
  scale_module_t *module;
  char *name;          /* "name:tag" */
  char *sig_hash;      /* from a .scale file, or NULL */
  uint8_t *sig_schema; /* the signature's HCL text from a .scale file, or NULL */
  size_t sig_schema_len;
  /* Indices in the instance's function and memory index spaces. */
  uint32_t resize_func;
  uint32_t run_func;
  uint32_t memory;
  uint32_t initialize_func; /* SCALE__FN_NONE when absent (Gen-1) */
  uint32_t hash_func;
  uint32_t start_func;   /* `_start` */
  uint32_t reactor_func; /* `_initialize` (WASI reactor) */
  /* scale_module_compile_metered must not run twice at once for one module. */
  pthread_mutex_t compile_lock;
};

/*
 * Wrap @p e (consumed) as "function '<name>': <what>: <message>" (or
 * without <what> when NULL), keeping the given kind. Never NULL.
 */
scale_error_t *scale__function_error(const scale_function_t *fn, const char *what,
                                     scale_error_kind_t kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Build a function from a raw module. Takes ownership of @p name and
 * @p sig_hash (malloc'd; sig_hash may be NULL) whatever the outcome.
 */
scale_error_t *scale__function_from_module(scale_engine_t *engine, const uint8_t *wasm, size_t len,
                                           char *name, char *sig_hash, scale_function_t **out);
/* Build a function from a .scale file (container.c); @p name overrides its name:tag. */
scale_error_t *scale__function_from_scalefile(scale_engine_t *engine, const uint8_t *bytes,
                                              size_t len, const char *name, scale_function_t **out);

#endif
