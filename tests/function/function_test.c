/*
 * Scale functions and chains through the public API, with C guests built by
 * the SDK: upstream's Gen-1 runtime test cases on the Context{Data string}
 * signature (passthrough, modify, next, modify-then-next, host next error,
 * guest error, trap, file/network denied, bad signature) and on the HTTP
 * signature, then chains, threads, limits and ABI violations.
 *
 * Usage: function_test <guest dir> <interp|aot>
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "runtime/runtime.h" /* scale__memory_tracked_bytes */
#include "scale.h"

static const char *dir;
static scale_engine_t *engine;
static bool aot;

static scale_function_t *load(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
  scale_function_t *fn = NULL;
  scale_error_t *e = scale_function_load(engine, path, NULL, &fn);
  if (e) {
    fprintf(stderr, "load %s: %s\n", name, scale_error_message(e));
    exit(2);
  }
  return fn;
}

/* A chain of the named functions; exits when it cannot be made. */
static scale_chain_t *chain_of(const char *const *names, size_t n,
                               const scale_chain_config_t *cfg) {
  scale_function_t *fns[8];
  for (size_t i = 0; i < n; i++)
    fns[i] = load(names[i]);
  scale_chain_t *ch = NULL;
  scale_error_t *e = scale_chain_new(fns, n, cfg, &ch);
  for (size_t i = 0; i < n; i++)
    scale_function_delete(fns[i]); /* the chain holds references */
  if (e) {
    fprintf(stderr, "chain %s: %s\n", names[0], scale_error_message(e));
    exit(2);
  }
  return ch;
}

static scale_chain_t *chain1(const char *name) {
  return chain_of(&name, 1, NULL);
}

/* Encode Data, run, decode. Returns the error (owned) or NULL with *out set (malloc'd). */
static scale_error_t *run_data(scale_chain_t *ch, const char *in, scale_next_fn_t next, void *env,
                               char **out) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_string(&b, in, strlen(in));
  scale_bytes_t res = {NULL, 0};
  scale_error_t *e = scale_chain_run(ch, b.data, b.len, next, env, &res);
  scale_pg_buf_free(&b);
  if (e) return e;
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, res.data, res.len);
  const char *s;
  size_t n;
  if (scale_pg_get_string(&r, res.len, &s, &n) != SCALE_PG_OK) {
    scale_bytes_free(&res);
    return scale_error_new("test: output is not a Data string");
  }
  /* Not strndup: the decoded string is not NUL-terminated, and ASan's strict_string_checks
   * (set by `make sanitize`) rightly refuses strndup on such a buffer. */
  *out = malloc(n + 1);
  if (*out) {
    memcpy(*out, s, n);
    (*out)[n] = '\0';
  }
  scale_bytes_free(&res);
  return NULL;
}

/* Run and expect @p want. */
static void expect_data(scale_chain_t *ch, const char *in, scale_next_fn_t next, void *env,
                        const char *want) {
  char *got = NULL;
  scale_error_t *e = run_data(ch, in, next, env, &got);
  if (e) fprintf(stderr, "unexpected error: %s\n", scale_error_message(e));
  CHECK(!e);
  CHECK(got && strcmp(got, want) == 0);
  if (got && strcmp(got, want) != 0) fprintf(stderr, "got '%s', want '%s'\n", got, want);
  free(got);
  scale_error_delete(e);
}

/* Run and expect an error of @p kind whose message contains @p want. */
static void expect_error(scale_chain_t *ch, const char *in, scale_next_fn_t next, void *env,
                         scale_error_kind_t kind, const char *want) {
  char *got = NULL;
  scale_error_t *e = run_data(ch, in, next, env, &got);
  CHECK(e != NULL);
  if (e) {
    CHECK(scale_error_kind(e) == kind);
    CHECK(strstr(scale_error_message(e), want) != NULL);
    if (scale_error_kind(e) != kind || !strstr(scale_error_message(e), want))
      fprintf(stderr, "error '%s' (kind %d), want kind %d with '%s'\n", scale_error_message(e),
              (int)scale_error_kind(e), (int)kind, want);
  }
  free(got);
  scale_error_delete(e);
}

