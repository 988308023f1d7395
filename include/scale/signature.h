/**
 * @file scale/signature.h
 * @brief Signature schemas: the HCL schema language, its canonical hash, and
 * a run-time (table-driven) codec for the models it declares.
 *
 * A signature is a text in the upstream Scale signature DSL (`version =
 * "v1alpha"`, `context = "..."`, `enum` and `model` blocks; see
 * docs/reference/scale.md section 3.1). Parsing checks it completely
 * (syntax, then the same rules upstream applies, plus a few more listed
 * below) and yields an immutable scale_signature_t. From it you get:
 *
 * - the canonical text and its SHA-256 hash, the identity upstream records
 *   in `.scale` files;
 * - model descriptions (scale_sigmodel_t) with fields in declaration order;
 * - model instances (scale_sigvalue_t): a tree built with the defaults
 *   upstream's generated `New<Model>()` uses, read and changed through
 *   setters that run the field's validators and case modifier;
 * - Polyglot encode/decode of an instance in upstream's wire order (fields
 *   grouped by type, declaration order within a group), byte-compatible
 *   with upstream's generated Go/Rust/TypeScript codecs;
 * - the JSON mapping upstream's `scale fn run` uses:
 *   `{"<Model>": {"<Field>": ...}}`.
 *
 * Canonical form and hash
 * -----------------------
 * The canonical text reproduces what upstream gets from
 * `gohcl.EncodeIntoBody` + `hclwrite` on the normalised schema: top-level
 * `version` and `context`, then every enum, then every model; inside a
 * model `description` first and then the fields grouped by block type in
 * upstream's struct order (model, model_array, string, string_array,
 * string_map, bool, bool_array, bytes, bytes_array, enum, enum_array,
 * enum_map, int32..., int64..., uint32..., uint64..., float32,
 * float32_array, float64, float64_array), declaration order within a type;
 * every attribute written (accessor resolved to true/false), labels quoted,
 * `=` aligned over consecutive attribute lines, two-space indentation, one
 * blank line before each run of blocks of one type (gohcl puts none between
 * blocks of the same type). Known to match upstream: that layout, string
 * escaping of ASCII (`\"`, `\\`, `\n`, `\r`, `\t`, `$${`, `%%{`, other
 * control characters as `\u00XX`), integers, and float defaults printed as
 * the shortest decimal that reads back as the same double (float32
 * defaults widened to double first, as gocty does: 32.32 prints as
 * 32.31999969482422). Best effort: non-ASCII characters that Go's
 * unicode.IsPrint rejects are written raw here (Go escapes them), and the
 * attribute order inside field blocks follows upstream's struct
 * definitions as last seen; a schema that differs there hashes
 * differently.
 *
 * Differences from upstream (deliberate)
 * --------------------------------------
 * - Regex validators use POSIX extended regular expressions (regcomp with
 *   REG_EXTENDED), not Go's RE2: `\d`, `\w`, `\s`, `(?i)`, lazy
 *   quantifiers and `\b` are not available; use `[0-9]`, `[[:alnum:]_]`,
 *   `[[:space:]]` and so on. A schema whose expression POSIX cannot compile
 *   is refused at parse time.
 * - Validators (regex, length, limit) are enforced on decode too, not only
 *   in setters: a decoded value that breaks one is an error naming the
 *   field. Case modifiers are applied by setters only (ASCII letters only;
 *   Go's ToUpper/ToLower also map non-ASCII letters).
 * - Validators are accepted on scalar fields only (upstream also parses
 *   them on arrays and maps but its generators ignore them there).
 * - Maps are encoded in sorted key order (upstream: Go map order), so the
 *   bytes are deterministic. Decoding accepts any order; a repeated key is
 *   an error.
 * - Decode is strict: header kinds must match exactly, enum indices must be
 *   in range, a nil element inside a model array or model-valued map is an
 *   error, strings must be valid UTF-8, and the input must be consumed
 *   entirely.
 * - A model name may not also name an enum, and `name`/`tag` top-level
 *   attributes (an early upstream draft) are refused.
 * - A `model` field whose reference leads back to its own model (directly
 *   or through other `model` fields) starts out absent (nil) in a new
 *   instance instead of recursing forever as upstream's constructor would.
 *
 * Thread-safety: a scale_signature_t (and the scale_sigmodel_t it owns) is
 * immutable after parsing and may be used from any number of threads. A
 * scale_sigvalue_t is a plain mutable tree: one thread at a time.
 */
