/*
 * The local store from the command line: `scale list`, `inspect`,
 * `export`, `delete` and `tag` (src/registry/store.h does the work).
 *
 * References are NAME[:TAG] (organization "local") or ORG/NAME:TAG; the
 * local organization is left out when printing. Everything read from the
 * store has been checked against its digest before it is shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "registry/store.h"
#include "scale/scalefile.h"

#define REF_CAP (3 * SCALE_STORE_MAX_NAME + 4)

static bool report(scale_error_t *e) {
  if (!e) return true;
  scale__cli_error("%s", scale_error_message(e));
  scale_error_delete(e);
  return false;
}

/* "hello:latest" for the local organization, else "org/hello:latest". */
static void show_ref(const scale__ref_t *ref, char *buf, size_t cap) {
  if (strcmp(ref->org, "local") == 0)
    snprintf(buf, cap, "%s:%s", ref->name, ref->tag);
  else
    scale__registry_format_ref(ref, buf, cap);
}

static void human_size(uint64_t n, char *buf, size_t cap) {
  if (n < 1024)
    snprintf(buf, cap, "%" PRIu64 " B", n);
  else if (n < 1024 * 1024)
    snprintf(buf, cap, "%.1f KiB", (double)n / 1024);
  else
    snprintf(buf, cap, "%.1f MiB", (double)n / (1024 * 1024));
}

/*
 * Parse the positional arguments of a store command: exactly @p want of
 * them (help and unknown options handled here). 0 = go on, else the exit code.
 */
static int positional(int argc, char **argv, int want, const char **out, bool *raw,
                      void (*help)(FILE *), const char *usage) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      help(stdout);
      return -1;
    }
    if (raw && !strcmp(a, "--raw")) {
      *raw = true;
      continue;
    }
    if (a[0] == '-' && a[1]) {
      scale__cli_error("unknown option '%s'", a);
      return SCALE_CLI_USAGE;
    }
    if (n == want) {
      scale__cli_error("unexpected argument '%s'; usage: %s", a, usage);
      return SCALE_CLI_USAGE;
    }
    out[n++] = a;
  }
  if (n < want) {
    scale__cli_error("missing arguments; usage: %s", usage);
    return SCALE_CLI_USAGE;
  }
  return 0;
}

static bool parse_ref(const char *text, scale__ref_t *ref) {
  char err[512];
  if (scale__registry_parse_ref(text, ref, err, sizeof err)) return true;
  scale__cli_error("%s", err);
  return false;
}

#define ARGS(want, raw, help, usage)                                                               \
  const char *args[(want) + 1];                                                                    \
  do {                                                                                             \
    int rc_ = positional(argc, argv, (want), args, (raw), (help), (usage));                        \
    if (rc_) return rc_ < 0 ? SCALE_CLI_OK : rc_;                                                  \
  } while (0)

/* ---- list ------------------------------------------------------------ */

void scale__cli_list_help(FILE *out) {
  fprintf(out, "usage: scale list\n\n"
               "List the functions in the local store ($SCALE_HOME/functions, default\n"
               "~/.config/scale/functions): reference, manifest digest, size of the .scale\n"
               "file, signature and creation time.\n");
}

int scale__cli_list(int argc, char **argv) {
  ARGS(0, NULL, scale__cli_list_help, "scale list");
  (void)args;
  scale__registry_t *reg = NULL;
  scale__fninfo_t *items = NULL;
  size_t n = 0;
  if (!report(scale__registry_open(NULL, &reg))) return SCALE_CLI_FAILURE;
  if (!report(scale__registry_list(reg, &items, &n))) {
    scale__registry_close(reg);
    return SCALE_CLI_FAILURE;
  }
  if (n == 0) printf("no functions in %s\n", scale__registry_root(reg));
  int width = 8;
  for (size_t i = 0; i < n; i++) {
    char ref[REF_CAP];
    show_ref(&items[i].ref, ref, sizeof ref);
    if ((int)strlen(ref) > width) width = (int)strlen(ref);
  }
  if (n)
    printf("%-*s  %-12s  %9s  %-18s  %s\n", width, "NAME:TAG", "DIGEST", "SIZE", "SIGNATURE",
           "CREATED");
  for (size_t i = 0; i < n; i++) {
    const scale__fninfo_t *f = &items[i];
    char ref[REF_CAP], size[32], sig[2 * SCALE_STORE_MAX_NAME + 2];
    show_ref(&f->ref, ref, sizeof ref);
    if (f->damage) {
      printf("%-*s  damaged: %s\n", width, ref, f->damage);
      continue;
    }
    human_size(f->layer_size, size, sizeof size);
    snprintf(sig, sizeof sig, "%s/%s", f->meta.signature_org, f->meta.signature_name);
    printf("%-*s  %.12s  %9s  %-18s  %s\n", width, ref, f->manifest_digest + 7, size, sig,
           f->meta.created);
  }
  scale__registry_list_free(items, n);
  scale__registry_close(reg);
  return SCALE_CLI_OK;
}