/* ---- host next callbacks ------------------------------------------------ */

static scale_error_t *reply_string(const char *s, size_t n, scale_bytes_t *out) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_string(&b, s, n);
  out->data = b.data;
  out->len = b.len;
  return NULL;
}

static scale_error_t *next_set(void *env, const uint8_t *in, size_t len, scale_bytes_t *out) {
  (void)in, (void)len;
  return reply_string(env, strlen(env), out);
}

static scale_error_t *next_append(void *env, const uint8_t *in, size_t len, scale_bytes_t *out) {
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, in, len);
  const char *s;
  size_t n;
  if (scale_pg_get_string(&r, len, &s, &n) != SCALE_PG_OK) return scale_error_new("bad context");
  char buf[512];
  int m = snprintf(buf, sizeof buf, "%.*s%s", (int)n, s, (const char *)env);
  return reply_string(buf, (size_t)m, out);
}

static scale_error_t *next_error(void *env, const uint8_t *in, size_t len, scale_bytes_t *out) {
  (void)env, (void)in, (void)len, (void)out;
  return scale_error_new("next error");
}

/* ---- cases ---------------------------------------------------------------- */

static void test_data_signature(void) {
  scale_chain_t *ch = chain1("passthrough");
  expect_data(ch, "hello", NULL, NULL, "hello");
  expect_data(ch, "", NULL, NULL, "");
  scale_chain_delete(ch);
  ch = chain1("passthrough_wasi");
  expect_data(ch, "hello wasi", NULL, NULL, "hello wasi");
  scale_chain_delete(ch);

  ch = chain1("modify");
  expect_data(ch, "hello", NULL, NULL, "modified");
  scale_chain_delete(ch);

  ch = chain1("next");
  expect_data(ch, "hello", next_set, "from-host", "from-host");
  expect_data(ch, "identity", NULL, NULL, "identity");
  expect_error(ch, "hello", next_error, NULL, SCALE_ERROR_GUEST, "next error");
  expect_data(ch, "again", NULL, NULL, "again"); /* still works */
  scale_chain_delete(ch);

  ch = chain1("modifynext");
  expect_data(ch, "hello", next_append, "-next", "modified-next");
  scale_chain_delete(ch);

  ch = chain1("fail");
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_GUEST,
               "function 'fail:latest': guest error: guest says no");
  scale_chain_delete(ch);

  ch = chain1("trap");
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_TRAP, "function 'trap:latest': trap: unreachable");
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_TRAP, "trap: unreachable");
  scale_chain_delete(ch);

  ch = chain1("badsig");
  expect_error(ch, "a string", NULL, NULL, SCALE_ERROR_GUEST, "guest error: wrong kind");
  scale_chain_delete(ch);

  ch = chain1("runzero");
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_BAD_OUTPUT, "failed to run function");
  scale_chain_delete(ch);
}

static char captured[4096];
static size_t captured_len;
static pthread_mutex_t captured_lock = PTHREAD_MUTEX_INITIALIZER;

static long capture(void *env, int fd, const uint8_t *data, size_t len) {
  (void)env, (void)fd;
  pthread_mutex_lock(&captured_lock);
  size_t n = len < sizeof captured - 1 - captured_len ? len : sizeof captured - 1 - captured_len;
  memcpy(captured + captured_len, data, n);
  captured_len += n;
  captured[captured_len] = '\0';
  pthread_mutex_unlock(&captured_lock);
  return (long)len;
}

static void test_sandbox(void) {
  scale_chain_config_t cfg;
  scale_chain_config_default(&cfg);
  cfg.output = capture;
  const char *name = "sandbox";
  scale_chain_t *ch = chain_of(&name, 1, &cfg);
  expect_error(ch, "file", NULL, NULL, SCALE_ERROR_GUEST, "guest error: file: ");
  expect_error(ch, "net", NULL, NULL, SCALE_ERROR_GUEST, "guest error: network: wasi errno");
  CHECK(strstr(captured, "sandbox guest on stdout") != NULL);
  scale_chain_delete(ch);
}

