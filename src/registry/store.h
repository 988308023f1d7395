/*
 * The local function store: `.scale` files kept as an OCI image layout
 * (https://github.com/opencontainers/image-spec/blob/main/image-layout.md)
 * under $SCALE_HOME/functions, so that pushing to any OCI registry later is
 * a plain copy of blobs and manifests.
 *
 * Layout:
 *   functions/oci-layout            {"imageLayoutVersion":"1.0.0"}
 *   functions/index.json            one manifest descriptor per reference,
 *                                   annotation org.opencontainers.image.ref.name
 *                                   = "ORG/NAME:TAG" (unique in the store)
 *   functions/blobs/sha256/<hex>    manifests, configs and `.scale` layers
 *   functions.lock                  flock(2) target, outside the layout
 *
 * Each function is one image manifest whose config blob is JSON metadata
 * (SCALE_STORE_CONFIG_TYPE) and whose only layer is the `.scale` file
 * (SCALE_STORE_LAYER_TYPE). Every blob read is checked against the size
 * and SHA-256 digest its descriptor names; a mismatch is an error naming
 * the blob, never silently used.
 *
 * Concurrency: writers (put, tag, delete) hold an exclusive flock for the
 * whole operation, readers a shared one. Files are written to a temporary
 * name and renamed, so a crash leaves either the old or the new state (and
 * at worst a stray temporary, removed by the next delete's collection).
 *
 * Uses only the public API (include/scale.h) and the C library; errors
 * are owned scale_error_t values worded for people.
 */
#ifndef SCALE_REGISTRY_STORE_H
#define SCALE_REGISTRY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scale/error.h"
#include "scale/limits.h"
#include "scale/scalefile.h"

/* Media types of the three blob kinds. */
#define SCALE_STORE_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define SCALE_STORE_INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define SCALE_STORE_CONFIG_TYPE "application/vnd.scale.function.config.v1+json"
#define SCALE_STORE_LAYER_TYPE "application/vnd.scale.function.v1beta"
#define SCALE_STORE_REF_ANNOTATION "org.opencontainers.image.ref.name"

/* Caps (bytes, characters). A layer is one `.scale` file (scale/scalefile.h). */
#define SCALE_STORE_MAX_NAME 128
#define SCALE_STORE_MAX_TAG 128
#define SCALE_STORE_MAX_LAYER ((size_t)SCALE_SCALEFILE_MAX_BYTES)
#define SCALE_STORE_MAX_JSON ((size_t)1024 * 1024) /* one manifest or config */
#define SCALE_STORE_MAX_INDEX ((size_t)64 * 1024 * 1024)
#define SCALE_STORE_MAX_ENTRIES 100000

/* "sha256:" + 64 hex digits + NUL. */
#define SCALE_STORE_DIGEST_SIZE 72

/* A function reference: ORG/NAME:TAG, each part validated. */
typedef struct scale__ref {
  char org[SCALE_STORE_MAX_NAME + 1];
  char name[SCALE_STORE_MAX_NAME + 1];
  char tag[SCALE_STORE_MAX_TAG + 1];
} scale__ref_t;

/*
 * Names: lower-case letters and digits, with single '.' between them
 * (and '-' too, except in function names); 1..128 characters. @p what is
 * "function", "organization" or "signature". This is upstream's
 * ^[A-Za-z0-9-.]+$ made stricter so every name is also a valid OCI
 * repository component (lower-case) and upstream's `new` rule (no '-' in
 * a function's name) holds. Tags: letters, digits, '.' and '-', not starting with '.' or
 * '-'; 1..128 characters (upstream's rule within OCI's tag grammar).
 * On failure writes a sentence naming the rule into @p err.
 */
bool scale__registry_check_name(const char *what, const char *s, char *err, size_t cap);
bool scale__registry_check_tag(const char *s, char *err, size_t cap);

/*
 * Parse "NAME", "NAME:TAG" or "ORG/NAME:TAG" (ORG defaults to "local",
 * TAG to "latest").
 */
bool scale__registry_parse_ref(const char *text, scale__ref_t *out, char *err, size_t cap);

/* "ORG/NAME:TAG" into @p buf (always NUL-terminated). */
void scale__registry_format_ref(const scale__ref_t *ref, char *buf, size_t cap);

/*
 * Function metadata, the config blob. Passed to put() borrowed; filled by
 * get()/list() with malloc'd strings released by scale__registry_meta_release().
 * Missing strings are "" when returned, may be NULL when passed.
 */
typedef struct scale__fnmeta {
  char *org, *name, *tag; /* identity recorded in the .scale file */
  char *language;         /* "c", "go", "rust", "ts" */
  char *signature_org, *signature_name, *signature_tag, *signature_hash;
  char *description;
  char *created; /* RFC 3339 UTC; NULL on put = now (or SOURCE_DATE_EPOCH) */
  bool stateless;
  uint64_t module_size; /* bytes of the Wasm module inside */
} scale__fnmeta_t;

