/*
 * libFuzzer target: decode arbitrary bytes as the upstream all-field-types
 * model of the schema embedded below (every field kind, validators, a
 * self-reference). A decode that succeeds must re-encode to bytes that
 * decode and encode to the same bytes again; JSON out and back must not
 * crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema[] =
    "version = \"v1alpha\"\ncontext = \"All\"\n"
    "enum E {\n values = [\"A\", \"B\", \"C\"]\n}\n"
    "model Empty {}\n"
    "model Small {\n string S {\n default = \"x\"\n regex_validator {\n expression = "
    "\"^[a-z]*$\"\n }\n"
    " length_validator {\n max = 8\n }\n }\n int32 N {\n default = 1\n limit_validator {\n min = "
    "0\n"
    " max = 100\n }\n }\n}\n"
    "model All {\n string s {\n default = \"\"\n }\n string_array sa {\n initial_size = 0\n }\n"
    " string_map sm {\n value = \"string\"\n }\n string_map sme {\n value = \"Empty\"\n }\n"
    " int32 i32 {\n default = 0\n }\n int32_array i32a {\n initial_size = 0\n }\n"
    " int32_map i32m {\n value = \"int32\"\n }\n int64 i64 {\n default = 0\n }\n"
    " int64_map i64m {\n value = \"Small\"\n }\n uint32 u32 {\n default = 0\n }\n"
    " uint32_map u32m {\n value = \"uint32\"\n }\n uint64 u64 {\n default = 0\n }\n"
    " uint64_array u64a {\n initial_size = 0\n }\n float32 f32 {\n default = 0\n }\n"
    " float32_array f32a {\n initial_size = 0\n }\n float64 f64 {\n default = 0\n }\n"
    " float64_array f64a {\n initial_size = 0\n }\n bool b {\n default = false\n }\n"
    " bool_array ba {\n initial_size = 0\n }\n bytes by {\n initial_size = 0\n }\n"
    " bytes_array bya {\n initial_size = 0\n }\n enum e {\n reference = \"E\"\n default = \"A\"\n "
    "}\n"
    " enum_array ea {\n reference = \"E\"\n initial_size = 0\n }\n"
    " enum_map em {\n reference = \"E\"\n value = \"bytes\"\n }\n"
    " model m {\n reference = \"Small\"\n }\n model_array ma {\n reference = \"Small\"\n"
    " initial_size = 0\n }\n model self {\n reference = \"All\"\n }\n}\n";

static scale_signature_t *sig;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!sig) {
    scale_error_t *e = scale_signature_parse(schema, sizeof schema - 1, "model.c", &sig);
    if (e) abort();
  }
  const scale_sigmodel_t *m = scale_signature_context(sig);
  scale_sigvalue_t *v = NULL;
  scale_error_t *e = scale_signature_decode(m, data, size, &v, NULL);
  if (e) {
    scale_error_delete(e);
    return 0;
  }
  uint8_t *a = NULL, *b = NULL;
  size_t al = 0, bl = 0;
  if (scale_signature_encode(m, v, &a, &al)) abort();
  scale_sigvalue_t *w = NULL;
  if (scale_signature_decode(m, a, al, &w, NULL)) abort();
  if (scale_signature_encode(m, w, &b, &bl) || al != bl || memcmp(a, b, al)) abort();
  free(b);
  b = NULL;
  scale_sigvalue_delete(w);
  w = NULL;
  char *json = NULL;
  if (v && !scale_signature_to_json(m, v, &json)) {
    /* Strings with NUL bytes cannot pass through cJSON: skip those. */
    /* JSON cannot carry every decoded value back (strings with NUL bytes,
     * NaN payloads), so this only has to run cleanly. */
    e = scale_signature_from_json(m, json, strlen(json), &w);
    scale_error_delete(e);
  }
  free(json);
  free(a);
  free(b);
  scale_sigvalue_delete(w);
  scale_sigvalue_delete(v);
  return 0;
}