static void test_load_errors(void) {
  static const uint8_t empty[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  scale_function_t *fn = NULL;
  scale_error_t *e = scale_function_new(engine, empty, sizeof empty, "empty", &fn);
  CHECK(e && strstr(scale_error_message(e), "function 'empty:latest': missing export 'resize'"));
  scale_error_delete(e);
  e = scale_function_new(engine, empty, 4, "short:v1", &fn);
  CHECK(e && strstr(scale_error_message(e), "function 'short:v1':"));
  scale_error_delete(e);
  e = scale_function_new(engine, (const uint8_t *)"nonsense", 8, NULL, &fn);
  CHECK(e != NULL);
  scale_error_delete(e);
  e = scale_function_load(engine, "/nonexistent/x.wasm", NULL, &fn);
  CHECK(e && strstr(scale_error_message(e), "cannot open '/nonexistent/x.wasm'"));
  scale_error_delete(e);

  fn = load("passthrough");
  CHECK(strcmp(scale_function_name(fn), "passthrough:latest") == 0);
  CHECK(scale_function_has_initialize(fn));
  CHECK(scale_function_signature_hash(fn) == NULL);
  /* The AOT run must really run native code, nested entries included. */
  CHECK(scale_module_tier(scale_function_module(fn)) == (aot ? SCALE_TIER_AOT : SCALE_TIER_INTERP));
  scale_function_delete(fn);

  fn = load("initfail");
  scale_chain_t *ch = NULL;
  e = scale_chain_new(&fn, 1, NULL, &ch);
  CHECK(e && scale_error_kind(e) == SCALE_ERROR_GUEST &&
        strstr(scale_error_message(e),
               "function 'initfail:latest': initialize: guest error: init refused"));
  scale_error_delete(e);
  scale_function_delete(fn);

  fn = load("badptr");
  CHECK(!scale_function_has_initialize(fn));
  e = scale_chain_new(&fn, 1, NULL, &ch);
  CHECK(!e);
  scale_function_delete(fn);
  if (!e) {
    expect_error(ch, "x", NULL, NULL, SCALE_ERROR_BAD_OUTPUT, "malformed output");
    scale_chain_delete(ch);
  }
  scale_error_delete(e);
}

/* A function packaged as a .scale file runs like the raw module, keeps its
 * signature, and a damaged container is refused before anything runs. */
static void test_scalefile(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/modify.wasm", dir);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (!f) return;
  static uint8_t wasm[1 << 20];
  size_t wasm_len = fread(wasm, 1, sizeof wasm, f);
  fclose(f);
  static const char schema[] = "version = \"v1alpha\"\ncontext = \"Context\"\n";
  scale_scalefile_t sf;
  memset(&sf, 0, sizeof sf);
  sf.name = "packed";
  sf.tag = "v2";
  sf.signature_name = "data";
  sf.signature_organization = "local";
  sf.signature_tag = "latest";
  sf.signature_schema = (uint8_t *)schema;
  sf.signature_schema_len = sizeof schema - 1;
  sf.signature_hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  sf.language = "c";
  sf.function = wasm;
  sf.function_len = wasm_len;
  uint8_t *bytes = NULL;
  size_t len = 0;
  scale_error_t *e = scale_scalefile_encode(&sf, &bytes, &len);
  CHECK(!e);
  if (e) {
    scale_error_delete(e);
    return;
  }
  scale_function_t *fn = NULL;
  e = scale_function_new(engine, bytes, len, NULL, &fn);
  CHECK(!e && fn);
  if (fn) {
    CHECK(strcmp(scale_function_name(fn), "packed:v2") == 0);
    CHECK(scale_function_signature_hash(fn) &&
          strcmp(scale_function_signature_hash(fn), sf.signature_hash) == 0);
    size_t slen = 0;
    const char *s = scale_function_signature_schema(fn, &slen);
    CHECK(s && slen == sizeof schema - 1 && memcmp(s, schema, slen) == 0);
    scale_chain_t *ch = NULL;
    e = scale_chain_new(&fn, 1, NULL, &ch);
    CHECK(!e);
    if (!e) {
      expect_data(ch, "x", NULL, NULL, "modified");
      scale_chain_delete(ch);
    }
    scale_error_delete(e);
    scale_function_delete(fn);
  }
  e = scale_function_new(engine, bytes, len, "renamed:v3", &fn);
  CHECK(!e && strcmp(scale_function_name(fn), "renamed:v3") == 0);
  if (!e) scale_function_delete(fn);
  scale_error_delete(e);
  /* One flipped byte inside the module: the checksum catches it. */
  bytes[len / 2] ^= 0x40;
  fn = NULL;
  e = scale_function_new(engine, bytes, len, NULL, &fn);
  CHECK(e && !fn && strstr(scale_error_message(e), "scale file"));
  scale_error_delete(e);
  free(bytes);
}

static void test_chain3(void) {
  const char *names[3] = {"marker_a", "marker_b", "marker_c"};
  scale_chain_t *ch = chain_of(names, 3, NULL);
  CHECK(scale_chain_count(ch) == 3);
  expect_data(ch, "x", NULL, NULL, "xabc");
  expect_data(ch, "y", next_append, "-host", "yabc-host");
  expect_error(ch, "z", next_error, NULL, SCALE_ERROR_GUEST, "guest error: next error");
  scale_chain_delete(ch);

  /* A trap in the middle reaches the first guest as an error it passes through. */
  const char *mid[3] = {"marker_a", "trap", "marker_c"};
  ch = chain_of(mid, 3, NULL);
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_TRAP, "function 'trap:latest': trap: unreachable");
  scale_chain_delete(ch);
  const char *gerr[2] = {"marker_a", "fail"};
  ch = chain_of(gerr, 2, NULL);
  expect_error(ch, "x", NULL, NULL, SCALE_ERROR_GUEST, "guest error: guest says no");
  scale_chain_delete(ch);
}

