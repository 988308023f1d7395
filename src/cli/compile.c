/*
 * `scale compile FILE.wasm...`: build the native code of modules ahead of
 * time into the AOT cache, so that `scale wasm run --tier aot` (and any
 * embedder with the same cache) starts without compiling. Prints where
 * each module stands; fails when one cannot be compiled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void scale__cli_compile_help(FILE *out) {
  fprintf(out, "usage: scale compile [--fuel] FILE.wasm...\n"
               "\n"
               "Compile each module to native code (wasm2c and the system C compiler) and\n"
               "store the result in the AOT cache: $SCALE_CACHE, else $XDG_CACHE_HOME/scale,\n"
               "else ~/.cache/scale (created with mode 0700). Entries are keyed by the\n"
               "SHA-256 of the module, the compiler's identity and the build options, and\n"
               "are checked before use; a stale or altered entry is rebuilt.\n"
               "\n"
               "  --fuel   also build the fuel-metering variant (used by stores that set a\n"
               "           fuel budget before instantiating)\n"
               "\n"
               "Environment: SCALE_CC (C compiler, default cc), SCALE_WASM2C (default wasm2c).\n"
               "Exit status: 0 when every module compiled, 1 otherwise, 2 for a wrong\n"
               "command line.\n");
}

int scale__cli_compile(int argc, char **argv) {
  bool fuel = false;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (strcmp(argv[first], "--fuel") == 0) {
      fuel = true;
    } else if (strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "--help") == 0) {
      scale__cli_compile_help(stdout);
      return SCALE_CLI_OK;
    } else if (strcmp(argv[first], "--") == 0) {
      first++;
      break;
    } else {
      scale__cli_error("unknown option '%s'; run 'scale help compile'", argv[first]);
      return SCALE_CLI_USAGE;
    }
  }
  if (first >= argc) {
    scale__cli_error("missing FILE.wasm; run 'scale help compile'");
    return SCALE_CLI_USAGE;
  }
  scale_engine_t *engine = NULL;
  scale_error_t *err = scale_engine_new(NULL, &engine);
  if (err) {
    scale__cli_error("%s", scale_error_message(err));
    scale_error_delete(err);
    return SCALE_CLI_FAILURE;
  }
  int rc = SCALE_CLI_OK;
  for (int i = first; i < argc; i++) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!scale__cli_read_file(argv[i], SCALE_MAX_MODULE_BYTES, &bytes, &len)) {
      rc = SCALE_CLI_FAILURE;
      continue;
    }
    scale_module_t *m = NULL;
    err = scale_module_new(engine, bytes, len, &m);
    free(bytes);
    if (!err) err = scale_module_compile(m);
    if (!err && fuel) err = scale_module_compile_metered(m);
    if (err) {
      scale__cli_error("cannot compile '%s': %s", argv[i], scale_error_message(err));
      scale_error_delete(err);
      rc = SCALE_CLI_FAILURE;
    } else {
      printf("compiled %s\n", argv[i]);
    }
    scale_module_delete(m);
  }
  scale_engine_delete(engine);
  return rc;
}
