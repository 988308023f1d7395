/*
 * Runs the decoder and validator over the binary modules of the Wasm spec
 * test suite (non-SIMD suites): valid modules must decode and validate,
 * binary assert_malformed / assert_invalid modules must be rejected.
 * Error texts are compared with the suite's (informational only).
 *
 * usage: spec_decode [SPECTEST_DIR]   (default ../shared/spectest)
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wasm/module.h"

static unsigned passed, failed, text_mismatch;

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        buf[n] = 0;
        *len = (size_t)n;
      }
    }
  }
  fclose(f);
  return buf;
}

/* Decode and validate; on failure returns the message (static). NULL = accepted. */
static const char *check(const char *path, bool *io_error, wasm_diag_t *diag) {
  size_t len = 0;
  char *bytes = read_file(path, &len);
  *io_error = bytes == NULL;
  if (!bytes) return "cannot read file";
  wasm_module_t *m = NULL;
  const char *msg = NULL;
  if (!wasm_module_decode((const uint8_t *)bytes, len, &m, diag))
    msg = diag->message ? diag->message : "(no message)";
  else if (!wasm_module_validate(m, diag))
    msg = diag->message ? diag->message : "(no message)";
  wasm_module_free(m);
  free(bytes);
  return msg;
}

/* The suite's texts sometimes name an index ("unknown global 1"); ours never do. */
static bool text_matches(const char *ours, const char *want) {
  size_t a = strlen(ours), b = strlen(want);
  return strncmp(ours, want, a < b ? a : b) == 0;
}

static void run_suite(const char *root, const char *suite) {
  char dir[4096], path[8192 + 64];
  if ((size_t)snprintf(dir, sizeof dir, "%s/%s", root, suite) >= sizeof dir ||
      (size_t)snprintf(path, sizeof path, "%s/%s.json", dir, suite) >= sizeof path) {
    printf("%s: path too long\n", suite);
    failed++;
    return;
  }
  size_t len;
  char *text = read_file(path, &len);
  if (!text) {
    printf("%s: cannot read %s\n", suite, path);
    failed++;
    return;
  }
  cJSON *json = cJSON_Parse(text);
  free(text);
  const cJSON *cmds = cJSON_GetObjectItemCaseSensitive(json, "commands");
  if (!cJSON_IsArray(cmds)) {
    printf("%s: malformed JSON\n", suite);
    failed++;
    cJSON_Delete(json);
    return;
  }
  const cJSON *cmd;
  cJSON_ArrayForEach(cmd, cmds) {
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "type"));
    const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "filename"));
    const char *mtype = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "module_type"));
    const char *want = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cmd, "text"));
    const cJSON *line_item = cJSON_GetObjectItemCaseSensitive(cmd, "line");
    int line = cJSON_IsNumber(line_item) ? line_item->valueint : 0;
    if (!type || !file) continue;
    bool must_pass;
    if (!strcmp(type, "module") || !strcmp(type, "assert_unlinkable") ||
        !strcmp(type, "assert_uninstantiable"))
      must_pass = true;
    else if ((!strcmp(type, "assert_malformed") || !strcmp(type, "assert_invalid")) && mtype &&
             !strcmp(mtype, "binary"))
      must_pass = false;
    else
      continue;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) continue;
    bool io_error;
    wasm_diag_t diag;
    const char *msg = check(path, &io_error, &diag);
    if (io_error) {
      printf("%s:%d: cannot read %s\n", suite, line, path);
      failed++;
    } else if (must_pass && msg) {
      printf("%s:%d: %s rejected: %s at offset %zu %s\n", suite, line, file, msg, diag.offset,
             diag.detail);
      failed++;
    } else if (!must_pass && !msg) {
      printf("%s:%d: %s %s accepted (expected \"%s\")\n", suite, line, type, file,
             want ? want : "");
      failed++;
    } else {
      passed++;
      if (!must_pass && want && !text_matches(msg, want)) {
        text_mismatch++;
        printf("%s:%d: text: got \"%s\" at %zu, expected \"%s\" (%s)\n", suite, line, msg,
               diag.offset, want, file);
      }
    }
  }
  cJSON_Delete(json);
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : "../shared/spectest";
  DIR *d = opendir(root);
  if (!d) {
    fprintf(stderr, "spec_decode: cannot open spec test folder '%s'\n", root);
    return 2;
  }
  char **names = NULL;
  size_t count = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !strncmp(e->d_name, "simd_", 5)) continue;
    char path[8192];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, e->d_name) >= sizeof path ||
        stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
      continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 64;
      char **p = realloc(names, cap * sizeof *names);
      if (!p) return 2;
      names = p;
    }
    names[count++] = strdup(e->d_name);
  }
  closedir(d);
  if (count == 0) {
    fprintf(stderr, "spec_decode: no suites in '%s'\n", root);
    return 2;
  }
  qsort(names, count, sizeof *names, name_cmp);
  for (size_t i = 0; i < count; i++) {
    run_suite(root, names[i]);
    free(names[i]);
  }
  free(names);
  printf("%zu suites; error text differs from the suite's in %u rejected modules\n", count,
         text_mismatch);
  printf("%u passed, %u failed\n", passed, failed);
  return failed ? 1 : 0;
}
