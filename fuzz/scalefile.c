/*
 * libFuzzer target for `.scale` decoding. The first input byte picks the
 * mode: odd = decode the rest as is; even = treat the rest as a file body
 * and append a correct size + SHA-256 trailer first, so the fuzzer gets
 * past the checksum into the field parsers. A file that decodes must
 * re-encode (v1beta, with its names valid) and decode again to the same
 * fields; any mismatch aborts.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale/polyglot.h"
#include "scale/scalefile.h"

#define FAIL(msg)                                                                                  \
  do {                                                                                             \
    fprintf(stderr, "fuzz_scalefile: %s\n", msg);                                                  \
    abort();                                                                                       \
  } while (0)

static bool str_eq(const char *a, const char *b) {
  return strcmp(a, b) == 0;
}
static bool mem_eq(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static void check_same(const scale_scalefile_t *a, const scale_scalefile_t *b) {
  if (!str_eq(a->name, b->name) || !str_eq(a->tag, b->tag) ||
      !str_eq(a->signature_name, b->signature_name) ||
      !str_eq(a->signature_organization, b->signature_organization) ||
      !str_eq(a->signature_tag, b->signature_tag) ||
      !str_eq(a->signature_hash, b->signature_hash) || !str_eq(a->language, b->language) ||
      a->stateless != b->stateless || a->extension_count != b->extension_count ||
      !mem_eq(a->signature_schema, a->signature_schema_len, b->signature_schema,
              b->signature_schema_len) ||
      !mem_eq(a->manifest, a->manifest_len, b->manifest, b->manifest_len) ||
      !mem_eq(a->function, a->function_len, b->function, b->function_len))
    FAIL("round trip changed a field");
  for (size_t i = 0; i < a->extension_count; i++) {
    const scale_scalefile_extension_t *x = &a->extensions[i], *y = &b->extensions[i];
    if (!str_eq(x->name, y->name) || !str_eq(x->organization, y->organization) ||
        !str_eq(x->tag, y->tag) || !str_eq(x->hash, y->hash) ||
        !mem_eq(x->schema, x->schema_len, y->schema, y->schema_len))
      FAIL("round trip changed an extension");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const uint8_t *in = data + 1;
  size_t len = size - 1;
  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  if (!(data[0] & 1)) {
    /* body + a correct trailer */
    if (!scale_pg_buf_reserve(&b, len + 80)) return 0;
    if (len) memcpy(b.data, in, len);
    b.len = len;
    unsigned char md[32];
    unsigned n;
    char hex[65];
    EVP_Digest(len ? in : (const uint8_t *)"", len, md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
      snprintf(hex + 2 * i, 3, "%02x", md[i]);
    scale_pg_put_u32(&b, (uint32_t)len);
    scale_pg_put_string(&b, hex, 64);
    in = b.data;
    len = b.len;
  }
  scale_scalefile_t *sf = NULL;
  scale_error_t *err = scale_scalefile_decode(in, len, &sf);
  if (err) {
    if (sf) FAIL("error with a result");
    if (strncmp(scale_error_message(err), "scale file: ", 12) != 0) FAIL("unprefixed error");
    scale_error_delete(err);
  } else {
    if (!sf) FAIL("success without a result");
    uint8_t *out;
    size_t out_len;
    err = scale_scalefile_encode(sf, &out, &out_len);
    if (err) {
      /* only older layouts may lack what v1beta requires (signature names) */
      if (sf->layout == SCALE_SCALEFILE_V1BETA) FAIL("a decoded v1beta file does not encode");
      scale_error_delete(err);
    } else {
      /* not byte-equal in general: non-minimal varints and bool bytes
       * other than 0/1 are accepted on read, never written */
      scale_scalefile_t *again = NULL;
      err = scale_scalefile_decode(out, out_len, &again);
      if (err || !again) FAIL("re-encoded file does not decode");
      check_same(sf, again);
      scale_scalefile_delete(again);
      free(out);
    }
    scale_scalefile_delete(sf);
  }
  scale_pg_buf_free(&b);
  return 0;
}
