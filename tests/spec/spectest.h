/*
 * The spec-test runner: runs the WebAssembly core test suite (JSON
 * commands converted by wast2json, see shared/spectest/README.md) against
 * libscale through its public API only.
 *
 * Each suite runs in a forked child so an engine crash or hang costs one
 * suite, not the run. The child writes its counts into a shared page the
 * parent reads after waitpid(), so even a crashed suite reports how far it
 * got.
 */
#ifndef SPECTEST_H
#define SPECTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "scale.h"
#include "scale/limits.h"

/* Largest command file read; the biggest in the suite is under 2 MB. */
#define SPEC_MAX_JSON_BYTES (64u * 1024u * 1024u)
/* Largest module file read (the engine caps modules itself too). */
#define SPEC_MAX_WASM_BYTES (64u * 1024u * 1024u)
/* Most results one call may return: matches the engine's type cap. */
#define SPEC_MAX_RESULTS SCALE_MAX_FUNC_RESULTS
/* Longest failure text printed for one command. */
#define SPEC_MSG_MAX 512

/* Why a check was skipped; counted per reason and listed at the end. */
enum spec_skip_reason {
  SPEC_SKIP_SIMD = 0,    /* a simd_* suite: v128 is not supported */
  SPEC_SKIP_TEXT_MODULE, /* assert_malformed on a .wat: no text parser */
  SPEC_SKIP_COUNT,
};

/*
 * Counts of one suite. Lives in a MAP_SHARED page written by the child, so
 * it holds only plain integers.
 */
typedef struct spec_counts {
  uint64_t passed;
  uint64_t failed;
  uint64_t skipped;
  uint64_t skip_by_reason[SPEC_SKIP_COUNT];
  /* assert_invalid/malformed/unlinkable refused with a different text. */
  uint64_t text_mismatch;
  /* --tier aot: modules compiled to native code, and modules that could not be. */
  uint64_t aot_compiled;
  uint64_t aot_failed;
  /* Checks in the suite (set once parsed): what a crash leaves unrun. */
  uint64_t total;
  /* Line of the command being run: where a crash or hang happened. */
  uint32_t line;
  /* Set once the suite finished normally. */
  int finished;
} spec_counts_t;

typedef struct spec_options {
  bool verbose;       /* -v: print every command */
  bool list_failures; /* --list-failures: only failures and the total */
  bool no_fork;       /* --no-fork: run suites in-process (for debuggers) */
  bool show_texts;    /* --show-texts: print refusals whose text differs */
  unsigned timeout;   /* seconds per suite; 0 = none */
  unsigned max_print; /* failures printed per suite; 0 = all */
  bool aot;           /* --tier aot: compile every module to native code (a failure fails) */
} spec_options_t;

/* ---- suite.c ---- */

/*
 * Run every command of @p json_path (a suite's command file) and add to
 * @p counts. @p suite is its name, used in messages. Returns false only when
 * the file itself could not be read or parsed (already reported).
 */
bool spec_suite_run(const char *suite, const char *json_path, const spec_options_t *opts,
                    spec_counts_t *counts);

/* Read a whole file into a fresh buffer (NUL-added). NULL and errno on failure. */
uint8_t *spec_file_read(const char *path, size_t cap, size_t *len);

/* ---- precompile.c ---- */

/* Compile the valid modules of the named suites (NULL entries skipped) into
 * the AOT cache on `threads` threads. */
void spec_precompile(const char *dir, char **suites, size_t nsuites, unsigned threads);

/* ---- value.c ---- */

/* Parse one JSON argument ({"type","value"}) into @p out. */
bool spec_value_parse(const cJSON *json, scale_val_t *out, char *why, size_t why_len);

/* Does @p got match the expected JSON value (bit-exact, nan:*, refs)? */
bool spec_value_match(const cJSON *expected, const scale_val_t *got);

/* Write "i32:42"-style text for a value / an expected JSON value. */
void spec_value_format(const scale_val_t *val, char *buf, size_t len);
void spec_value_format_json(const cJSON *json, char *buf, size_t len);

/* The stable host pointer standing for (ref.extern N). */
void *spec_externref(uint64_t n);

/* ---- host.c ---- */

/*
 * Create the `spectest` module's externs in @p store and define them in
 * @p linker under the module name "spectest".
 */
scale_error_t *spec_host_define(scale_linker_t *linker, scale_store_t *store);

#endif
