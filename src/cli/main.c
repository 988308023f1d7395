/*
 * scale: the command-line entry point. Finds the subcommand in a table
 * and hands it the rest of argv; `help` and `--version` live here.
 *
 * Nothing here knows about any one command: adding `new`, `build`,
 * `push`, ... is one line in `commands` plus the command's own file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef SCALE_VERSION_STRING
#define SCALE_VERSION_STRING "0.1.0"
#endif

static int cmd_help(int argc, char **argv);
static void help_help(FILE *out);
static int cmd_version(int argc, char **argv);
static void help_version(FILE *out);

static const scale__cli_command_t commands[] = {
    {"wasm", "run a WebAssembly module: a WASI command or one export", scale__cli_wasm,
     scale__cli_wasm_help},
    {"compile", "compile modules to native code into the AOT cache", scale__cli_compile,
     scale__cli_compile_help},
    {"new", "create a function project from a template", scale__cli_new, scale__cli_new_help},
    {"build", "compile a function project into the local store", scale__cli_build,
     scale__cli_build_help},
    {"run", "serve a chain of functions over HTTP", scale__cli_run, scale__cli_run_help},
    {"list", "list the functions in the local store", scale__cli_list, scale__cli_list_help},
    {"inspect", "show a stored function's metadata, imports and exports", scale__cli_inspect,
     scale__cli_inspect_help},
    {"export", "write a stored function to a .scale (or .wasm) file", scale__cli_export,
     scale__cli_export_help},
    {"delete", "remove a function from the local store", scale__cli_delete, scale__cli_delete_help},
    {"tag", "give a stored function another name or tag", scale__cli_tag, scale__cli_tag_help},
    {"signature", "generate C code from a signature schema", scale__cli_signature,
     scale__cli_signature_help},
    {"help", "show help for scale or for one command", cmd_help, help_help},
    {"version", "print the version of scale", cmd_version, help_version},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const scale__cli_command_t *find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

void scale__cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void usage(FILE *out) {
  fprintf(out, "scale - a WebAssembly function runtime\n"
               "\n"
               "usage: scale <command> [arguments]\n"
               "       scale --version\n"
               "\n"
               "commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nrun 'scale help <command>' for the options of one command.\n");
}

static int cmd_help(int argc, char **argv) {
  if (argc < 2) {
    usage(stdout);
    return SCALE_CLI_OK;
  }
  const scale__cli_command_t *cmd = find_command(argv[1]);
  if (!cmd) {
    scale__cli_error("unknown command '%s'; run 'scale help' for the list", argv[1]);
    return SCALE_CLI_USAGE;
  }
  cmd->help(stdout);
  return SCALE_CLI_OK;
}

static void help_help(FILE *out) {
  fprintf(out, "usage: scale help [COMMAND]\n\n"
               "Without COMMAND, list the commands; with it, show that command's help.\n");
}

static int cmd_version(int argc, char **argv) {
  (void)argc;
  (void)argv;
  printf("scale %s\n", SCALE_VERSION_STRING);
  return SCALE_CLI_OK;
}

static void help_version(FILE *out) {
  fprintf(out, "usage: scale version\n       scale --version\n\nPrint the version of scale.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return SCALE_CLI_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
    return cmd_version(argc - 1, argv + 1);
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    usage(stdout);
    return SCALE_CLI_OK;
  }
  const scale__cli_command_t *cmd = find_command(name);
  if (!cmd) {
    scale__cli_error("unknown command '%s'; run 'scale help' for the list", name);
    return SCALE_CLI_USAGE;
  }
  int rc = cmd->run(argc - 1, argv + 1);
  if (fflush(stdout) != 0 && rc == SCALE_CLI_OK) {
    scale__cli_error("cannot write to stdout: %s", scale__errno_text(errno));
    rc = SCALE_CLI_FAILURE;
  }
  return rc;
}
