/*
 * Signature tests: schema.hcl parses; every upstream model vector decodes
 * to the documented values and re-encodes to the same bytes; the canonical
 * text round-trips; malformed schemas fail with exact file:line:col
 * messages; validators hold on decode and in setters; JSON round-trips.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/check.h"
#include "scale.h"

static const char *dir;
static scale_signature_t *sig;

static const scale_sigmodel_t *model(const char *name) {
  const scale_sigmodel_t *m = scale_signature_model(sig, name);
  if (!m) {
    fprintf(stderr, "no model %s\n", name);
    exit(2);
  }
  return m;
}

/* Decode a vector file as `name`; checks the re-encoding is identical. */
static scale_sigvalue_t *decode_file(const char *file, const char *name, bool *is_nil) {
  size_t len;
  uint8_t *bytes = check_read_file(dir, file, &len);
  const scale_sigmodel_t *m = model(name);
  scale_sigvalue_t *v = NULL;
  scale_error_t *e = scale_signature_decode(m, bytes, len, &v, NULL);
  if (e) {
    fprintf(stderr, "%s: %s\n", file, scale_error_message(e));
    CHECK(!"decode failed");
    scale_error_delete(e);
    free(bytes);
    return NULL;
  }
  *is_nil = v == NULL;
  uint8_t *out;
  size_t out_len;
  e = scale_signature_encode(m, v, &out, &out_len);
  CHECK(e == NULL);
  CHECK(out_len == len && (len == 0 || memcmp(out, bytes, len) == 0));
  if (out_len != len || (len && memcmp(out, bytes, len) != 0))
    fprintf(stderr, "%s: re-encoding differs (%zu vs %zu bytes)\n", file, out_len, len);
  free(out);
  free(bytes);
  return v;
}

static scale_sigscalar_t get(const scale_sigvalue_t *v, const char *f) {
  scale_sigscalar_t s;
  memset(&s, 0, sizeof s);
  scale_error_t *e = scale_sigvalue_get(v, f, &s);
  if (e) {
    fprintf(stderr, "get %s: %s\n", f, scale_error_message(e));
    scale_error_delete(e);
    CHECK(!"get failed");
  }
  return s;
}

static bool str_is(scale_sigscalar_t s, const char *want) {
  return s.as.bytes.len == strlen(want) && memcmp(s.as.bytes.data, want, s.as.bytes.len) == 0;
}

static scale_sigscalar_t elem(const scale_sigvalue_t *v, const char *f, size_t i) {
  scale_sigscalar_t s;
  memset(&s, 0, sizeof s);
  scale_error_t *e = scale_sigvalue_elem(v, f, i, &s);
  CHECK(e == NULL);
  scale_error_delete(e);
  return s;
}

static size_t count(const scale_sigvalue_t *v, const char *f) {
  size_t n = 999;
  scale_error_t *e = scale_sigvalue_count(v, f, &n);
  CHECK(e == NULL);
  scale_error_delete(e);
  return n;
}

static void entry(const scale_sigvalue_t *v, const char *f, size_t i, scale_sigscalar_t *k,
                  scale_sigscalar_t *val) {
  scale_error_t *e = scale_sigvalue_entry(v, f, i, k, val);
  CHECK(e == NULL);
  scale_error_delete(e);
}

