/*
 * `scale run`: shared between run.c (options, loading the functions, the stdin mode) and
 * serve.c (the request handlers, fault responses, hot reload).
 *
 * The chain in service is a `scale__run_live_t`: a chain plus a reference count. A request
 * takes a reference for as long as it runs; `--watch` builds a new chain when a function
 * changes, swaps the pointer under a mutex, and drops the old one's reference, so the old
 * chain is deleted by whichever request finishes last with it. Without `--watch` the
 * chain never changes and requests skip the lock.
 */
#ifndef SCALE_CLI_RUN_H
#define SCALE_CLI_RUN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scale.h"
#include "scale/function.h"
#include "scale/http_signature.h"
#include "scale/signature.h"

/* Where a function of the chain comes from, so --watch can load it again. */
typedef enum scale__run_kind {
  SCALE_RUN_STORE, /* NAME[:TAG] or ORG/NAME:TAG in the local store */
  SCALE_RUN_FILE,  /* a .scale file or a raw .wasm module on disk */
} scale__run_kind_t;

typedef struct scale__run_source {
  const char *arg; /* as given on the command line (borrowed from argv) */
  scale__run_kind_t kind;
  uint8_t *bytes; /* what was loaded last (compared on reload) */
  size_t len;
} scale__run_source_t;

/* One chain in service with its reference count and its access-log name ("a:t>b:t"). */
typedef struct scale__run_live {
  scale_chain_t *chain;
  atomic_long refs;
  char name[256];
} scale__run_live_t;

/* The shape of the context the chain speaks. */
typedef enum scale__run_mode {
  SCALE_RUN_HTTP,   /* the built-in HTTP signature: requests map onto it */
  SCALE_RUN_JSON,   /* a custom signature: POST a JSON context, get JSON back */
  SCALE_RUN_NATIVE, /* bench only: a native handler from a shared object, no Wasm */
} scale__run_mode_t;

/* Native handler (bench/http): the SDK's scale() built for the host. */
typedef scale_http_context_t *(*scale__run_native_fn_t)(scale_http_context_t *ctx);
typedef const char *(*scale__run_native_error_fn_t)(void);

typedef struct scale__run {
  /* options */
  scale__run_source_t *sources;
  size_t count;
  scale_tier_t tier;
  scale_chain_config_t chain_cfg;
  bool watch, quiet;
  unsigned watch_ms; /* poll interval of --watch */
  scale__run_mode_t mode;

  scale_engine_t *engine;
  const scale_signature_t *signature; /* JSON mode: the context's schema */
  scale_signature_t *signature_owned;
  scale__run_native_fn_t native;
  scale__run_native_error_fn_t native_error;
  void *native_handle;

  /* the chain in service */
  pthread_mutex_t lock;
  scale__run_live_t *live;

  FILE *log; /* fault and reload lines: stderr */
  pthread_mutex_t log_lock;
} scale__run_t;

/* Load every source into functions (fns: run->count entries, owned by the caller). On failure
 * prints a message naming the argument and returns false (fns[] all NULL). */
bool scale__run_load(scale__run_t *run, scale_function_t **fns);

/* Read a source's bytes afresh (malloc'd); prints the error and returns false on failure. */
bool scale__run_read(scale__run_source_t *src, uint8_t **bytes, size_t *len);

/* Make a function of a source's bytes (raw modules are named after their file). */
scale_error_t *scale__run_function(scale__run_t *run, const scale__run_source_t *src,
                                   const uint8_t *bytes, size_t len, scale_function_t **fn);

/* A new live chain of @p fns (references taken by the chain), refs = 1. NULL after printing
 * the error when the chain cannot be created. */
scale__run_live_t *scale__run_live_new(scale__run_t *run, scale_function_t **fns);

/* Take / drop a reference on the chain in service (the last drop deletes it). */
scale__run_live_t *scale__run_acquire(scale__run_t *run);
void scale__run_release(scale__run_t *run, scale__run_live_t *live);

/* The server's handler (serve.c); env is the scale__run_t. */
struct scale_httpd_request;
struct scale_httpd_response;
void scale__run_handle(void *env, const struct scale_httpd_request *req,
                       struct scale_httpd_response *res);

/* Run one JSON context through @p live: parse @p json, encode, run, decode, print as JSON.
 * On success *out is malloc'd JSON; on failure an owned error and *status is the HTTP status
 * that fits (400: the input, 500: the function). */
scale_error_t *scale__run_json(scale__run_t *run, scale__run_live_t *live, const char *json,
                               size_t len, char **out, int *status);

/* The --watch thread: polls the sources and swaps in a new chain when one changed. */
bool scale__run_watch_start(scale__run_t *run, pthread_t *thread);
void scale__run_watch_stop(scale__run_t *run, pthread_t thread);

/* One line on the log (stderr), serialised between worker threads. */
void scale__run_logf(scale__run_t *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