#ifndef SCALE_SIGNATURE_H
#define SCALE_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed, checked signature schema. Immutable; thread-safe. */
typedef struct scale_signature scale_signature_t;
/** One model of a signature; owned by (and lives as long as) the signature. */
typedef struct scale_sigmodel scale_sigmodel_t;
/** An instance of a model: a tree of field values. Owned by the caller. */
typedef struct scale_sigvalue scale_sigvalue_t;

/** Largest schema text accepted, in bytes (1 MiB). */
#define SCALE_SIGNATURE_MAX_TEXT (1u << 20)

/** Type of a field: of its value, of its elements, or for maps of its KEYS (values: see
 * scale_sigmodel_field_value_type). */
typedef enum scale_sigtype {
  SCALE_SIGTYPE_STRING = 1,
  SCALE_SIGTYPE_INT32,
  SCALE_SIGTYPE_INT64,
  SCALE_SIGTYPE_UINT32,
  SCALE_SIGTYPE_UINT64,
  SCALE_SIGTYPE_FLOAT32,
  SCALE_SIGTYPE_FLOAT64,
  SCALE_SIGTYPE_BOOL,
  SCALE_SIGTYPE_BYTES,
  SCALE_SIGTYPE_ENUM,
  SCALE_SIGTYPE_MODEL,
} scale_sigtype_t;

/** Shape of a field. */
typedef enum scale_sigshape {
  SCALE_SIGSHAPE_SCALAR = 0, /**< `string`, `model`, ... */
  SCALE_SIGSHAPE_ARRAY,      /**< `string_array`, `model_array`, ... */
  SCALE_SIGSHAPE_MAP,        /**< `string_map`, `enum_map`, ... (key = the field's type) */
} scale_sigshape_t;

/**
 * One value crossing the API: a scalar field, an array element, a map key
 * or a map value. Which member is used depends on @c type:
 * INT32/INT64 -> i; UINT32/UINT64 -> u; ENUM -> u (index into the enum's
 * values); FLOAT32/FLOAT64 -> f; BOOL -> b; STRING/BYTES -> data/len;
 * MODEL -> model.
 *
 * Getters fill it with pointers INTO the value tree (valid until that part
 * of the tree is changed or deleted). Setters copy strings and bytes; a
 * MODEL value passed to a setter is taken over by the tree on success (and
 * left with the caller on failure).
 */
typedef struct scale_sigscalar {
  scale_sigtype_t type;
  union {
    int64_t i;
    uint64_t u;
    double f;
    bool b;
    struct {
      const void *data;
      size_t len;
    } bytes;
    scale_sigvalue_t *model; /**< NULL = absent (nil) nested model */
  } as;
} scale_sigscalar_t;

/* ---------------------------------------------------------------- schema */

/**
 * Parse and check a signature schema.
 *
 * @param text      the schema text (need not be NUL-terminated)
 * @param len       its length in bytes, at most SCALE_SIGNATURE_MAX_TEXT
 * @param filename  name used in error messages; NULL means "signature"
 * @param out       receives the new signature on success
 * @return NULL on success; otherwise an owned error whose message reads
 *   `file:line:col: what`, e.g. `schema.hcl:12:5: unknown field kind
 *   "strin"` (line and column 1-based; column counts characters). The
 *   first problem found is reported. Never crashes on any input.
 * Ownership: *out is owned by the caller (scale_signature_delete).
 * Thread-safety: reentrant.
 */
scale_error_t *scale_signature_parse(const char *text, size_t len, const char *filename,
                                     scale_signature_t **out);

/**
 * Read the file at @p path and parse it as scale_signature_parse() does,
 * with the path as the file name in messages. A missing or unreadable file,
 * or one over SCALE_SIGNATURE_MAX_TEXT, is an error naming the path.
 */