void scale__registry_meta_release(scale__fnmeta_t *meta);

/* One stored function as list() and get() describe it. */
typedef struct scale__fninfo {
  scale__ref_t ref;
  char manifest_digest[SCALE_STORE_DIGEST_SIZE];
  char layer_digest[SCALE_STORE_DIGEST_SIZE];
  uint64_t layer_size;  /* bytes of the .scale file */
  scale__fnmeta_t meta; /* all NULL when damage is set */
  char *damage;         /* list() only: why the entry cannot be read, else NULL */
} scale__fninfo_t;

void scale__registry_info_release(scale__fninfo_t *info);

typedef struct scale__registry scale__registry_t;

/*
 * The store's home: $SCALE_HOME, else $HOME/.config/scale. Created (mode
 * 0700, parents as needed) when @p create. *out is malloc'd.
 */
scale_error_t *scale__registry_home(bool create, char **out);

/*
 * Open (creating when missing) the store under @p home (NULL = the
 * default home above). The layout is checked: an `oci-layout` file with a
 * version other than 1.0.0 is refused.
 */
scale_error_t *scale__registry_open(const char *home, scale__registry_t **out);
void scale__registry_close(scale__registry_t *reg);

/* The layout directory, "<home>/functions". Borrowed. */
const char *scale__registry_root(const scale__registry_t *reg);

/*
 * Store the `.scale` file @p bytes under @p ref, replacing what the
 * reference named before (its blobs are collected when nothing else
 * uses them). @p digest_out (may be NULL) receives the manifest digest.
 */
scale_error_t *scale__registry_put(scale__registry_t *reg, const scale__ref_t *ref,
                                   const scale__fnmeta_t *meta, const uint8_t *bytes, size_t len,
                                   char *digest_out);

/*
 * Look @p ref up. @p info (may be NULL) receives the description; when
 * @p bytes is not NULL it receives the verified `.scale` file (malloc'd,
 * *len bytes). Not found: "function 'ORG/NAME:TAG' not found in <root>".
 */
scale_error_t *scale__registry_get(scale__registry_t *reg, const scale__ref_t *ref,
                                   scale__fninfo_t *info, uint8_t **bytes, size_t *len);

/*
 * Every function in the store, sorted by reference. *out is a malloc'd
 * array released with scale__registry_list_free().
 */
scale_error_t *scale__registry_list(scale__registry_t *reg, scale__fninfo_t **out, size_t *count);
void scale__registry_list_free(scale__fninfo_t *items, size_t count);

/*
 * Remove @p ref and delete the blobs no reference uses any more.
 * @p removed (may be NULL) receives how many blob files were deleted.
 */
scale_error_t *scale__registry_delete(scale__registry_t *reg, const scale__ref_t *ref,
                                      size_t *removed);

/* Make @p dst name the same manifest as @p src (replacing what dst named). */
scale_error_t *scale__registry_tag(scale__registry_t *reg, const scale__ref_t *src,
                                   const scale__ref_t *dst);

/*
 * One-call lookup for `scale run` and embedders of the CLI's store:
 * parse @p reference ("NAME[:TAG]" or "ORG/NAME:TAG"), open the default
 * store and return the verified `.scale` bytes (malloc'd).
 */
scale_error_t *scale__registry_load(const char *reference, uint8_t **bytes, size_t *len);

/* ---- shared between the store's files ---------------------------- */

/* An owned error with a printf-formatted message. */
scale_error_t *scale__registry_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "sha256:<hex>" of @p data. */
void scale__registry_digest(const uint8_t *data, size_t len, char out[SCALE_STORE_DIGEST_SIZE]);

/* True when @p digest is "sha256:" followed by 64 lower-case hex digits. */
bool scale__registry_digest_valid(const char *digest);

/*
 * Write @p data to @p path atomically (scale__write_atomic, mode 0644),
 * as an error naming @p path on failure.
 */
scale_error_t *scale__registry_write_atomic(const char *path, const uint8_t *data, size_t len);

/*
 * Read the blob @p digest from the layout at @p root, at most @p max bytes,
 * and check it has @p size bytes (when size >= 0) and hashes to @p digest.
 */
scale_error_t *scale__registry_read_blob(const char *root, const char *digest, int64_t size,
                                         size_t max, uint8_t **out, size_t *len);

/* Store @p data as a blob (no-op when a verified copy is there already). */
scale_error_t *scale__registry_write_blob(const char *root, const uint8_t *data, size_t len,
                                          char digest[SCALE_STORE_DIGEST_SIZE]);

/* mkdir -p with @p mode for the directories it creates. */
scale_error_t *scale__registry_mkdirs(const char *path, unsigned mode);

#endif