static void check_all_types(const scale_sigvalue_t *v) {
  scale_sigscalar_t k, x;
  CHECK(str_is(get(v, "StringField"), "hello world"));
  CHECK(count(v, "StringArrayField") == 2);
  CHECK(str_is(elem(v, "StringArrayField", 0), "hello"));
  CHECK(str_is(elem(v, "StringArrayField", 1), "world"));
  CHECK(count(v, "StringMapField") == 1);
  entry(v, "StringMapField", 0, &k, &x);
  CHECK(str_is(k, "hello") && str_is(x, "world"));
  CHECK(count(v, "StringMapFieldEmbedded") == 1);
  entry(v, "StringMapFieldEmbedded", 0, &k, &x);
  CHECK(str_is(k, "hello") && x.type == SCALE_SIGTYPE_MODEL && x.as.model != NULL);
  CHECK(get(v, "Int32Field").as.i == 42);
  CHECK(count(v, "Int32ArrayField") == 2);
  CHECK(elem(v, "Int32ArrayField", 0).as.i == 42 && elem(v, "Int32ArrayField", 1).as.i == 84);
  entry(v, "Int32MapField", 0, &k, &x);
  CHECK(count(v, "Int32MapField") == 1 && k.as.i == 42 && x.as.i == 84);
  entry(v, "Int32MapFieldEmbedded", 0, &k, &x);
  CHECK(k.as.i == 42 && x.as.model != NULL);
  CHECK(get(v, "Int64Field").as.i == 100);
  CHECK(elem(v, "Int64ArrayField", 0).as.i == 100 && elem(v, "Int64ArrayField", 1).as.i == 200);
  entry(v, "Int64MapField", 0, &k, &x);
  CHECK(k.as.i == 100 && x.as.i == 200);
  entry(v, "Int64MapFieldEmbedded", 0, &k, &x);
  CHECK(k.as.i == 100 && x.as.model != NULL);
  CHECK(get(v, "Uint32Field").as.u == 42);
  CHECK(elem(v, "Uint32ArrayField", 0).as.u == 42 && elem(v, "Uint32ArrayField", 1).as.u == 84);
  entry(v, "Uint32MapField", 0, &k, &x);
  CHECK(k.as.u == 42 && x.as.u == 84);
  entry(v, "Uint32MapFieldEmbedded", 0, &k, &x);
  CHECK(k.as.u == 42 && x.as.model != NULL);
  CHECK(get(v, "Uint64Field").as.u == 100);
  CHECK(elem(v, "Uint64ArrayField", 0).as.u == 100 && elem(v, "Uint64ArrayField", 1).as.u == 200);
  entry(v, "Uint64MapField", 0, &k, &x);
  CHECK(k.as.u == 100 && x.as.u == 200);
  entry(v, "Uint64MapFieldEmbedded", 0, &k, &x);
  CHECK(k.as.u == 100 && x.as.model != NULL);
  CHECK(get(v, "Float32Field").as.f == 42.0);
  CHECK(elem(v, "Float32ArrayField", 0).as.f == 42.0 &&
        elem(v, "Float32ArrayField", 1).as.f == 84.0);
  CHECK(get(v, "Float64Field").as.f == 100.0);
  CHECK(elem(v, "Float64ArrayField", 0).as.f == 100.0 &&
        elem(v, "Float64ArrayField", 1).as.f == 200.0);
  CHECK(get(v, "BoolField").as.b == false);
  CHECK(count(v, "BoolArrayField") == 2);
  CHECK(elem(v, "BoolArrayField", 0).as.b == true && elem(v, "BoolArrayField", 1).as.b == false);
  scale_sigscalar_t b = get(v, "BytesField");
  CHECK(b.as.bytes.len == 2 && memcmp(b.as.bytes.data, "\x2a\x54", 2) == 0);
  CHECK(count(v, "BytesArrayField") == 2);
  CHECK(memcmp(elem(v, "BytesArrayField", 0).as.bytes.data, "\x2a\x54", 2) == 0);
  CHECK(memcmp(elem(v, "BytesArrayField", 1).as.bytes.data, "\x54\x2a", 2) == 0);
  CHECK(get(v, "EnumField").as.u == 1);
  CHECK(elem(v, "EnumArrayField", 0).as.u == 0 && elem(v, "EnumArrayField", 1).as.u == 1);
  entry(v, "EnumMapField", 0, &k, &x);
  CHECK(k.as.u == 0 && str_is(x, "hello world"));
  entry(v, "EnumMapFieldEmbedded", 0, &k, &x);
  CHECK(k.as.u == 0 && x.as.model != NULL);
  CHECK(get(v, "ModelField").as.model != NULL);
  CHECK(count(v, "ModelArrayField") == 2);
}