/* ---- output in place (scale_chain_run_view) ---------------------------------- */

typedef struct view {
  int calls;
  uint8_t *copy;
  size_t len;
  const char *fail; /* when set, the callback returns this error */
} view_t;

static scale_error_t *take_view(void *env, const uint8_t *data, size_t len) {
  view_t *v = env;
  v->calls++;
  free(v->copy);
  v->copy = malloc(len ? len : 1);
  if (v->copy && len) memcpy(v->copy, data, len);
  v->len = len;
  return v->fail ? scale_error_new(v->fail) : NULL;
}

static void test_run_view(void) {
  const char *names[3] = {"marker_a", "marker_b", "marker_c"};
  scale_chain_t *ch = chain_of(names, 3, NULL);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_pg_put_string(&b, "view", 4);
  /* The bytes seen in place are the bytes scale_chain_run copies out. */
  view_t v = {0, NULL, 0, NULL};
  scale_error_t *e = scale_chain_run_view(ch, b.data, b.len, NULL, NULL, take_view, &v);
  CHECK(!e && v.calls == 1);
  scale_bytes_t res = {NULL, 0};
  scale_error_t *e2 = scale_chain_run(ch, b.data, b.len, NULL, NULL, &res);
  CHECK(!e2 && res.len == v.len && v.copy && memcmp(res.data, v.copy, res.len) == 0);
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, v.copy, v.len);
  const char *str;
  size_t n;
  CHECK(scale_pg_get_string(&r, v.len, &str, &n) == SCALE_PG_OK && n == 7 &&
        memcmp(str, "viewabc", 7) == 0);
  scale_bytes_free(&res);
  scale_error_delete(e);
  scale_error_delete(e2);
  /* The callback's error is the call's; the instance still goes back clean. */
  v.fail = "consumer refused";
  e = scale_chain_run_view(ch, b.data, b.len, NULL, NULL, take_view, &v);
  CHECK(e && strcmp(scale_error_message(e), "consumer refused") == 0 && v.calls == 2);
  scale_error_delete(e);
  v.fail = NULL;
  expect_data(ch, "again", NULL, NULL, "againabc");
  /* A guest error never reaches the callback. */
  e = scale_chain_run_view(ch, b.data, b.len, next_error, NULL, take_view, &v);
  CHECK(e && scale_error_kind(e) == SCALE_ERROR_GUEST && v.calls == 2);
  scale_error_delete(e);
  e = scale_chain_run_view(ch, b.data, b.len, NULL, NULL, NULL, NULL);
  CHECK(e && strstr(scale_error_message(e), "invalid argument") != NULL);
  scale_error_delete(e);
  free(v.copy);
  scale_pg_buf_free(&b);
  scale_chain_delete(ch);
}