/* ---- inspect --------------------------------------------------------- */

void scale__cli_inspect_help(FILE *out) {
  fprintf(out, "usage: scale inspect NAME[:TAG]\n\n"
               "Show a stored function: its metadata and signature, the digests and sizes\n"
               "of the manifest and .scale file, and the imports and exports of its Wasm\n"
               "module with their types.\n");
}

static void print_functype(const scale_functype_t *t) {
  printf("func (");
  for (size_t i = 0; i < scale_functype_param_count(t); i++)
    printf("%s%s", i ? ", " : "", scale_valkind_name(scale_functype_param(t, i)));
  printf(") -> (");
  for (size_t i = 0; i < scale_functype_result_count(t); i++)
    printf("%s%s", i ? ", " : "", scale_valkind_name(scale_functype_result(t, i)));
  printf(")");
}

static void print_limits(const scale_limits_t *l) {
  if (l->has_max)
    printf("%" PRIu32 "..%" PRIu32, l->min, l->max);
  else
    printf("%" PRIu32 "..", l->min);
}

static void print_extern(const scale_externdesc_t *d) {
  printf("  ");
  if (d->module) printf("%.*s.", (int)d->module_len, d->module);
  printf("%.*s: ", (int)d->name_len, d->name);
  switch (d->kind) {
  case SCALE_EXTERN_FUNC:
    print_functype(d->type.func);
    break;
  case SCALE_EXTERN_TABLE:
    printf("table %s ", scale_valkind_name(d->type.table.elem));
    print_limits(&d->type.table.limits);
    break;
  case SCALE_EXTERN_MEMORY:
    printf("memory ");
    print_limits(&d->type.memory.limits);
    printf(" pages");
    break;
  case SCALE_EXTERN_GLOBAL:
    printf("global %s%s", d->type.global.mutable_ ? "mut " : "",
           scale_valkind_name(d->type.global.kind));
    break;
  default:
    printf("unknown kind");
    break;
  }
  printf("\n");
}

static bool print_module(const uint8_t *wasm, size_t len) {
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_INTERP;
  scale_engine_t *engine = NULL;
  scale_module_t *module = NULL;
  scale_error_t *e = scale_engine_new(&cfg, &engine);
  if (!e) e = scale_module_new(engine, wasm, len, &module);
  if (e) {
    scale__cli_error("the stored module is invalid: %s", scale_error_message(e));
    scale_error_delete(e);
    scale_engine_delete(engine);
    return false;
  }
  printf("imports:%s\n", scale_module_import_count(module) ? "" : " none");
  for (size_t i = 0; i < scale_module_import_count(module); i++) {
    scale_externdesc_t d;
    scale_module_import(module, i, &d);
    print_extern(&d);
  }
  printf("exports:%s\n", scale_module_export_count(module) ? "" : " none");
  for (size_t i = 0; i < scale_module_export_count(module); i++) {
    scale_externdesc_t d;
    scale_module_export(module, i, &d);
    print_extern(&d);
  }
  scale_module_delete(module);
  scale_engine_delete(engine);
  return true;
}

/* Open the store and read @p text's function: info, bytes, decoded container. */
static bool load(const char *text, scale__fninfo_t *info, uint8_t **bytes, size_t *len,
                 scale_scalefile_t **c) {
  scale__ref_t ref;
  scale__registry_t *reg = NULL;
  if (!parse_ref(text, &ref) || !report(scale__registry_open(NULL, &reg))) return false;
  bool ok = report(scale__registry_get(reg, &ref, info, bytes, len));
  if (ok && c && !report(scale_scalefile_decode(*bytes, *len, c))) {
    scale__registry_info_release(info);
    free(*bytes);
    ok = false;
  }
  scale__registry_close(reg);
  return ok;
}

int scale__cli_inspect(int argc, char **argv) {
  ARGS(1, NULL, scale__cli_inspect_help, "scale inspect NAME[:TAG]");
  scale__fninfo_t info;
  uint8_t *bytes = NULL;
  size_t len = 0;
  scale_scalefile_t *c = NULL;
  if (!load(args[0], &info, &bytes, &len, &c)) return SCALE_CLI_FAILURE;
  char ref[REF_CAP], size[32];
  scale__registry_format_ref(&info.ref, ref, sizeof ref);
  printf("reference:      %s\n", ref);
  printf("name:           %s\n", c->name);
  printf("tag:            %s\n", c->tag);
  printf("language:       %s\n", c->language);
  printf("signature:      %s/%s:%s\n", c->signature_organization, c->signature_name,
         c->signature_tag);
  printf("signature hash: %s\n",
         c->signature_hash && *c->signature_hash ? c->signature_hash : "(none recorded)");
  printf("stateless:      %s\n", c->stateless ? "true" : "false");
  if (*info.meta.description) printf("description:    %s\n", info.meta.description);
  printf("created:        %s\n", info.meta.created);
  printf("digest:         %s\n", info.manifest_digest);
  human_size(len, size, sizeof size);
  printf("scale file:     %s (%s, %zu bytes, %s)\n", info.layer_digest,
         scale_scalefile_layout_name(c->layout), len, size);
  human_size(c->function_len, size, sizeof size);
  printf("module:         %zu bytes (%s)\n", c->function_len, size);
  if (c->extension_count) printf("extensions:     %zu\n", c->extension_count);
  bool ok = print_module(c->function, c->function_len);
  scale_scalefile_delete(c);
  scale__registry_info_release(&info);
  free(bytes);
  return ok ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}