static void test_vectors(void) {
  static const struct {
    const char *file, *model;
  } files[] = {
      {"nil_model.bin", "EmptyModel"},
      {"empty_model.bin", "EmptyModel"},
      {"empty_model_with_description.bin", "EmptyModelWithDescription"},
      {"model_with_single_string_field.bin", "ModelWithSingleStringField"},
      {"model_with_single_string_field_and_description.bin",
       "ModelWithSingleStringFieldAndDescription"},
      {"model_with_single_int32_field.bin", "ModelWithSingleInt32Field"},
      {"model_with_single_int32_field_and_description.bin",
       "ModelWithSingleInt32FieldAndDescription"},
      {"model_with_multiple_fields.bin", "ModelWithMultipleFields"},
      {"model_with_multiple_fields_and_description.bin", "ModelWithMultipleFieldsAndDescription"},
      {"model_with_enum.bin", "ModelWithEnum"},
      {"model_with_enum_and_description.bin", "ModelWithEnumAndDescription"},
      {"model_with_enum_accessor.bin", "ModelWithEnumAccessor"},
      {"model_with_enum_accessor_and_description.bin", "ModelWithEnumAccessorAndDescription"},
      {"model_with_multiple_fields_accessor.bin", "ModelWithMultipleFieldsAccessor"},
      {"model_with_multiple_fields_accessor_and_description.bin",
       "ModelWithMultipleFieldsAccessorAndDescription"},
      {"model_with_embedded_models.bin", "ModelWithEmbeddedModels"},
      {"model_with_embedded_models_and_description.bin", "ModelWithEmbeddedModelsAndDescription"},
      {"model_with_embedded_models_accessor.bin", "ModelWithEmbeddedModelsAccessor"},
      {"model_with_embedded_models_accessor_and_description.bin",
       "ModelWithEmbeddedModelsAccessorAndDescription"},
      {"model_with_all_field_types.bin", "ModelWithAllFieldTypes"},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    bool nil = false;
    scale_sigvalue_t *v = decode_file(files[i].file, files[i].model, &nil);
    const char *f = files[i].file;
    if (strcmp(f, "nil_model.bin") == 0) {
      CHECK(nil);
    } else {
      CHECK(v != NULL);
    }
    if (!v) continue;
    const char *m = files[i].model;
    if (strstr(f, "single_string") || (strstr(f, "multiple") && !strstr(f, "fields_accessor.bin")))
      CHECK(str_is(get(v, "StringField"), "hello world"));
    if (strstr(f, "int32") || strstr(f, "multiple")) CHECK(get(v, "Int32Field").as.i == 42);
    if (strstr(f, "enum")) CHECK(get(v, "EnumField").as.u == 1);
    if (strcmp(m, "ModelWithMultipleFieldsAccessor") == 0)
      CHECK(str_is(get(v, "StringField"), "HELLO"));
    if (strstr(f, "embedded")) {
      CHECK(get(v, "EmbeddedEmptyModel").as.model != NULL);
      CHECK(count(v, "EmbeddedModelArrayWithMultipleFieldsAccessor") == 1);
      scale_sigscalar_t e = elem(v, "EmbeddedModelArrayWithMultipleFieldsAccessor", 0);
      CHECK(e.as.model && str_is(get(e.as.model, "StringField"), "HELLO"));
      CHECK(e.as.model && get(e.as.model, "Int32Field").as.i == 42);
    }
    if (strcmp(m, "ModelWithAllFieldTypes") == 0) check_all_types(v);
    scale_sigvalue_delete(v);
  }
}

static void expect_parse_error(const char *text, const char *want) {
  scale_signature_t *s = NULL;
  scale_error_t *e = scale_signature_parse(text, strlen(text), "schema.hcl", &s);
  CHECK(e != NULL && s == NULL);
  if (!e) {
    fprintf(stderr, "expected error %s\n", want);
    scale_signature_delete(s);
    return;
  }
  if (strcmp(scale_error_message(e), want) != 0) {
    fprintf(stderr, "want: %s\n got: %s\n", want, scale_error_message(e));
    CHECK(!"wrong message");
  } else {
    CHECK(1);
  }
  scale_error_delete(e);
}

#define HEAD "version = \"v1alpha\"\ncontext = \"M\"\n"