/* ---- HTTP signature ------------------------------------------------------ */

static scale_error_t *run_http(scale_chain_t *ch, const scale_http_context_t *in,
                               scale_next_fn_t next, scale_http_context_t *out) {
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  CHECK(scale_http_encode(in, &b));
  scale_bytes_t res = {NULL, 0};
  scale_error_t *e = scale_chain_run(ch, b.data, b.len, next, NULL, &res);
  scale_pg_buf_free(&b);
  if (e) return e;
  const char *err = scale_http_decode(out, res.data, res.len, NULL);
  scale_bytes_free(&res);
  return err ? scale_error_new(err) : NULL;
}

static void make_request(scale_http_context_t *c, const char *uri) {
  scale_http_context_init(c);
  scale_http_set_str(&c->request.uri, uri);
  scale_http_set_str(&c->request.method, "GET");
  c->request.content_length = 5;
  scale_http_set_str(&c->request.protocol, "HTTP/1.1");
  scale_http_set_str(&c->request.ip, "127.0.0.1");
  scale_http_set_str(&c->request.body, "hello");
  scale_http_header_add(&c->request.headers, "accept", 6, "text/html", 9);
  scale_http_header_add(&c->request.headers, "accept", 6, "*/*", 3);
  scale_http_header_add(&c->request.headers, "host", 4, "example.com", 11);
  c->response.status_code = 200;
}

static scale_error_t *http_host_next(void *env, const uint8_t *in, size_t len, scale_bytes_t *out) {
  (void)env;
  scale_http_context_t c;
  scale_http_context_init(&c);
  const char *err = scale_http_decode(&c, in, len, NULL);
  if (err) return scale_error_new(err);
  scale_http_set_str(&c.response.body, "from host");
  c.response.status_code = 202;
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_http_encode(&c, &b);
  scale_http_context_free(&c);
  out->data = b.data;
  out->len = b.len;
  return NULL;
}

static bool bytes_is(const scale_http_bytes_t *b, const char *s) {
  return b->len == strlen(s) && (b->len == 0 || memcmp(b->data, s, b->len) == 0);
}

