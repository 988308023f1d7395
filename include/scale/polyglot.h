/**
 * @file scale/polyglot.h
 * @brief The Polyglot wire format: typed values that cross the sandbox.
 *
 * Byte-compatible with upstream Polyglot (Go, Rust, TypeScript): a stream
 * is a concatenation of self-tagged values with no framing (see
 * docs/reference/scale.md section 2). This module has no dependency on the
 * runtime and is freestanding-friendly: it uses only <stddef.h>,
 * <stdint.h>, <stdbool.h>, <string.h> and the allocator named by
 * SCALE_PG_REALLOC / SCALE_PG_FREE (default realloc/free), so the C guest
 * SDK compiles the same sources for wasm32.
 *
 * Encoding appends to a growable buffer. An allocation failure or a value
 * too large for the format (over SCALE_PG_MAX_LEN bytes) makes the buffer
 * fail: later puts do nothing and scale_pg_buf_failed() reports it, so a
 * sequence of puts needs one check at the end.
 *
 * Decoding reads from a cursor over caller-owned bytes. Every read is
 * strict and atomic: on any failure it returns a status other than
 * SCALE_PG_OK and leaves the cursor where it was (generated decoders rely
 * on this to try Nil, then Error, then the value). Lengths and counts are
 * checked against the bytes actually remaining before anything is
 * allocated, and against the caller's limit.
 *
 * Thread-safety: none needed; buffers and cursors are plain values owned
 * by the caller, used by one thread at a time.
 */
#ifndef SCALE_POLYGLOT_H
#define SCALE_POLYGLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Kind bytes, as on the wire. */
typedef enum scale_pg_kind {
  SCALE_PG_NIL = 0x00,
  SCALE_PG_SLICE = 0x01,
  SCALE_PG_MAP = 0x02,
  SCALE_PG_ANY = 0x03, /**< only as element/key/value kind in headers */
  SCALE_PG_BYTES = 0x04,
  SCALE_PG_STRING = 0x05,
  SCALE_PG_ERROR = 0x06,
  SCALE_PG_BOOL = 0x07,
  SCALE_PG_U8 = 0x08,
  SCALE_PG_U16 = 0x09,
  SCALE_PG_U32 = 0x0a,
  SCALE_PG_U64 = 0x0b,
  SCALE_PG_I32 = 0x0c,
  SCALE_PG_I64 = 0x0d,
  SCALE_PG_F32 = 0x0e,
  SCALE_PG_F64 = 0x0f,
} scale_pg_kind_t;

/** Largest string, bytes or error payload, and largest slice/map count. */
#define SCALE_PG_MAX_LEN UINT32_MAX

/** Outcome of a decode. */
typedef enum scale_pg_status {
  SCALE_PG_OK = 0,
  SCALE_PG_END,        /**< "unexpected end of data": fewer bytes than the value needs */
  SCALE_PG_WRONG_KIND, /**< "wrong kind": the next value is of another kind */
  SCALE_PG_BAD_VARINT, /**< "malformed varint": too long or over the type's range */
  SCALE_PG_TOO_LONG,   /**< "length over limit": a length or count over the caller's limit */
  SCALE_PG_BAD_UTF8,   /**< "invalid utf-8 in string" */
  SCALE_PG_BAD_HEADER, /**< "wrong element kind": slice/map element, key or value kind differs */
  SCALE_PG_NO_MEMORY,  /**< "out of memory" */
} scale_pg_status_t;

/** A short lower-case description of @p status; never NULL. */
const char *scale_pg_status_text(scale_pg_status_t status);
/** The name of @p kind ("string", "u32", ...), or "unknown". */
const char *scale_pg_kind_name(uint8_t kind);

/* ---------------------------------------------------------------- encode */

/** A growable output buffer. Zero-initialise or use scale_pg_buf_init. */
typedef struct scale_pg_buf {
  uint8_t *data; /**< owned; NULL until the first byte */
  size_t len;
  size_t cap;
  bool failed; /**< sticky: allocation failed or a value was too large */
} scale_pg_buf_t;

void scale_pg_buf_init(scale_pg_buf_t *buf);
/** Free the bytes and reset to empty. */
void scale_pg_buf_free(scale_pg_buf_t *buf);
/** Forget the contents (and the failure), keeping the allocation. */
void scale_pg_buf_reset(scale_pg_buf_t *buf);
/** True if any put since the last init/reset failed. */
bool scale_pg_buf_failed(const scale_pg_buf_t *buf);
/**
 * Make room for @p extra more bytes; false (and the buffer failed) when it
 * cannot. For callers that write raw bytes after a header.
 */
bool scale_pg_buf_reserve(scale_pg_buf_t *buf, size_t extra);