static void test_malformed(void) {
  expect_parse_error(HEAD "model M {\n  strin S {\n    default = \"x\"\n  }\n}\n",
                     "schema.hcl:4:3: unknown field kind \"strin\" in model M");
  expect_parse_error("version = \"v2\"\ncontext = \"M\"\nmodel M {}\n",
                     "schema.hcl:1:11: unknown schema version: v2 (only \"v1alpha\" exists)");
  expect_parse_error(
      "context = \"M\"\nmodel M {}\n",
      "schema.hcl:1:1: missing required attribute \"version\" in the signature (top level)");
  expect_parse_error(HEAD "model N {}\n",
                     "schema.hcl:2:11: unknown context: M (no model of that name)");
  expect_parse_error(HEAD "model M {}\nmodel m {}\n", "schema.hcl:4:7: duplicate model name: M");
  expect_parse_error(
      HEAD
      "model M {\n  string A {\n    default = \"\"\n  }\n  int32 a {\n    default = 1\n  }\n}\n",
      "schema.hcl:7:9: duplicate field name M.A (first declared at line 4)");
  expect_parse_error(HEAD "model M {\n  model X {\n    reference = \"Nope\"\n  }\n}\n",
                     "schema.hcl:5:17: unknown M.X.reference: Nope (no model of that name)");
  expect_parse_error(HEAD "model M {\n  int32 X {\n    default = \"1\"\n  }\n}\n",
                     "schema.hcl:5:15: \"default\" must be a number, not a string");
  expect_parse_error(HEAD "model M {\n  int32 X {\n    default = 3000000000\n  }\n}\n",
                     "schema.hcl:5:15: \"default\" value 3000000000 is out of range for int32");
  expect_parse_error(HEAD "model M {\n  uint32 X {\n    default = 1.5\n  }\n}\n",
                     "schema.hcl:5:15: \"default\" must be a whole number for uint32, not 1.5");
  expect_parse_error(HEAD "enum E {\n  values = [\"A\", \"B\"]\n}\nmodel M {\n  enum X {\n    "
                          "reference = \"E\"\n    default = \"C\"\n  }\n}\n",
                     "schema.hcl:9:15: invalid M.X.default: C is not a value of enum E");
  expect_parse_error(HEAD "enum E {\n  values = [\"A\", \"A\"]\n}\nmodel M {}\n",
                     "schema.hcl:4:18: duplicate value in E: A");
  expect_parse_error(
      HEAD "model M {\n  string S {\n    default = \"x\"\n    accessor = false\n    "
           "length_validator {\n      max = 3\n    }\n  }\n}\n",
      "schema.hcl:6:16: invalid M.S.accessor: cannot be false while using validators or modifiers");
  expect_parse_error(HEAD "model M {\n  int32 S {\n    default = 1\n    regex_validator {\n      "
                          "expression = \"a\"\n    }\n  }\n}\n",
                     "schema.hcl:6:5: regex_validator is not allowed on int32 field M.S");
  expect_parse_error(HEAD "model M {\n  string_array S {\n    initial_size = 0\n    "
                          "length_validator {\n    }\n  }\n}\n",
                     "schema.hcl:6:5: length_validator is not allowed on string_array field M.S "
                     "(validators apply to scalar fields only)");
  expect_parse_error(HEAD "model M {\n  string S {\n    default = \"x\"\n    length_validator {\n  "
                          "    min = 5\n      max = 3\n    }\n  }\n}\n",
                     "schema.hcl:6:5: invalid M.S.length_validator: minimum length cannot be "
                     "greater than maximum");
  expect_parse_error(
      HEAD "model M {\n  string S {\n    default = \"x\"\n    length_validator {\n      max = 0\n  "
           "  }\n  }\n}\n",
      "schema.hcl:7:13: invalid M.S.length_validator: maximum length cannot be zero");
  expect_parse_error(HEAD "model M {\n  string S {\n    default = \"x y\"\n    regex_validator {\n "
                          "     expression = \"^[a-z]*$\"\n    }\n  }\n}\n",
                     "schema.hcl:5:15: invalid M.S.default: \"x y\" does not match the "
                     "regex_validator expression");
  expect_parse_error(HEAD "model M {\n  string S {\n    default = \"x\"\n    regex_validator {\n   "
                          "   expression = \"(\"\n    }\n  }\n}\n",
                     "schema.hcl:7:20: invalid regex_validator expression for M.S: Unmatched ( or "
                     "\\( (POSIX extended syntax)");
  expect_parse_error(
      HEAD "model M {\n  string S {\n    default = \"x\"\n    case_modifier {\n      kind = "
           "\"title\"\n    }\n  }\n}\n",
      "schema.hcl:7:14: invalid M.S.case_modifier: kind must be \"upper\", \"lower\" or \"none\"");
  expect_parse_error(
      HEAD "model M {\n  string_map S {\n    value = \"Nope\"\n  }\n}\n",
      "schema.hcl:4:3: unknown M.S.value: Nope (must be a primitive type or the name of a model)");
  expect_parse_error(HEAD "model M {\n  float32_map S {\n    value = \"string\"\n  }\n}\n",
                     "schema.hcl:4:3: unknown field kind \"float32_map\" in model M");
  expect_parse_error(HEAD "model M {\n  string S {\n  }\n}\n",
                     "schema.hcl:4:3: missing required attribute \"default\" in string field M.S");
  expect_parse_error(
      HEAD "model M-x {}\n",
      "schema.hcl:3:7: invalid model name \"M-x\": names must be letters and digits only");
  expect_parse_error(
      HEAD "model \"my model\" {}\n",
      "schema.hcl:3:7: invalid model name \"my model\": names must be letters and digits only");
  expect_parse_error(
      HEAD "model M {\n  description = \"a\"\n  description = \"b\"\n}\n",
      "schema.hcl:5:3: duplicate attribute \"description\" in model M (first set at line 4)");
  expect_parse_error(HEAD "model M {\n  description = \"unterminated\n}\n",
                     "schema.hcl:4:17: unterminated string");
  expect_parse_error(HEAD "model M {\n  description = \"${var}\"\n}\n",
                     "schema.hcl:4:18: template interpolation is not allowed in a signature (write "
                     "$${ for a literal ${)");
  expect_parse_error(HEAD "model M {\n",
                     "schema.hcl:4:1: unexpected end of file: a block is not closed");
  expect_parse_error(HEAD "/* open comment\nmodel M {}\n", "schema.hcl:3:1: unterminated comment");
  expect_parse_error(HEAD "model M {}\nmodel A B {}\n",
                     "schema.hcl:4:9: a model block takes at most one label");
  expect_parse_error(HEAD "model M {\n  description = foo\n}\n",
                     "schema.hcl:4:17: unexpected identifier \"foo\": expected a string, number, "
                     "bool or list (variables and functions are not allowed in a signature)");
  expect_parse_error(
      HEAD "model M {}\nresource R {}\n",
      "schema.hcl:4:1: unknown block \"resource\" at top level (expected model or enum)");
  expect_parse_error(HEAD "name = \"x\"\nmodel M {}\n",
                     "schema.hcl:3:1: unknown attribute \"name\" at top level (name and tag belong "
                     "in the scalefile)");
  expect_parse_error(HEAD "enum M {\n  values = [\"A\"]\n}\nmodel M {}\n",
                     "schema.hcl:6:1: model M has the same name as an enum");
  expect_parse_error(HEAD "model M { description = \"a\" x = 1 }\n",
                     "schema.hcl:3:29: expected a newline after an attribute, found identifier");
  /* Deep nesting is bounded. */
  char deep[2048] = HEAD;
  for (int i = 0; i < 20; i++)
    strcat(deep, "a {\n");
  expect_parse_error(deep, "schema.hcl:11:3: blocks nested more than 8 deep");
}

