/*
 * The generated guest code in a real function: tests/codegen/guest.c built
 * with the C SDK for wasm32 (freestanding and WASI), run through the
 * function runtime on model_with_all_field_types.bin. The host's next
 * callback decodes what the guest sent with the generated host code, and
 * the result is checked with the runtime codec.
 *
 * usage: codegen_guest_test GUEST_DIR VECTOR_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "scale.h"
#include "scale/function.h"
#include "scale/signature.h"
#include "sig_host.h"

/* The host's next: the guest's changes must have arrived; append "host". */
static scale_error_t *next(void *env, const uint8_t *in, size_t len, scale_bytes_t *out) {
  (void)env;
  sig_model_with_all_field_types_t *v = NULL;
  sig_error_t err;
  if (!sig_model_with_all_field_types_decode_bytes(in, len, &v, &err))
    return scale_error_new(err.msg);
  CHECK(v && v->int32_field == 43);
  CHECK(v && v->string_array_field.count == 3 &&
        memcmp(v->string_array_field.items[2].data, "guest", 5) == 0);
  CHECK(v && v->int64_map_field.count == 2 && v->int64_map_field.keys[0] == -1);
  if (v) CHECK(sig_model_with_all_field_types_string_array_field_append(v, "host", 4, &err));
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  CHECK(sig_model_with_all_field_types_encode(v, &b));
  sig_model_with_all_field_types_free(v);
  out->data = b.data;
  out->len = b.len;
  return NULL;
}

static void run(scale_engine_t *engine, const char *dir, const char *wasm,
                const scale_signature_t *sig, const uint8_t *in, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, wasm);
  scale_function_t *fn = NULL;
  scale_error_t *e = scale_function_load(engine, path, NULL, &fn);
  if (e) {
    fprintf(stderr, "%s: %s\n", path, scale_error_message(e));
    exit(2);
  }
  scale_chain_t *ch = NULL;
  e = scale_chain_new(&fn, 1, NULL, &ch);
  scale_function_delete(fn);
  if (e) {
    fprintf(stderr, "chain: %s\n", scale_error_message(e));
    exit(2);
  }
  const scale_sigmodel_t *m = scale_signature_context(sig);
  scale_bytes_t out = {0};
  e = scale_chain_run(ch, in, len, next, NULL, &out);
  CHECK(e == NULL);
  if (e) fprintf(stderr, "%s: %s\n", wasm, scale_error_message(e));
  scale_error_delete(e);
  scale_sigvalue_t *v = NULL;
  e = scale_signature_decode(m, out.data, out.len, &v, NULL);
  CHECK(e == NULL);
  scale_error_delete(e);
  scale_sigscalar_t s;
  size_t count = 0;
  CHECK(v && scale_sigvalue_get(v, "Uint32Field", &s) == NULL && s.as.u == 4);
  CHECK(v && scale_sigvalue_count(v, "StringArrayField", &count) == NULL && count == 4);
  CHECK(v && scale_sigvalue_get(v, "Int32Field", &s) == NULL && s.as.i == 43);
  scale_sigvalue_delete(v);
  scale_bytes_free(&out);

  /* Int32Field 13: the guest's error comes back as a guest error. */
  sig_model_with_all_field_types_t *g = NULL;
  sig_error_t err;
  CHECK(sig_model_with_all_field_types_decode_bytes(in, len, &g, &err));
  g->int32_field = 13;
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  CHECK(sig_model_with_all_field_types_encode(g, &b));
  e = scale_chain_run(ch, b.data, b.len, next, NULL, &out);
  CHECK(e != NULL && strstr(scale_error_message(e), "unlucky") != NULL);
  scale_error_delete(e);
  scale_pg_buf_free(&b);
  sig_model_with_all_field_types_free(g);
  scale_chain_delete(ch);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: codegen_guest_test GUEST_DIR VECTOR_DIR\n");
    return 2;
  }
  scale_signature_t *sig = NULL;
  char path[4096];
  snprintf(path, sizeof path, "%s/schema.hcl", argv[2]);
  scale_error_t *e = scale_signature_load(path, &sig);
  if (e) {
    fprintf(stderr, "%s\n", scale_error_message(e));
    return 2;
  }
  size_t len;
  uint8_t *in = check_read_file(argv[2], "model_with_all_field_types.bin", &len);
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.tier = SCALE_TIER_INTERP;
  scale_engine_t *engine = NULL;
  e = scale_engine_new(&cfg, &engine);
  if (e) {
    fprintf(stderr, "engine: %s\n", scale_error_message(e));
    return 2;
  }
  run(engine, argv[1], "codegen_guest_free.wasm", sig, in, len);
  run(engine, argv[1], "codegen_guest_wasi.wasm", sig, in, len);
  scale_engine_delete(engine);
  free(in);
  scale_signature_delete(sig);
  printf("codegen guest: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