static void test_http(void) {
  scale_http_context_t in, out;
  make_request(&in, "/hello");
  scale_http_context_init(&out);

  /* Encoding: known bytes for a tiny context (upstream layout, nil-free maps). */
  scale_http_context_t tiny;
  scale_http_context_init(&tiny);
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  scale_http_encode(&tiny, &b);
  static const uint8_t want[] = {0x05, 0x0a, 0x00, 0x05, 0x0a, 0x00, 0x0d, 0x00, 0x05, 0x0a, 0x00,
                                 0x05, 0x0a, 0x00, 0x04, 0x0a, 0x00, 0x02, 0x05, 0x03, 0x0a, 0x00,
                                 0x0c, 0x00, 0x04, 0x0a, 0x00, 0x02, 0x05, 0x03, 0x0a, 0x00};
  CHECK(b.len == sizeof want && memcmp(b.data, want, sizeof want) == 0);
  scale_pg_buf_free(&b);

  scale_chain_t *ch = chain1("http_passthrough");
  scale_error_t *e = run_http(ch, &in, NULL, &out);
  CHECK(!e);
  CHECK(bytes_is(&out.request.uri, "/hello") && bytes_is(&out.request.method, "GET"));
  CHECK(out.request.content_length == 5 && bytes_is(&out.request.body, "hello"));
  CHECK(bytes_is(&out.request.protocol, "HTTP/1.1") && bytes_is(&out.request.ip, "127.0.0.1"));
  scale_http_header_t *h = scale_http_header_find(&out.request.headers, "accept", 6);
  CHECK(h && h->value_count == 2 && bytes_is(&h->values[1], "*/*"));
  CHECK(out.response.status_code == 200);
  scale_error_delete(e);
  scale_chain_delete(ch);

  ch = chain1("http_handler");
  e = run_http(ch, &in, NULL, &out);
  CHECK(!e);
  CHECK(out.response.status_code == 201 && bytes_is(&out.response.body, "GET /hello 5"));
  h = scale_http_header_find(&out.response.headers, "x-accept-count", 14);
  CHECK(h && h->value_count == 1 && bytes_is(&h->values[0], "2"));
  scale_error_delete(e);

  scale_http_context_free(&in);
  make_request(&in, "/next");
  e = run_http(ch, &in, http_host_next, &out);
  CHECK(!e);
  CHECK(out.response.status_code == 202 && bytes_is(&out.response.body, "from host"));
  CHECK(scale_http_header_find(&out.response.headers, "x-after-next", 12) != NULL);
  scale_error_delete(e);
  e = run_http(ch, &in, next_error, &out);
  CHECK(e && scale_error_kind(e) == SCALE_ERROR_GUEST &&
        strstr(scale_error_message(e), "next error"));
  scale_error_delete(e);

  scale_http_context_free(&in);
  make_request(&in, "/fail");
  e = run_http(ch, &in, NULL, &out);
  CHECK(e && strstr(scale_error_message(e), "guest error: handler refused"));
  scale_error_delete(e);
  scale_chain_delete(ch);

  /* Strict decoding: truncated and wrong-kind input are refused, never half-read. */
  scale_pg_buf_init(&b);
  scale_http_encode(&in, &b);
  for (size_t cut = 0; cut < b.len; cut += 3)
    CHECK(scale_http_decode(&out, b.data, cut, NULL) != NULL && out.request.uri.data == NULL);
  scale_http_limits_t lim = {0, 0, 1, 0};
  CHECK(scale_http_decode(&out, b.data, b.len, &lim) != NULL);
  scale_pg_buf_free(&b);
  scale_http_context_free(&in);
  scale_http_context_free(&out);
}

/* ---- threads -------------------------------------------------------------- */

typedef struct {
  scale_chain_t *chain;
  int id;
  int ok;
} worker_t;

static void *worker(void *arg) {
  worker_t *w = arg;
  for (int i = 0; i < 500; i++) {
    char in[64], want[80];
    snprintf(in, sizeof in, "t%d-%d", w->id, i);
    snprintf(want, sizeof want, "%sabc", in);
    char *got = NULL;
    scale_error_t *e = run_data(w->chain, in, NULL, NULL, &got);
    if (!e && got && strcmp(got, want) == 0) w->ok++;
    free(got);
    scale_error_delete(e);
  }
  return NULL;
}