static void test_canonical(void) {
  size_t len;
  const char *c = scale_signature_canonical(sig, &len);
  CHECK(strlen(scale_signature_hash(sig)) == 64);
  scale_signature_t *again = NULL;
  scale_error_t *e = scale_signature_parse(c, len, "canonical", &again);
  CHECK(e == NULL);
  if (e) {
    fprintf(stderr, "canonical reparse: %s\n", scale_error_message(e));
    scale_error_delete(e);
    return;
  }
  size_t len2;
  const char *c2 = scale_signature_canonical(again, &len2);
  CHECK(len == len2 && memcmp(c, c2, len) == 0);
  CHECK(strcmp(scale_signature_hash(sig), scale_signature_hash(again)) == 0);
  scale_signature_delete(again);
  /* Layout facts from upstream's gohcl/hclwrite. */
  CHECK(
      strncmp(
          c,
          "version = \"v1alpha\"\ncontext = \"ModelWithAllFieldTypes\"\n\nenum \"GenericEnum\" {\n"
          "  values = [\"FirstValue\", \"SecondValue\", \"DefaultValue\"]\n}\n\nmodel "
          "\"EmptyModel\" {\n"
          "  description = \"\"\n}\nmodel \"EmptyModelWithDescription\" {\n",
          strlen("version = \"v1alpha\"\ncontext = \"ModelWithAllFieldTypes\"\n\nenum "
                 "\"GenericEnum\" {\n"
                 "  values = [\"FirstValue\", \"SecondValue\", \"DefaultValue\"]\n}\n\nmodel "
                 "\"EmptyModel\" {\n"
                 "  description = \"\"\n}\nmodel \"EmptyModelWithDescription\" {\n")) == 0);
  CHECK(strstr(c, "  float32 \"Float32Field\" {\n    default  = 32.31999969482422\n    accessor = "
                  "false\n  }\n"));
  CHECK(strstr(c, "    limit_validator {\n      max = 100\n      min = 0\n    }\n"));
  CHECK(strstr(
      c,
      "  enum \"EnumField\" {\n    default   = \"DefaultValue\"\n    reference = \"GenericEnum\"\n"
      "    accessor  = false\n  }\n"));
  /* Normalisation: lower-case names become TitleCase; same hash as spelled out. */
  const char *a = "version = \"v1alpha\"\ncontext = \"ctx\"\nmodel ctx {\n  string_map m {\n    "
                  "value = \"STRING\"\n  }\n}\n";
  const char *b = "version = \"v1alpha\"\ncontext = \"Ctx\"\n// comment\nmodel \"Ctx\" {\n  "
                  "string_map \"M\" {\n    value    = \"string\"\n    accessor = false\n  }\n}\n";
  scale_signature_t *sa = NULL, *sb = NULL;
  scale_error_t *ea = scale_signature_parse(a, strlen(a), "a", &sa);
  scale_error_t *eb = scale_signature_parse(b, strlen(b), "b", &sb);
  CHECK(!ea && !eb);
  if (sa && sb) CHECK(strcmp(scale_signature_hash(sa), scale_signature_hash(sb)) == 0);
  scale_error_delete(ea);
  scale_error_delete(eb);
  scale_signature_delete(sa);
  scale_signature_delete(sb);
}