/* ---- export ---------------------------------------------------------- */

void scale__cli_export_help(FILE *out) {
  fprintf(out, "usage: scale export NAME[:TAG] OUT [--raw]\n\n"
               "Write a stored function to OUT: the .scale file, or with --raw the Wasm\n"
               "module inside it. When OUT is a directory the file is named\n"
               "ORG-NAME-TAG.scale (or .wasm) inside it; '-' writes to stdout.\n");
}

static bool write_out(const char *path, const uint8_t *data, size_t len) {
  int fd = strcmp(path, "-") == 0 ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = fd < 0 ? errno : scale__write_all(fd, data, len);
  if (fd > 1 && close(fd) != 0 && !err) err = errno;
  bool ok = !err;
  if (!ok) scale__cli_error("cannot write '%s': %s", path, scale__errno_text(err));
  return ok;
}

int scale__cli_export(int argc, char **argv) {
  bool raw = false;
  ARGS(2, &raw, scale__cli_export_help, "scale export NAME[:TAG] OUT [--raw]");
  scale__fninfo_t info;
  uint8_t *bytes = NULL;
  size_t len = 0;
  scale_scalefile_t *c = NULL;
  if (!load(args[0], &info, &bytes, &len, raw ? &c : NULL)) return SCALE_CLI_FAILURE;
  const char *out = args[1];
  char *path = NULL;
  struct stat st;
  if (strcmp(out, "-") != 0 && stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
    size_t cap = strlen(out) + REF_CAP + 16;
    path = malloc(cap);
    if (path)
      snprintf(path, cap, "%s/%s-%s-%s.%s", out, info.ref.org, info.ref.name, info.ref.tag,
               raw ? "wasm" : "scale");
  }
  const uint8_t *data = raw ? c->function : bytes;
  size_t n = raw ? c->function_len : len;
  bool ok = write_out(path ? path : out, data, n);
  if (ok && strcmp(out, "-") != 0) {
    char ref[REF_CAP];
    show_ref(&info.ref, ref, sizeof ref);
    printf("exported %s to %s (%zu bytes%s)\n", ref, path ? path : out, n, raw ? ", raw Wasm" : "");
  }
  free(path);
  scale_scalefile_delete(c);
  scale__registry_info_release(&info);
  free(bytes);
  return ok ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}

/* ---- delete and tag -------------------------------------------------- */

void scale__cli_delete_help(FILE *out) {
  fprintf(out, "usage: scale delete NAME[:TAG]\n\n"
               "Remove a function from the local store. Blobs no other reference uses are\n"
               "deleted too.\n");
}

int scale__cli_delete(int argc, char **argv) {
  ARGS(1, NULL, scale__cli_delete_help, "scale delete NAME[:TAG]");
  scale__ref_t ref;
  scale__registry_t *reg = NULL;
  if (!parse_ref(args[0], &ref) || !report(scale__registry_open(NULL, &reg)))
    return SCALE_CLI_FAILURE;
  size_t removed = 0;
  bool ok = report(scale__registry_delete(reg, &ref, &removed));
  if (ok) {
    char text[REF_CAP];
    show_ref(&ref, text, sizeof text);
    printf("deleted %s (%zu blob%s removed)\n", text, removed, removed == 1 ? "" : "s");
  }
  scale__registry_close(reg);
  return ok ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}

void scale__cli_tag_help(FILE *out) {
  fprintf(out, "usage: scale tag SRC DST\n\n"
               "Make the reference DST (NAME[:TAG] or ORG/NAME:TAG) name the same stored\n"
               "function as SRC, replacing whatever DST named before. The .scale file is\n"
               "shared, not copied or rewritten.\n");
}

int scale__cli_tag(int argc, char **argv) {
  ARGS(2, NULL, scale__cli_tag_help, "scale tag SRC DST");
  scale__ref_t src, dst;
  scale__registry_t *reg = NULL;
  if (!parse_ref(args[0], &src) || !parse_ref(args[1], &dst) ||
      !report(scale__registry_open(NULL, &reg)))
    return SCALE_CLI_FAILURE;
  bool ok = report(scale__registry_tag(reg, &src, &dst));
  if (ok) {
    char a[REF_CAP], b[REF_CAP];
    show_ref(&src, a, sizeof a);
    show_ref(&dst, b, sizeof b);
    printf("tagged %s as %s\n", a, b);
  }
  scale__registry_close(reg);
  return ok ? SCALE_CLI_OK : SCALE_CLI_FAILURE;
}
