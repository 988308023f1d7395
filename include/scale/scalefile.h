/**
 * @file scale/scalefile.h
 * @brief Compiled Scale functions (`.scale` files): read, verify, write.
 *
 * A `.scale` file is one Polyglot record with no magic number (see
 * docs/reference/scale.md section 4.1). Three layouts exist upstream and
 * all three are read; the first String names the version:
 *
 * - "v1beta" (Gen-2, scale v0.4.x, the only layout written here): name,
 *   tag, signature {name, organization, tag, schema, hash}, extensions,
 *   language, manifest, stateless, function, then the trailer.
 * - "v1alpha", Gen-2: name, tag, signature "org/name:tag", schema, hash,
 *   language, stateless, dependencies, function, trailer.
 * - "v1alpha", Gen-1 (scale v0.1 - v0.3): name, tag, signature
 *   "name@tag", language, function, trailer.
 *
 * The two v1alpha layouts share a version string; they are told apart by
 * decoding with each. The trailer is a U32 `size` (the number of bytes
 * before it) and a String holding the lowercase hex SHA-256 of those
 * bytes; both are verified and nothing may follow them.
 *
 * Names, tags and organizations must match `^[A-Za-z0-9-.]+$`. Decode
 * refuses a file whose name or tag does not, and (v1beta) one whose
 * signature or extension name, organization or tag holds any other
 * character; those may be empty, as upstream's ValidString allows. Encode
 * holds all of them to the full rule, empty refused. Decode does not check
 * the language (upstream accepts "go", "rust", "ts") nor parse schemas.
 * A Gen-2 v1alpha file may lack the stateless flag (older writers); it
 * then reads as false, as upstream reads it.
 *
 * Errors are owned scale_error_t values whose message starts with
 * "scale file: " and names the field or check that failed, e.g.
 * "scale file: checksum mismatch", "scale file: truncated in field
 * 'function'", "scale file: unknown version \"v2\"".
 *
 * Thread-safety: the functions keep no state; a scale_scalefile_t is a
 * plain value used by one thread at a time (or read by many).
 */
#ifndef SCALE_SCALEFILE_H
#define SCALE_SCALEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scale/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest `.scale` file read or written, in bytes (256 MiB). */
#define SCALE_SCALEFILE_MAX_BYTES (256u * 1024u * 1024u)

/** Which layout a file was read from. */
typedef enum scale_scalefile_layout {
  SCALE_SCALEFILE_V1BETA = 0,       /**< Gen-2 "v1beta" (what encode writes) */
  SCALE_SCALEFILE_V1ALPHA_GEN2 = 1, /**< Gen-2 "v1alpha" (deprecated upstream) */
  SCALE_SCALEFILE_V1ALPHA_GEN1 = 2, /**< Gen-1 "v1alpha" (scale v0.1 - v0.3) */
} scale_scalefile_layout_t;

/** An extension the function was built against (v1beta only). */
typedef struct scale_scalefile_extension {
  char *name;
  char *organization;
  char *tag;
  uint8_t *schema; /**< the extension's signature text (HCL) */
  size_t schema_len;
  char *hash; /**< as recorded; not recomputed */
} scale_scalefile_extension_t;

/**
 * A compiled function. Every string is NUL-terminated UTF-8 without
 * embedded NULs; every byte field is a pointer and a length.
 *
 * Decoded values own all their memory (release with
 * scale_scalefile_delete). A value passed to encode/write is only read:
 * the caller may fill it with borrowed pointers, and NULL strings are
 * written as empty strings (which then fail the name checks where those
 * apply).
 *
 * Fields a layout lacks are empty: Gen-1 files have no organization,
 * schema, hashes, manifest or extensions and stateless is false; Gen-2
 * v1alpha files have no manifest or extensions, and their dependency list
 * is verified but not kept.
 */
typedef struct scale_scalefile {
  scale_scalefile_layout_t layout; /**< decode: where it came from; encode ignores it */
  char *name;
  char *tag;
  char *signature_name;
  char *signature_organization;
  char *signature_tag;
  uint8_t *signature_schema; /**< canonical signature text (HCL) */
  size_t signature_schema_len;
  char *signature_hash; /**< lowercase hex SHA-256 of the schema, as recorded */
  scale_scalefile_extension_t *extensions;
  size_t extension_count;
  char *language;    /**< "go", "rust", "ts", ... as recorded (not normalised) */
  uint8_t *manifest; /**< go.mod / Cargo.toml / package.json text */
  size_t manifest_len;
  bool stateless;
  uint8_t *function; /**< the WebAssembly module */
  size_t function_len;
  /**
   * decode: the verified trailer hash (lowercase hex SHA-256 of the bytes
   * before the trailer), which is also the function's registry hash.
   * encode ignores it.
   */
  char checksum[65];
} scale_scalefile_t;

/**
 * Decode and verify a `.scale` file held in memory.
 *
 * Sniffs the layout, checks every field's kind and length, the name rules,
 * the size field and the SHA-256 checksum, and refuses trailing bytes.
 * @param data the file's bytes (not retained; may be NULL when @p len is 0).
 * @param len  its length; over SCALE_SCALEFILE_MAX_BYTES is refused.
 * @param out  receives an owned scale_scalefile_t on success; untouched on
 *             failure.
 * @return NULL on success, else an owned error naming what was wrong.
 */
scale_error_t *scale_scalefile_decode(const uint8_t *data, size_t len, scale_scalefile_t **out);

/**
 * Read and decode the file at @p path, as scale_scalefile_decode does.
 * Refuses anything that is not a regular file or is larger than
 * SCALE_SCALEFILE_MAX_BYTES before reading it.
 * @return NULL on success (*out owned by the caller), else an owned error
 *         ("cannot open 'x': ..." for I/O failures).
 */
scale_error_t *scale_scalefile_read(const char *path, scale_scalefile_t **out);

/**
 * Encode @p sf as a v1beta file, trailer included.
 * Checks the name rules (name, tag, signature and extension name,
 * organization and tag) and the size cap first.
 * @param out,len receive a buffer allocated with malloc (free() it) on
 *        success; untouched on failure.
 * @return NULL on success, else an owned error.
 */
scale_error_t *scale_scalefile_encode(const scale_scalefile_t *sf, uint8_t **out, size_t *len);

/**
 * Encode @p sf (as scale_scalefile_encode) and write it to @p path
 * atomically: the bytes go to a temporary file in the same directory,
 * which is flushed to disk and renamed over @p path, so readers see the
 * old file or the new one, never a part. The file's mode is 0644.
 * @return NULL on success, else an owned error; on failure @p path is
 *         untouched and no temporary file is left behind.
 */
scale_error_t *scale_scalefile_write(const char *path, const scale_scalefile_t *sf);

/** Release a decoded file and everything it owns. NULL is a no-op. */
void scale_scalefile_delete(scale_scalefile_t *sf);

/** True when @p s is a valid name, tag or organization: `^[A-Za-z0-9-.]+$`. */
bool scale_scalefile_valid_name(const char *s);

/** "v1beta", "v1alpha (gen-2)" or "v1alpha (gen-1)"; never NULL. */
const char *scale_scalefile_layout_name(scale_scalefile_layout_t layout);

#ifdef __cplusplus
}
#endif
#endif