static void expect_decode_error(const char *name, const void *bytes, size_t len, const char *want,
                                bool want_guest) {
  scale_sigvalue_t *v = NULL;
  bool guest = !want_guest;
  scale_error_t *e = scale_signature_decode(model(name), bytes, len, &v, &guest);
  CHECK(e != NULL && v == NULL && guest == want_guest);
  if (e && strcmp(scale_error_message(e), want) != 0) {
    fprintf(stderr, "want: %s\n got: %s\n", want, scale_error_message(e));
    CHECK(!"wrong decode message");
  }
  scale_error_delete(e);
  scale_sigvalue_delete(v);
}

static void test_decode_rules(void) {
  /* Validators hold on decode: "hello world" breaks ^[a-zA-Z0-9]*$. */
  expect_decode_error("ModelWithMultipleFieldsAccessor", "\x05\x0a\x0bhello world\x0c\x54", 16,
                      "ModelWithMultipleFieldsAccessor.StringField: value does not match the "
                      "regex_validator expression ^[a-zA-Z0-9]*$",
                      false);
  expect_decode_error(
      "ModelWithMultipleFieldsAccessor", "\x05\x0a\x00\x0c\x54", 5,
      "ModelWithMultipleFieldsAccessor.StringField: length 0 is below the minimum 1", false);
  expect_decode_error("ModelWithMultipleFieldsAccessor", "\x05\x0a\x02OK\x0c\xca\x01", 8,
                      "ModelWithMultipleFieldsAccessor.Int32Field: 101 is above the limit 100",
                      false);
  expect_decode_error(
      "ModelWithEnum", "\x0a\x03", 2,
      "ModelWithEnum.EnumField: invalid enum value 3 (enum GenericEnum has 3 values)", false);
  expect_decode_error("ModelWithSingleInt32Field",
                      "\x06\x05\x0a\x03"
                      "bad",
                      7, "bad", true);
  expect_decode_error("ModelWithSingleInt32Field", "\x0c\x54\x00", 3,
                      "ModelWithSingleInt32Field: 1 trailing bytes after the model at offset 2",
                      false);
  expect_decode_error("ModelWithSingleInt32Field", "\x0d\x54", 2,
                      "ModelWithSingleInt32Field.Int32Field: expected int32, found i64 at offset 0",
                      false);
  /* A nil element in a model array. */
  expect_decode_error(
      "ModelWithEmbeddedModels", "\x01\x03\x0a\x01\x00", 5,
      "nil ModelWithMultipleFieldsAccessor element at offset 4 (not allowed in an array or map)",
      false);
  /* An absent nested model encodes as 00. At the start of a top-level
   * model that reads as a nil model (upstream's ambiguity), which strict
   * decoding reports as trailing bytes instead of silently dropping them. */
  scale_sigvalue_t *v = NULL;
  scale_error_delete(scale_sigvalue_new(model("ModelWithEmbeddedModels"), &v));
  scale_sigscalar_t none = {.type = SCALE_SIGTYPE_MODEL, .as.model = NULL};
  CHECK(v && scale_sigvalue_set(v, "EmbeddedEmptyModel", &none) == NULL);
  uint8_t *out = NULL;
  size_t len = 0;
  scale_error_t *e = scale_signature_encode(model("ModelWithEmbeddedModels"), v, &out, &len);
  CHECK(e == NULL && len == 5 && memcmp(out, "\x00\x01\x03\x0a\x00", 5) == 0);
  scale_error_delete(e);
  free(out);
  scale_sigvalue_delete(v);
  expect_decode_error("ModelWithEmbeddedModels", "\x00\x01\x03\x0a\x00", 5,
                      "ModelWithEmbeddedModels: 4 trailing bytes after the model at offset 1",
                      false);
}