void scale_pg_put_nil(scale_pg_buf_t *buf);
void scale_pg_put_bool(scale_pg_buf_t *buf, bool v);
void scale_pg_put_u8(scale_pg_buf_t *buf, uint8_t v);
void scale_pg_put_u16(scale_pg_buf_t *buf, uint16_t v);
void scale_pg_put_u32(scale_pg_buf_t *buf, uint32_t v);
void scale_pg_put_u64(scale_pg_buf_t *buf, uint64_t v);
void scale_pg_put_i32(scale_pg_buf_t *buf, int32_t v);
void scale_pg_put_i64(scale_pg_buf_t *buf, int64_t v);
void scale_pg_put_f32(scale_pg_buf_t *buf, float v);
void scale_pg_put_f64(scale_pg_buf_t *buf, double v);
/** String of @p len bytes (not NUL-terminated; not checked for UTF-8). */
void scale_pg_put_string(scale_pg_buf_t *buf, const char *s, size_t len);
void scale_pg_put_bytes(scale_pg_buf_t *buf, const void *p, size_t len);
/** An Error value: kind 06 followed by a complete String. */
void scale_pg_put_error(scale_pg_buf_t *buf, const char *msg, size_t len);
/** Slice header: 01, element kind, tagged u32 count; elements follow. */
void scale_pg_put_slice(scale_pg_buf_t *buf, scale_pg_kind_t elem, uint32_t count);
/** Map header: 02, key kind, value kind, tagged u32 count; pairs follow. */
void scale_pg_put_map(scale_pg_buf_t *buf, scale_pg_kind_t key, scale_pg_kind_t value,
                      uint32_t count);

/* ---------------------------------------------------------------- decode */

/** A read cursor over bytes owned by the caller. */
typedef struct scale_pg_reader {
  const uint8_t *data;
  size_t len;
  size_t pos; /**< offset of the next unread byte */
} scale_pg_reader_t;

void scale_pg_reader_init(scale_pg_reader_t *r, const void *data, size_t len);
/** Bytes left. */
size_t scale_pg_remaining(const scale_pg_reader_t *r);
/** The kind byte of the next value, or -1 at the end. Does not advance. */
int scale_pg_peek(const scale_pg_reader_t *r);

/** If the next value is Nil, consume it and return true; else false. */
bool scale_pg_get_nil(scale_pg_reader_t *r);
/** Bool: 01 is true, any other byte false (as upstream decoders do). */
scale_pg_status_t scale_pg_get_bool(scale_pg_reader_t *r, bool *out);
scale_pg_status_t scale_pg_get_u8(scale_pg_reader_t *r, uint8_t *out);
scale_pg_status_t scale_pg_get_u16(scale_pg_reader_t *r, uint16_t *out);
scale_pg_status_t scale_pg_get_u32(scale_pg_reader_t *r, uint32_t *out);
scale_pg_status_t scale_pg_get_u64(scale_pg_reader_t *r, uint64_t *out);
scale_pg_status_t scale_pg_get_i32(scale_pg_reader_t *r, int32_t *out);
scale_pg_status_t scale_pg_get_i64(scale_pg_reader_t *r, int64_t *out);
scale_pg_status_t scale_pg_get_f32(scale_pg_reader_t *r, float *out);
scale_pg_status_t scale_pg_get_f64(scale_pg_reader_t *r, double *out);
/**
 * String: on success *out points INTO the reader's bytes (not
 * NUL-terminated) and *len is its length. Fails with SCALE_PG_TOO_LONG
 * over @p max_len and SCALE_PG_BAD_UTF8 on invalid UTF-8.
 */
scale_pg_status_t scale_pg_get_string(scale_pg_reader_t *r, size_t max_len, const char **out,
                                      size_t *len);
/** Bytes: like scale_pg_get_string without the UTF-8 check. */
scale_pg_status_t scale_pg_get_bytes(scale_pg_reader_t *r, size_t max_len, const uint8_t **out,
                                     size_t *len);
/**
 * Error value: on success *msg and *len point into the reader's bytes. Invalid
 * UTF-8 in the message is accepted (the text is only shown).
 */
scale_pg_status_t scale_pg_get_error(scale_pg_reader_t *r, size_t max_len, const char **msg,
                                     size_t *len);
/**
 * Slice header whose element kind must be @p elem (SCALE_PG_BAD_HEADER
 * otherwise); *count is checked against @p max_count and against the bytes
 * left (every element takes at least one byte, except elements of kind Any,
 * which may be empty models).
 */
scale_pg_status_t scale_pg_get_slice(scale_pg_reader_t *r, scale_pg_kind_t elem, uint32_t max_count,
                                     uint32_t *count);
/** Map header; key and value kinds must match; count checked as for slices. */
scale_pg_status_t scale_pg_get_map(scale_pg_reader_t *r, scale_pg_kind_t key, scale_pg_kind_t value,
                                   uint32_t max_count, uint32_t *count);
/**
 * Skip one complete value of any self-describing kind (not a slice or map
 * of Any, whose elements are untagged): SCALE_PG_WRONG_KIND for those.
 * @p depth bounds nesting: a slice or map needs depth >= 1 and its
 * elements are skipped with depth - 1 (SCALE_PG_TOO_LONG past the bound);
 * scalars need none. Each element must be of the kind its header names
 * (SCALE_PG_BAD_HEADER otherwise), and strings are checked for UTF-8, so a
 * skip succeeds exactly when the typed getters would.
 */
scale_pg_status_t scale_pg_skip(scale_pg_reader_t *r, unsigned depth);

#ifdef __cplusplus
}
#endif
#endif