scale_error_t *scale_signature_load(const char *path, scale_signature_t **out);

/** Release a signature. NULL is a no-op. Every model of it dies with it. */
void scale_signature_delete(scale_signature_t *sig);

/**
 * The canonical text (see the file comment), NUL-terminated; its length
 * goes to *len when @p len is not NULL. Owned by the signature.
 * Parsing the canonical text gives the same canonical text.
 */
const char *scale_signature_canonical(const scale_signature_t *sig, size_t *len);

/** Lowercase hex SHA-256 of the canonical text: 64 characters + NUL. Owned by the signature. */
const char *scale_signature_hash(const scale_signature_t *sig);

/** The context model (the one named by `context`); never NULL. */
const scale_sigmodel_t *scale_signature_context(const scale_signature_t *sig);

/**
 * The model called @p name (exact, after TitleCase normalisation, e.g.
 * "ModelWithEnum"), or NULL if there is none.
 */
const scale_sigmodel_t *scale_signature_model(const scale_signature_t *sig, const char *name);

/** Number of models, and the model at @p index in declaration order (NULL past the end). */
size_t scale_signature_model_count(const scale_signature_t *sig);
const scale_sigmodel_t *scale_signature_model_at(const scale_signature_t *sig, size_t index);

/** The model's normalised name. */
const char *scale_sigmodel_name(const scale_sigmodel_t *model);
/** The model's description ("" when none). */
const char *scale_sigmodel_description(const scale_sigmodel_t *model);
/** Number of fields. */
size_t scale_sigmodel_field_count(const scale_sigmodel_t *model);
/** Index of the field called @p name (normalised), or -1. */
long scale_sigmodel_field_index(const scale_sigmodel_t *model, const char *name);
/** Name, type and shape of field @p index (declaration order); NULL/0 past the end. */
const char *scale_sigmodel_field_name(const scale_sigmodel_t *model, size_t index);
scale_sigtype_t scale_sigmodel_field_type(const scale_sigmodel_t *model, size_t index);
scale_sigshape_t scale_sigmodel_field_shape(const scale_sigmodel_t *model, size_t index);
/** For a map field, the type of its values (a primitive or MODEL); 0 for other fields. */
scale_sigtype_t scale_sigmodel_field_value_type(const scale_sigmodel_t *model, size_t index);

/* ---------------------------------------------------------------- values */

/**
 * A new instance of @p model with upstream's constructor defaults: scalar
 * fields take their `default` (enum: the named value; bytes, arrays and
 * maps start empty), and `model` fields hold a fresh default instance of
 * the referenced model (except on a reference cycle, see above).
 * @return NULL on success, or an error (out of memory, nesting too deep).
 * The instance keeps a pointer to @p model: the signature must outlive it.
 */
scale_error_t *scale_sigvalue_new(const scale_sigmodel_t *model, scale_sigvalue_t **out);

/** Release an instance and everything it owns. NULL is a no-op. */
void scale_sigvalue_delete(scale_sigvalue_t *value);

/** The model @p value is an instance of. */
const scale_sigmodel_t *scale_sigvalue_model(const scale_sigvalue_t *value);

/**
 * Read the scalar field @p field. Errors: unknown field, field not scalar.
 * Strings/bytes/models are borrowed (see scale_sigscalar_t).
 */
scale_error_t *scale_sigvalue_get(const scale_sigvalue_t *value, const char *field,
                                  scale_sigscalar_t *out);

/**
 * Set the scalar field @p field, as a generated setter does: the value's
 * type must be the field's; integers must fit the field's width, enum
 * indices must be in range; strings must be valid UTF-8; then the regex
 * validator, the length validator and the limit validator run, and the
 * case modifier is applied. On any error the field is left unchanged and
 * the error names the field and the rule ("ModelX.StringField: length 0 is
 * below the minimum 1").
 */
scale_error_t *scale_sigvalue_set(scale_sigvalue_t *value, const char *field,
                                  const scale_sigscalar_t *in);