static scale_sigscalar_t sstr(const char *s) {
  scale_sigscalar_t x;
  memset(&x, 0, sizeof x);
  x.type = SCALE_SIGTYPE_STRING;
  x.as.bytes.data = s;
  x.as.bytes.len = strlen(s);
  return x;
}

static void test_setters(void) {
  scale_sigvalue_t *v = NULL;
  scale_error_t *e = scale_sigvalue_new(model("ModelWithMultipleFieldsAccessor"), &v);
  CHECK(e == NULL && v);
  if (!v) return;
  CHECK(str_is(get(v, "StringField"), "DefaultValue"));
  scale_sigscalar_t s = sstr("hello world");
  e = scale_sigvalue_set(v, "StringField", &s);
  CHECK(e != NULL);
  scale_error_delete(e);
  s = sstr("");
  e = scale_sigvalue_set(v, "StringField", &s);
  CHECK(e != NULL);
  scale_error_delete(e);
  CHECK(str_is(get(v, "StringField"), "DefaultValue"));
  s = sstr("hello");
  e = scale_sigvalue_set(v, "StringField", &s);
  CHECK(e == NULL);
  CHECK(str_is(get(v, "StringField"), "HELLO"));
  scale_sigscalar_t n = {.type = SCALE_SIGTYPE_INT32, .as.i = -1};
  e = scale_sigvalue_set(v, "Int32Field", &n);
  CHECK(e != NULL);
  scale_error_delete(e);
  n.as.i = 101;
  e = scale_sigvalue_set(v, "Int32Field", &n);
  CHECK(e != NULL);
  scale_error_delete(e);
  n.as.i = 42;
  e = scale_sigvalue_set(v, "Int32Field", &n);
  CHECK(e == NULL);
  uint8_t *out;
  size_t len;
  e = scale_signature_encode(model("ModelWithMultipleFieldsAccessor"), v, &out, &len);
  CHECK(e == NULL && len == 10 && memcmp(out, "\x05\x0a\x05HELLO\x0c\x54", 10) == 0);
  free(out);
  scale_sigvalue_delete(v);

  /* Defaults as upstream's constructor; maps encode in sorted order. */
  e = scale_sigvalue_new(model("ModelWithAllFieldTypes"), &v);
  CHECK(e == NULL && v);
  if (!v) return;
  CHECK(get(v, "Float32Field").as.f == (double)32.32f && get(v, "BoolField").as.b);
  CHECK(get(v, "EnumField").as.u == 2 && get(v, "ModelField").as.model != NULL);
  scale_sigscalar_t k = {.type = SCALE_SIGTYPE_INT32, .as.i = 7};
  scale_sigscalar_t val = {.type = SCALE_SIGTYPE_INT32, .as.i = 1};
  CHECK(scale_sigvalue_put(v, "Int32MapField", &k, &val) == NULL);
  k.as.i = -3;
  CHECK(scale_sigvalue_put(v, "Int32MapField", &k, &val) == NULL);
  scale_sigscalar_t k0, v0;
  entry(v, "Int32MapField", 0, &k0, &v0);
  CHECK(k0.as.i == -3);
  scale_sigvalue_delete(v);
}

