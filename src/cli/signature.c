/*
 * `scale signature generate SCHEMA`: C host and guest code from a
 * signature schema (the generator is src/signature/generate*.c).
 *
 * Files are written whole to a temporary name and renamed into place, so
 * a build that runs the generator never sees a half-written file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scale/signature.h"
#include "signature/generate.h"

void scale__cli_signature_help(FILE *out) {
  fprintf(out, "usage: scale signature generate SCHEMA [--lang c] [--host|--guest|--both]\n"
               "                                [-o DIR] [--prefix NAME]\n"
               "\n"
               "Generate C code for the models of a signature schema (HCL): per model a\n"
               "struct, a constructor with the schema's defaults, free, Polyglot encode and\n"
               "decode byte-compatible with the runtime, and accessors that run the\n"
               "validators. The guest side also implements the C SDK's raw mode: you write\n"
               "`PREFIX_CTX_t *scale(PREFIX_CTX_t *ctx)` and may call PREFIX_next(ctx).\n"
               "\n"
               "Writes PREFIX_host.h/.c and/or PREFIX_guest.h/.c into DIR.\n"
               "\n"
               "options:\n"
               "  --lang c         the language to generate (only c)\n"
               "  --host           host-side files only\n"
               "  --guest          guest-side files only\n"
               "  --both           both sides (default)\n"
               "  -o DIR           output directory (default .; must exist)\n"
               "  --prefix NAME    C identifier prefix (default: the schema file name, e.g.\n"
               "                   shop.hcl -> shop)\n");
}

/* Default prefix: the file's base name without extension, as a C identifier. */
static char *default_prefix(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strcspn(base, ".");
  char *p = malloc(n + 2);
  if (!p) return NULL;
  size_t k = 0;
  if (n == 0 || (base[0] >= '0' && base[0] <= '9')) p[k++] = 's';
  for (size_t i = 0; i < n && k < 64; i++) {
    char c = base[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    p[k++] = ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '_';
  }
  p[k] = '\0';
  return p;
}

static bool write_file(const char *dir, const scale__siggen_file_t *f) {
  size_t n = strlen(dir) + strlen(f->name) + 2;
  char *path = malloc(n);
  if (!path) {
    scale__cli_error("out of memory");
    return false;
  }
  snprintf(path, n, "%s/%s", dir, f->name);
  int err = scale__write_atomic(path, f->text, f->len, 0644);
  if (err) scale__cli_error("cannot write '%s': %s", path, scale__errno_text(err));
  free(path);
  return !err;
}

static int generate(int argc, char **argv) {
  const char *schema = NULL, *dir = ".", *prefix = NULL;
  bool host = true, guest = true;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_next = i + 1 < argc;
    if (strcmp(a, "--host") == 0) {
      host = true, guest = false;
    } else if (strcmp(a, "--guest") == 0) {
      host = false, guest = true;
    } else if (strcmp(a, "--both") == 0) {
      host = guest = true;
    } else if ((strcmp(a, "--lang") == 0 || strcmp(a, "--language") == 0) && has_next) {
      const char *lang = argv[++i];
      if (strcmp(lang, "c") != 0) {
        scale__cli_error("language '%s' is not supported (only c)", lang);
        return SCALE_CLI_USAGE;
      }
    } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has_next) {
      dir = argv[++i];
    } else if (strcmp(a, "--prefix") == 0 && has_next) {
      prefix = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      scale__cli_error("unknown or incomplete option '%s' (see scale help signature)", a);
      return SCALE_CLI_USAGE;
    } else if (!schema) {
      schema = a;
    } else {
      scale__cli_error("unexpected argument '%s'", a);
      return SCALE_CLI_USAGE;
    }
  }
  if (!schema) {
    scale__cli_error("missing SCHEMA (see scale help signature)");
    return SCALE_CLI_USAGE;
  }
  scale_signature_t *sig = NULL;
  scale_error_t *e = scale_signature_load(schema, &sig);
  if (e) {
    scale__cli_error("%s", scale_error_message(e));
    scale_error_delete(e);
    return SCALE_CLI_FAILURE;
  }
  char *own_prefix = prefix ? NULL : default_prefix(schema);
  if (!prefix && !own_prefix) {
    scale_signature_delete(sig);
    scale__cli_error("out of memory");
    return SCALE_CLI_FAILURE;
  }
  const char *base = strrchr(schema, '/');
  scale__siggen_options_t opt = {
      .prefix = prefix ? prefix : own_prefix,
      .schema_name = base ? base + 1 : schema,
      .host = host,
      .guest = guest,
  };
  scale__siggen_file_t *files = NULL;
  size_t count = 0;
  e = scale__siggen_run(sig, &opt, &files, &count);
  scale_signature_delete(sig);
  free(own_prefix);
  if (e) {
    scale__cli_error("cannot generate code for '%s': %s", schema, scale_error_message(e));
    scale_error_delete(e);
    return SCALE_CLI_FAILURE;
  }
  int rc = SCALE_CLI_OK;
  for (size_t i = 0; i < count && rc == SCALE_CLI_OK; i++)
    if (!write_file(dir, &files[i])) rc = SCALE_CLI_FAILURE;
  scale__siggen_files_free(files, count);
  return rc;
}

int scale__cli_signature(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
      strcmp(argv[1], "-h") == 0) {
    scale__cli_signature_help(argc < 2 ? stderr : stdout);
    return argc < 2 ? SCALE_CLI_USAGE : SCALE_CLI_OK;
  }
  if (strcmp(argv[1], "generate") == 0) return generate(argc - 1, argv + 1);
  scale__cli_error("unknown signature command '%s' (expected generate)", argv[1]);
  return SCALE_CLI_USAGE;
}