/** Number of elements (array) or entries (map) of @p field. */
scale_error_t *scale_sigvalue_count(const scale_sigvalue_t *value, const char *field,
                                    size_t *count);

/** Element @p index of array field @p field (borrowed, as for get). */
scale_error_t *scale_sigvalue_elem(const scale_sigvalue_t *value, const char *field, size_t index,
                                   scale_sigscalar_t *out);

/**
 * Entry @p index of map field @p field, in sorted key order (strings by
 * bytes, numbers by value, enums by index). Key and value are borrowed.
 */
scale_error_t *scale_sigvalue_entry(const scale_sigvalue_t *value, const char *field, size_t index,
                                    scale_sigscalar_t *key, scale_sigscalar_t *val);

/**
 * Append to array field @p field (type checked as for set; a MODEL element
 * must not be NULL and is taken over on success).
 */
scale_error_t *scale_sigvalue_append(scale_sigvalue_t *value, const char *field,
                                     const scale_sigscalar_t *elem);

/** Insert or replace the entry @p key of map field @p field (@p val taken over as for append). */
scale_error_t *scale_sigvalue_put(scale_sigvalue_t *value, const char *field,
                                  const scale_sigscalar_t *key, const scale_sigscalar_t *val);

/** Empty array or map field @p field. */
scale_error_t *scale_sigvalue_clear(scale_sigvalue_t *value, const char *field);

/* ---------------------------------------------------------------- codec */

/**
 * Encode @p value (an instance of @p model, or NULL for a nil model, which
 * is the single byte 00) with Polyglot in upstream's wire order.
 * @param out  receives a malloc'd buffer (release with free(); NULL when
 *             the encoding is empty, e.g. a model without fields)
 * @param len  receives its length
 * Errors: value of another model, out of memory, a string or array over
 * the format's 4 GiB limit.
 */
scale_error_t *scale_signature_encode(const scale_sigmodel_t *model, const scale_sigvalue_t *value,
                                      uint8_t **out, size_t *len);

/**
 * Decode an instance of @p model from @p data (see "Decode is strict").
 * A leading 00 gives *out = NULL (nil model) and success. A leading 06 is a
 * guest Error value: the result is an error whose message is exactly the
 * guest's text, and *guest_error (when not NULL) is set to true; it is
 * false for every other outcome.
 * Bounded: nesting depth, element counts and total bytes allocated have
 * fixed caps (src/signature/limits.h); going past one is an error.
 * Ownership: *out is owned by the caller.
 */
scale_error_t *scale_signature_decode(const scale_sigmodel_t *model, const void *data, size_t len,
                                      scale_sigvalue_t **out, bool *guest_error);

/* ---------------------------------------------------------------- JSON */

/**
 * The JSON form of @p value: `{"<Model>": {...}}` with every field, keys in
 * declaration order; strings as strings, integers as numbers (exact, also
 * past 2^53), floats as the shortest round-tripping number (NaN and
 * infinities as the strings "NaN", "Infinity", "-Infinity"), bytes as
 * standard base64, enums by value name, absent models as null, maps as
 * objects whose keys are the string key, the decimal integer or the enum
 * value name. @p value NULL gives `{"<Model>": null}`.
 * @param out receives a malloc'd NUL-terminated string (free()).
 */
scale_error_t *scale_signature_to_json(const scale_sigmodel_t *model, const scale_sigvalue_t *value,
                                       char **out);

/**
 * Build an instance of @p model from JSON in the form to_json writes. Every
 * field is required (a missing one is an error naming it, e.g. `missing
 * field ModelWithEnum.EnumField`); unknown fields are errors; values go
 * through the same checks as setters and decode (types, ranges, enum
 * names, validators). Integers are also accepted as decimal strings (for
 * 64-bit values JSON numbers cannot carry exactly); a JSON number that is
 * not an exactly representable integer is refused for integer fields.
 * `{"<Model>": null}` gives *out = NULL.
 */
scale_error_t *scale_signature_from_json(const scale_sigmodel_t *model, const char *json,
                                         size_t len, scale_sigvalue_t **out);

#ifdef __cplusplus
}
#endif
#endif