static void test_json(void) {
  bool nil;
  scale_sigvalue_t *v =
      decode_file("model_with_all_field_types.bin", "ModelWithAllFieldTypes", &nil);
  if (!v) return;
  const scale_sigmodel_t *m = model("ModelWithAllFieldTypes");
  char *json = NULL;
  scale_error_t *e = scale_signature_to_json(m, v, &json);
  CHECK(e == NULL && json);
  if (!json) return;
  CHECK(strstr(json, "\"BytesField\":\"KlQ=\""));
  CHECK(strstr(json, "\"EnumMapField\":{\"FirstValue\":\"hello world\"}"));
  CHECK(strstr(json, "\"Int64MapField\":{\"100\":200}"));
  scale_sigvalue_t *back = NULL;
  e = scale_signature_from_json(m, json, strlen(json), &back);
  if (e) fprintf(stderr, "from_json: %s\n", scale_error_message(e));
  CHECK(e == NULL && back);
  scale_error_delete(e);
  uint8_t *a, *b;
  size_t al, bl;
  scale_error_delete(scale_signature_encode(m, v, &a, &al));
  scale_error_delete(scale_signature_encode(m, back, &b, &bl));
  CHECK(al == 303 && al == bl && memcmp(a, b, al) == 0);
  free(a);
  free(b);
  scale_sigvalue_delete(back);
  /* A missing field is named. */
  char *cut = strstr(json, "\"BoolField\":false,");
  CHECK(cut != NULL);
  if (cut) {
    memmove(cut, cut + strlen("\"BoolField\":false,"),
            strlen(cut + strlen("\"BoolField\":false,")) + 1);
    e = scale_signature_from_json(m, json, strlen(json), &back);
    CHECK(e &&
          strcmp(scale_error_message(e), "missing field ModelWithAllFieldTypes.BoolField") == 0);
    scale_error_delete(e);
  }
  free(json);
  scale_sigvalue_delete(v);
  /* 64-bit values survive exactly. */
  const scale_sigmodel_t *mm = model("ModelWithAllFieldTypes");
  scale_sigvalue_t *x = NULL;
  scale_error_delete(scale_sigvalue_new(mm, &x));
  scale_sigscalar_t big = {.type = SCALE_SIGTYPE_UINT64, .as.u = 18446744073709551610ull};
  CHECK(scale_sigvalue_set(x, "Uint64Field", &big) == NULL);
  CHECK(scale_signature_to_json(mm, x, &json) == NULL);
  CHECK(strstr(json, "\"Uint64Field\":18446744073709551610"));
  char *p = strstr(json, "18446744073709551610");
  if (p) {
    /* As a decimal string too. */
    char *j2 = malloc(strlen(json) + 3);
    sprintf(j2, "%.*s\"%s", (int)(p - json), json, "18446744073709551610\"");
    strcat(j2, p + 20);
    scale_sigvalue_t *y = NULL;
    e = scale_signature_from_json(mm, j2, strlen(j2), &y);
    CHECK(e == NULL && y && get(y, "Uint64Field").as.u == 18446744073709551610ull);
    scale_error_delete(e);
    scale_sigvalue_delete(y);
    free(j2);
  }
  free(json);
  scale_sigvalue_delete(x);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: signature_test VECTORS_DIR\n");
    return 2;
  }
  dir = argv[1];
  char path[4096];
  snprintf(path, sizeof path, "%s/schema.hcl", dir);
  scale_error_t *e = scale_signature_load(path, &sig);
  if (e) {
    fprintf(stderr, "%s\n", scale_error_message(e));
    return 2;
  }
  CHECK(strcmp(scale_sigmodel_name(scale_signature_context(sig)), "ModelWithAllFieldTypes") == 0);
  CHECK(scale_signature_model_count(sig) == 19);
  test_vectors();
  test_malformed();
  test_canonical();
  test_decode_rules();
  test_setters();
  test_json();
  scale_signature_delete(sig);
  printf("signature: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
