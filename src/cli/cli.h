/*
 * The scale command line: the command table's shape, exit codes and the
 * helpers commands share (messages, bounded file reads, values).
 *
 * The CLI uses only the public API (include/scale.h), like any embedder.
 * Messages follow STYLE.md: lower-case, what went wrong first, the
 * subject quoted: "error: cannot open 'fn.wasm': no such file".
 */
#ifndef SCALE_CLI_H
#define SCALE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scale.h"
#include "scale/limits.h"
#include "util/file.h" /* scale__errno_text, whole-file reads and writes */

/* Exit codes of the scale process (a guest's proc_exit status passes through). */
enum {
  SCALE_CLI_OK = 0,
  SCALE_CLI_FAILURE = 1, /* the command failed: bad file, bad module, link error */
  SCALE_CLI_USAGE = 2,   /* the command line was wrong */
  SCALE_CLI_TRAP = 134,  /* the guest trapped (128 + SIGABRT, as wasmtime exits) */
};

/*
 * One subcommand. `run` gets argv with argv[0] the command's own name and
 * returns the process exit code; `help` prints the full help text.
 * Adding a command is one entry in main.c's table.
 */
typedef struct scale__cli_command {
  const char *name;
  const char *summary; /* one line for `scale help` */
  int (*run)(int argc, char **argv);
  void (*help)(FILE *out);
} scale__cli_command_t;

/* `scale wasm ...` (wasm.c). */
int scale__cli_wasm(int argc, char **argv);
void scale__cli_wasm_help(FILE *out);
int scale__cli_compile(int argc, char **argv);
void scale__cli_compile_help(FILE *out);

/* `scale new` (new.c), `scale build` (build.c), the local store (store.c). */
int scale__cli_new(int argc, char **argv);
void scale__cli_new_help(FILE *out);
int scale__cli_build(int argc, char **argv);
void scale__cli_build_help(FILE *out);
int scale__cli_list(int argc, char **argv);
void scale__cli_list_help(FILE *out);
int scale__cli_inspect(int argc, char **argv);
void scale__cli_inspect_help(FILE *out);
int scale__cli_export(int argc, char **argv);
void scale__cli_export_help(FILE *out);
int scale__cli_delete(int argc, char **argv);
void scale__cli_delete_help(FILE *out);
int scale__cli_tag(int argc, char **argv);
void scale__cli_tag_help(FILE *out);

/* `scale run`: serve a chain of functions over HTTP (run.c, serve.c, watch.c). */
int scale__cli_run(int argc, char **argv);
void scale__cli_run_help(FILE *out);

/* `scale signature generate` (signature.c). */
int scale__cli_signature(int argc, char **argv);
void scale__cli_signature_help(FILE *out);

/* Print "error: <message>\n" to stderr. */
void scale__cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read a whole file of at most @p max bytes into a malloc'd buffer.
 * On failure prints the error (naming @p path) and returns false.
 */
bool scale__cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/*
 * Parse @p text as a value of @p kind: i32/i64 in decimal or 0x hex (a
 * leading '-' allowed; i32 accepts -2^31..2^32-1), f32/f64 as strtod does
 * (decimal, hex float, nan, inf). False when it does not parse or fit.
 */
bool scale__cli_parse_val(scale_valkind_t kind, const char *text, scale_val_t *out);

/*
 * Format @p v the way --invoke prints results: integers in signed
 * decimal, floats in the shortest form that reads back to the same bits
 * (nan, -nan, inf, -inf spelled so), references as "null" or their kind.
 */
void scale__cli_format_val(const scale_val_t *v, char *buf, size_t cap);

#endif
