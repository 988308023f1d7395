/*
 * C code generation from a signature schema (`scale signature generate`).
 *
 * The generator turns a parsed schema into self-contained C: per model a
 * struct with typed fields, a constructor with the schema's defaults,
 * free, Polyglot encode/decode byte-compatible with the table-driven codec
 * (codec.c: same wire order, same strictness, same limits and the same
 * error texts), accessors that run the validators, and for guests the glue
 * to the C SDK's raw mode. It only writes text into memory: files are the
 * caller's business (src/cli/signature.c), so tests can call it directly.
 *
 * Choices, documented for users of the generated code:
 * - Two self-contained pairs, <prefix>_host.h/.c and <prefix>_guest.h/.c.
 *   The model code in both is the same text; the guest pair adds the SDK
 *   glue (scale_raw_run, <prefix>_next, <prefix>_error, the hash hook).
 *   Link one pair per program, never both.
 * - Regex validators use POSIX <regex.h> where the toolchain has it (glibc,
 *   wasi-libc); a freestanding wasm32 build has none and skips them (define
 *   <PREFIX>_NO_REGEX to skip them anywhere). Length and limit validators
 *   and case modifiers work everywhere. Expressions are compiled per check
 *   (no shared state: host code stays thread-safe).
 * - Error texts equal the runtime's; without stdio (freestanding) float
 *   limits in messages print approximately. Guest Error texts are kept
 *   whole (up to 4096 bytes); the runtime cuts every message at 511.
 * - float32 values keep their bits (a signalling NaN stays signalling, as in
 *   upstream); the runtime's codec, which keeps them as doubles, quiets it.
 *
 * This header uses only the public API types, so the CLI can include it.
 */
#ifndef SCALE_SIGNATURE_GENERATE_H
#define SCALE_SIGNATURE_GENERATE_H

#include <stdbool.h>
#include <stddef.h>

#include "scale/signature.h"

typedef struct scale__siggen_options {
  const char *prefix;      /* C identifier prefix, e.g. "shop" -> shop_order_t; NULL = "sig" */
  const char *schema_name; /* shown in the DO-NOT-EDIT header; NULL = "signature" */
  bool host;               /* emit <prefix>_host.h / .c */
  bool guest;              /* emit <prefix>_guest.h / .c */
} scale__siggen_options_t;

typedef struct scale__siggen_file {
  char *name; /* file name without directory, e.g. "shop_host.h" */
  char *text; /* NUL-terminated */
  size_t len;
} scale__siggen_file_t;

/*
 * Generate the files for @p sig. On success *files is a malloc'd array of
 * *count files (release with scale__siggen_files_free). Errors: a prefix
 * that is not a C identifier, two schema names that map to the same C
 * name, out of memory.
 */
scale_error_t *scale__siggen_run(const scale_signature_t *sig, const scale__siggen_options_t *opt,
                                 scale__siggen_file_t **files, size_t *count);

void scale__siggen_files_free(scale__siggen_file_t *files, size_t count);

/* ------------------------------------------------ internal to generate*.c */

struct scale_signature;
struct scale_sigmodel;
struct sig_field;

/* The emitter's state: the schema, the C names chosen for it, and the text
 * being written. Writes after an allocation failure are dropped and `oom`
 * stays set, so emitters check once at the end. */
typedef struct siggen {
  const struct scale_signature *sig;
  const char *prefix; /* lower case, as given */
  char *upper;        /* PREFIX */
  char **model_c;     /* snake_case name per model */
  char **enum_c;      /* snake_case name per enum */
  char ***field_c;    /* [model][field] struct member names */
  bool guest;         /* emitting the guest side (changes nothing in model code) */
  char *buf;
  size_t len, cap;
  bool oom;
} siggen_t;

void scale__siggen_out(siggen_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A C string literal for @p len bytes at @p s (octal escapes, no trigraphs). */
void scale__siggen_cstr(siggen_t *g, const char *s, size_t len);
/* A C double literal that reads back as exactly @p v. */
void scale__siggen_double(siggen_t *g, double v);

/* Declarations of one model for the header (struct, functions). */
void scale__siggen_model_decls(siggen_t *g, const struct scale_sigmodel *m);
/* Static prototypes of one model's helpers (emitted before any definition). */
void scale__siggen_model_protos(siggen_t *g, const struct scale_sigmodel *m);
/* Definitions of one model's functions for the source file. */
void scale__siggen_model_code(siggen_t *g, const struct scale_sigmodel *m);

#endif