static void test_threads(void) {
  const char *names[3] = {"marker_a", "marker_b", "marker_c"};
  scale_chain_t *ch = chain_of(names, 3, NULL);
  worker_t w[2] = {{ch, 0, 0}, {ch, 1, 0}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, worker, &w[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  CHECK(w[0].ok == 500 && w[1].ok == 500);
  if (w[0].ok + w[1].ok != 1000) fprintf(stderr, "threads: %d + %d ok\n", w[0].ok, w[1].ok);
  scale_chain_delete(ch);
}

/* ---- limits ---------------------------------------------------------------- */

static void test_limits(void) {
  scale_chain_config_t cfg;
  scale_chain_config_default(&cfg);
  cfg.deadline_ns = 50 * 1000 * 1000;
  const char *name = "loop";
  scale_chain_t *ch = chain_of(&name, 1, &cfg);
  expect_error(ch, "go", NULL, NULL, SCALE_ERROR_LIMIT,
               "function 'loop:latest': deadline exceeded");
  expect_data(ch, "stop", NULL, NULL, "stopped");
  expect_error(ch, "go", NULL, NULL, SCALE_ERROR_LIMIT, "deadline exceeded");
  expect_data(ch, "stop", NULL, NULL, "stopped");
  scale_chain_delete(ch);

  /* A deadline covers the whole chain: a looping callee stops its caller too. */
  const char *two[2] = {"next", "loop"};
  ch = chain_of(two, 2, &cfg);
  expect_error(ch, "go", NULL, NULL, SCALE_ERROR_LIMIT, "deadline exceeded");
  expect_data(ch, "stop", NULL, NULL, "stopped");
  scale_chain_delete(ch);

  scale_chain_config_default(&cfg);
  cfg.fuel = 2000000;
  ch = chain_of(&name, 1, &cfg);
  expect_error(ch, "go", NULL, NULL, SCALE_ERROR_LIMIT, "function 'loop:latest': fuel exhausted");
  expect_data(ch, "stop", NULL, NULL, "stopped");
  scale_chain_delete(ch);

  /* Memory cap: a context too large for the capped memory is refused; small ones pass. */
  scale_chain_config_default(&cfg);
  cfg.max_memory_pages = 24; /* guests start with 16 pages (1 MiB) */
  name = "passthrough";
  ch = chain_of(&name, 1, &cfg);
  char *big = malloc(2 << 20);
  memset(big, 'x', (2 << 20) - 1);
  big[(2 << 20) - 1] = '\0';
  expect_error(ch, big, NULL, NULL, SCALE_ERROR_LIMIT, "memory limit exceeded");
  expect_data(ch, "small", NULL, NULL, "small");
  free(big);
  scale_chain_delete(ch);

  /* Output cap. */
  scale_chain_config_default(&cfg);
  cfg.max_bytes = 16;
  ch = chain_of(&name, 1, &cfg);
  expect_data(ch, "short", NULL, NULL, "short");
  scale_bytes_t res = {NULL, 0};
  uint8_t in[32] = {0x05, 0x0a, 20};
  scale_error_t *e = scale_chain_run(ch, in, 23, NULL, NULL, &res);
  CHECK(e && strstr(scale_error_message(e), "over the limit"));
  scale_error_delete(e);
  scale_chain_delete(ch);
}

/* ---- pages a small call writes ------------------------------------------ */

static scale_trap_t *no_next(void *env, scale_caller_t *caller, const scale_val_t *args,
                             size_t nargs, scale_val_t *res, size_t nres) {
  (void)env, (void)caller, (void)args, (void)nargs, (void)res, (void)nres;
  return scale_trap_new("no next in this test");
}

/* A pool of @p fn's instances, initialised as a chain's are; a trap comes back as an error. */
static scale_error_t *function_pool(scale_function_t *fn, scale_linker_t **lk,
                                    scale_pool_t **pool) {
  *lk = scale_linker_new(engine);
  scale_valkind_t p[2] = {SCALE_I32, SCALE_I32};
  scale_functype_t *ft = scale_functype_new(p, 2, NULL, 0);
  CHECK(!scale_linker_define_func(*lk, "env", "next", ft, no_next, NULL));
  scale_functype_delete(ft);
  scale_pool_config_t pc;
  scale_pool_config_default(&pc);
  pc.init_fn = scale_function_init_instance;
  pc.init_env = fn;
  scale_trap_t *trap = NULL;
  scale_error_t *e = scale_pool_new(*lk, scale_function_module(fn), &pc, pool, &trap);
  if (trap) {
    e = scale_error_new(scale_trap_message(trap));
    scale_trap_delete(trap);
  }
  return e;
}

/* The chain's initialisation, public: the same errors reach a pool of one's own. */
static void test_init_instance(void) {
  scale_function_t *fn = load("initfail");
  scale_linker_t *lk = NULL;
  scale_pool_t *pool = NULL;
  scale_error_t *e = function_pool(fn, &lk, &pool);
  CHECK(e && scale_error_kind(e) == SCALE_ERROR_GUEST &&
        strstr(scale_error_message(e),
               "function 'initfail:latest': initialize: guest error: init refused"));
  CHECK(!pool);
  scale_error_delete(e);
  scale_linker_delete(lk);
  scale_function_delete(fn);
  e = scale_function_init_instance(NULL, NULL, NULL, NULL);
  CHECK(e && strstr(scale_error_message(e), "NULL"));
  scale_error_delete(e);
}

/* resize + write + run on a lease; whether run returned @p in unchanged. */
static bool passes_through(scale_lease_t *l, const scale_pg_buf_t *in) {
  scale_instance_t *inst = scale_lease_instance(l);
  scale_store_t *st = scale_lease_store(l);
  scale_extern_t resize, run, mem;
  if (!scale_instance_export(inst, "resize", &resize) ||
      !scale_instance_export(inst, "run", &run) || !scale_instance_export(inst, "memory", &mem))
    return false;
  scale_raw_t slot = in->len;
  scale_trap_t *t = scale_func_call_raw(st, resize.of.func, &slot);
  if (t || (uint32_t)slot + in->len > scale_memory_size(mem.of.memory)) {
    scale_trap_delete(t);
    return false;
  }
  uint8_t *data = scale_memory_data(mem.of.memory);
  memcpy(data + (uint32_t)slot, in->data, in->len);
  if ((t = scale_func_call_raw(st, run.of.func, &slot))) {
    scale_trap_delete(t);
    return false;
  }
  uint32_t ptr = (uint32_t)(slot >> 32), n = (uint32_t)slot;
  return n == in->len && (uint64_t)ptr + n <= scale_memory_size(mem.of.memory) &&
         memcmp(data + ptr, in->data, n) == 0;
}

/*
 * A small call writes one 4 KiB host page: the layout scale build links
 * (the stack's top 1 KiB in the statics' page) and the SDK's buffers,
 * reserved in initialize right after the statics. A reset copies back
 * every page any call wrote, so a second page would cost every later call
 * of the function; this catches a layout or SDK change that brings it back.
 */
static void test_small_call_pages(void) {
  scale_http_context_t req;
  make_request(&req, "/pages");
  scale_pg_buf_t inputs[2];
  scale_pg_buf_init(&inputs[0]);
  scale_pg_put_string(&inputs[0], "0123456789abcdef", 16);
  scale_pg_buf_init(&inputs[1]);
  CHECK(scale_http_encode(&req, &inputs[1]));
  scale_http_context_free(&req);
  const char *names[2] = {"passthrough", "http_passthrough"};
  for (int g = 0; g < 2; g++) {
    scale_function_t *fn = load(names[g]);
    scale_linker_t *lk = NULL;
    scale_pool_t *pool = NULL;
    scale_error_t *e = function_pool(fn, &lk, &pool);
    CHECK(!e);
    scale_error_delete(e);
    for (int call = 0; pool && call < 5; call++) {
      scale_lease_t *l = NULL;
      CHECK(!scale_pool_acquire(pool, &l));
      if (!l) break;
      CHECK(passes_through(l, &inputs[g]));
      scale_extern_t mem;
      CHECK(scale_instance_export(scale_lease_instance(l), "memory", &mem));
      size_t written = scale__memory_tracked_bytes(mem.of.memory);
      if (written != 4096)
        fprintf(stderr, "%s: call %d wrote %zu bytes of pages, want one 4096-byte page\n", names[g],
                call, written);
      CHECK(written == 4096);
      scale_pool_release(pool, l, true);
    }
    scale_pool_delete(pool);
    scale_linker_delete(lk);
    scale_function_delete(fn);
  }
  scale_pg_buf_free(&inputs[0]);
  scale_pg_buf_free(&inputs[1]);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: function_test <guest dir> <interp|aot>\n");
    return 2;
  }
  dir = argv[1];
  scale_config_t cfg;
  scale_config_default(&cfg);
  aot = strcmp(argv[2], "aot") == 0;
  cfg.tier = aot ? SCALE_TIER_AOT : SCALE_TIER_INTERP;
  cfg.aot_opt = 1;
  scale_error_t *e = scale_engine_new(&cfg, &engine);
  if (e) {
    fprintf(stderr, "engine: %s\n", scale_error_message(e));
    return 2;
  }
  test_load_errors();
  test_data_signature();
  test_sandbox();
  test_scalefile();
  test_chain3();
  test_run_view();
  test_http();
  test_small_call_pages();
  test_init_instance();
  test_threads();
  test_limits();
  scale_engine_delete(engine);
  printf("function (%s): %d passed, %d failed\n", argv[2], atomic_load(&passed),
         atomic_load(&failed));
  return atomic_load(&failed) ? 1 : 0;
}
