/*
 * WASI through libscale's API, without the CLI: output and input
 * callbacks, args and environment, exit status, limits on what a host may
 * pass. Usage: wasi_api GUEST_DIR (holding basic.wasm, exit.wasm, stdin.wasm).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

static int failures;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

/* What the guest wrote, per descriptor. */
typedef struct capture {
  char out[8192], err[1024];
  size_t nout, nerr;
} capture_t;

static long capture_write(void *env, int fd, const uint8_t *data, size_t len) {
  capture_t *c = env;
  char *buf = fd == 1 ? c->out : c->err;
  size_t *n = fd == 1 ? &c->nout : &c->nerr;
  size_t cap = (fd == 1 ? sizeof c->out : sizeof c->err) - 1;
  size_t take = len < cap - *n ? len : cap - *n;
  memcpy(buf + *n, data, take);
  *n += take;
  buf[*n] = '\0';
  return (long)len;
}

typedef struct input {
  const char *data;
  size_t pos;
} input_t;

static long feed(void *env, uint8_t *buf, size_t cap) {
  input_t *in = env;
  size_t left = strlen(in->data) - in->pos;
  size_t n = left < cap ? left : cap;
  memcpy(buf, in->data + in->pos, n);
  in->pos += n;
  return (long)n;
}

static uint8_t *load(const char *dir, const char *name, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open '%s'\n", path);
    exit(1);
  }
  static uint8_t buf[1 << 20];
  *len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return buf;
}

/*
 * Instantiate @p name with @p wasi and call _start. Returns the exit
 * status: 0 when _start returned, the proc_exit status, or -1 on any
 * other failure.
 */
static int run(scale_engine_t *engine, const char *dir, const char *name, scale_wasi_t *wasi) {
  size_t len;
  uint8_t *bytes = load(dir, name, &len);
  scale_module_t *module = NULL;
  scale_error_t *err = scale_module_new(engine, bytes, len, &module);
  if (err) {
    fprintf(stderr, "%s: %s\n", name, scale_error_message(err));
    scale_error_delete(err);
    return -1;
  }
  scale_store_t *store = scale_store_new(engine);
  scale_linker_t *linker = scale_linker_new(engine);
  scale_instance_t *instance = NULL;
  scale_trap_t *trap = NULL;
  int status = -1;
  err = scale_linker_define_wasi(linker, wasi);
  if (!err) err = scale_linker_instantiate(linker, store, module, &instance, &trap);
  scale_extern_t start;
  if (!err && !trap && scale_instance_export(instance, "_start", &start)) {
    err = scale_func_call(store, start.of.func, NULL, 0, NULL, 0, &trap);
    if (!err && !trap) status = 0;
  }
  int32_t code;
  if (trap && scale_trap_exit_status(trap, &code))
    status = code;
  else if (trap)
    fprintf(stderr, "%s: trap: %s\n", name, scale_trap_message(trap));
  if (err) fprintf(stderr, "%s: %s\n", name, scale_error_message(err));
  scale_trap_delete(trap);
  scale_error_delete(err);
  scale_linker_delete(linker);
  scale_store_delete(store);
  scale_module_delete(module);
  return status;
}

static void test_limits(void) {
  scale_wasi_t *w = scale_wasi_new();
  CHECK(w != NULL);
  scale_error_t *err = scale_wasi_add_env(w, "A=B", "x");
  CHECK(err != NULL);
  scale_error_delete(err);
  err = scale_wasi_add_env(w, "", "x");
  CHECK(err != NULL);
  scale_error_delete(err);

  static const char *many[5000];
  for (size_t i = 0; i < 5000; i++)
    many[i] = "a";
  err = scale_wasi_set_args(w, 5000, many);
  CHECK(err != NULL && strstr(scale_error_message(err), "too many arguments"));
  scale_error_delete(err);

  char *big = malloc(2 << 20);
  memset(big, 'x', (2 << 20) - 1);
  big[(2 << 20) - 1] = '\0';
  const char *one[] = {big};
  err = scale_wasi_set_args(w, 1, one);
  CHECK(err != NULL);
  scale_error_delete(err);
  err = scale_wasi_add_env(w, "BIG", big);
  CHECK(err != NULL);
  scale_error_delete(err);
  free(big);
  scale_wasi_delete(w);
  scale_wasi_delete(NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: wasi_api GUEST_DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  test_limits();

  scale_engine_t *engine = NULL;
  scale_error_t *err = scale_engine_new(NULL, &engine);
  CHECK(err == NULL);
  if (err) return 1;

  /* args, env and both output streams reach the host's callback */
  capture_t cap = {0};
  scale_wasi_t *wasi = scale_wasi_new();
  const char *args[] = {"basic", "one", "two words"};
  CHECK(scale_wasi_set_args(wasi, 3, args) == NULL);
  CHECK(scale_wasi_add_env(wasi, "SCALE_TEST", "api") == NULL);
  scale_wasi_set_output(wasi, capture_write, &cap);
  CHECK(run(engine, dir, "basic.wasm", wasi) == 0);
  CHECK(strstr(cap.out, "argc=3\nargv[1]=one\nargv[2]=two words\n") != NULL);
  CHECK(strstr(cap.out, "SCALE_TEST=api\nenviron count=1\n") != NULL);
  CHECK(strstr(cap.out, "random ok=1\n") != NULL);
  CHECK(strstr(cap.out, "done\n") != NULL);
  CHECK(strcmp(cap.err, "to stderr\n") == 0);

  /* the same context serves a second instance the same way */
  capture_t again = {0};
  scale_wasi_set_output(wasi, capture_write, &again);
  CHECK(run(engine, dir, "basic.wasm", wasi) == 0);
  CHECK(strcmp(cap.out, again.out) == 0);

  /* without an output callback, output is dropped but reported written */
  scale_wasi_set_output(wasi, NULL, NULL);
  CHECK(run(engine, dir, "basic.wasm", wasi) == 0);
  scale_wasi_delete(wasi);

  /* exit(3) ends the guest with a SCALE_TRAP_EXIT carrying 3 */
  capture_t ex = {0};
  wasi = scale_wasi_new();
  scale_wasi_set_output(wasi, capture_write, &ex);
  CHECK(run(engine, dir, "exit.wasm", wasi) == 3);
  CHECK(strcmp(ex.out, "leaving with 3\n") == 0);
  scale_wasi_delete(wasi);

  /* stdin only when granted */
  capture_t in_cap = {0};
  input_t in = {"abc\nxyz", 0};
  wasi = scale_wasi_new();
  scale_wasi_set_output(wasi, capture_write, &in_cap);
  scale_wasi_set_input(wasi, feed, &in);
  CHECK(run(engine, dir, "stdin.wasm", wasi) == 0);
  CHECK(strcmp(in_cap.out, "ABC\nXYZbytes=7 error=0\n") == 0);
  scale_wasi_delete(wasi);

  capture_t denied = {0};
  wasi = scale_wasi_new();
  scale_wasi_set_output(wasi, capture_write, &denied);
  CHECK(run(engine, dir, "stdin.wasm", wasi) == 0);
  CHECK(strcmp(denied.out, "bytes=0 error=1\n") == 0);
  scale_wasi_delete(wasi);

  scale_engine_delete(engine);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("wasi api: all checks passed\n");
  return failures ? 1 : 0;
}
