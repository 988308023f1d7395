/*
 * The Scale ABI on the guest side: the exports the host calls (resize,
 * run, initialize, hash) and the env.next import. Builds for wasm32-wasi
 * (wasi-libc) and for freestanding wasm32 (with freestanding.c). The host
 * writes into the read buffer between resize and run; the write buffer
 * holds what run, initialize and hash return until the next call.
 *
 * Also where decoded contexts get their memory (src/function/http.c calls
 * the scale__sdk_call_* functions below when built for wasm32): a per-call
 * arena and input buffers pinned for the call, so decoding a request costs
 * no malloc per string and no copy of the body.
 */
#include <stdbool.h>
#include <stdint.h>

#include "polyglot/alloc.h"
#include "scale_sdk.h"

#define EXPORT(name) __attribute__((export_name(name), visibility("default")))

__attribute__((import_module("env"), import_name("next"))) void scale__env_next(uint32_t ptr,
                                                                                uint32_t len);

static uint8_t *read_buf;
static uint32_t read_cap;
static uint32_t read_len;
static scale_pg_buf_t write_buf;
static scale_pg_buf_t next_buf; /* scale_next_buffer() */

static uint64_t pack(const void *p, size_t len) {
  return (uint64_t)(uintptr_t)p << 32 | (uint64_t)(uint32_t)len;
}

/* ---- the call arena and pinned inputs ----------------------------------- */

/*
 * Context strings and arrays made during a run (decoding the input, and the
 * scale_http_* helpers the function calls) come from one block, carved
 * front to back and dropped as a whole when the run ends: no malloc/free
 * per header string, and the few hundred bytes sit in the page of the
 * SDK's statics, which every call dirties anyway (a reset copies back each
 * page a call wrote). Each piece carries its size in front, so realloc can
 * move it; the last piece grows in place. When the block is full, and
 * outside runs (scale_initialize), memory comes from SCALE_PG_REALLOC.
 *
 * A decoded body is not copied at all: it points into the read buffer the
 * host wrote, which is then pinned: taken out of service for the rest of
 * the call (the next resize allocates a fresh one, so scale_next's reply
 * cannot overwrite it) and given back, or freed, when run returns.
 *
 * Pieces of either kind are never passed to SCALE_PG_FREE: free and
 * realloc below recognise them by address.
 */

/* realloc/free for context memory: arena pieces during a run, SCALE_PG_REALLOC otherwise.
 * Only these may release or resize what they hand out; pointers of any other origin go to
 * SCALE_PG_FREE / SCALE_PG_REALLOC, so a user's own buffers placed in a context work as before. */
void *scale__sdk_call_realloc(void *p, size_t n);
void scale__sdk_call_free(void *p);
/* Decoding a body of @p n bytes at @p p: true with *data pointing at them (no copy; the byte
 * after them becomes NUL when decoding ends) if they lie in the read buffer being decoded;
 * false when the caller must copy. */
bool scale__sdk_call_body(char **data, const uint8_t *p, size_t n);
/* Bracket a decode: the bytes decoded to start, NULL to end. In between, bodies inside the
 * read buffer are borrowed; ending pins the read buffer if one was. */
void scale__sdk_call_decoding(const uint8_t *in, size_t len);

#define ARENA_BYTES 1024
#define ARENA_ALIGN 8
#define ARENA_HEAD 8 /* the piece's size, padded to keep pieces aligned */
#define MAX_PINS 8
#define MAX_BORROWS 4

static uint8_t *arena;
static uint32_t arena_cap, arena_used, arena_last; /* arena_last: offset of the last piece */
static bool in_run;                                /* the arena serves allocations */
static const uint8_t *decode_in;                   /* the read buffer being decoded, or 0 */
static uint32_t decode_len;
static struct {
  uint8_t *p;
  uint32_t cap;
} pins[MAX_PINS];
static uint32_t pin_count;
static char *borrows[MAX_BORROWS]; /* ends of bodies borrowed by this decode: NUL goes there */
static uint32_t borrow_count;

static bool in_arena(const void *p) {
  return arena && (const uint8_t *)p >= arena && (const uint8_t *)p < arena + arena_cap;
}

static bool in_pins(const void *p) {
  for (uint32_t i = 0; i < pin_count; i++)
    if ((const uint8_t *)p >= pins[i].p && (const uint8_t *)p < pins[i].p + pins[i].cap)
      return true;
  return false;
}

static void *arena_alloc(size_t n) {
  if (!arena) { /* a host that never called initialize */
    arena = SCALE_PG_REALLOC((void *)0, ARENA_BYTES);
    if (!arena) return 0;
    arena_cap = ARENA_BYTES;
  }
  size_t need = ARENA_HEAD + ((n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
  if (n > arena_cap || need > arena_cap - arena_used) return 0;
  uint8_t *p = arena + arena_used;
  *(uint32_t *)p = (uint32_t)n;
  arena_last = arena_used;
  arena_used += (uint32_t)need;
  return p + ARENA_HEAD;
}

void *scale__sdk_call_realloc(void *p, size_t n) {
  if (!p) {
    void *q = in_run ? arena_alloc(n) : 0;
    return q ? q : SCALE_PG_REALLOC((void *)0, n);
  }
  size_t have;
  if (in_arena(p)) {
    uint8_t *piece = (uint8_t *)p - ARENA_HEAD;
    have = *(uint32_t *)piece;
    uint32_t at = (uint32_t)(piece - arena);
    if (n <= have) return p;
    if (at == arena_last && n <= arena_cap - at - ARENA_HEAD) { /* the last piece grows in place */
      size_t need = ARENA_HEAD + ((n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
      *(uint32_t *)piece = (uint32_t)n;
      arena_used = at + (uint32_t)need;
      return p;
    }
  } else if (in_pins(p)) {
    have = n; /* a borrowed body: copy what the caller asks for, never past the pin */
    for (uint32_t i = 0; i < pin_count; i++)
      if ((uint8_t *)p >= pins[i].p && (uint8_t *)p < pins[i].p + pins[i].cap &&
          have > (size_t)(pins[i].p + pins[i].cap - (uint8_t *)p))
        have = (size_t)(pins[i].p + pins[i].cap - (uint8_t *)p);
  } else {
    return SCALE_PG_REALLOC(p, n);
  }
  void *q = scale__sdk_call_realloc((void *)0, n);
  if (q) __builtin_memcpy(q, p, have < n ? have : n);
  return q; /* the old piece stays until the arena is dropped */
}

void scale__sdk_call_free(void *p) {
  if (p && !in_arena(p) && !in_pins(p)) SCALE_PG_FREE(p);
}

bool scale__sdk_call_body(char **data, const uint8_t *p, size_t n) {
  /* Only bodies inside the read buffer being decoded, with a byte after them for the NUL
   * (the encoding that follows, already read when the NUL is written). */
  if (!decode_in || borrow_count == MAX_BORROWS || pin_count == MAX_PINS || p < decode_in ||
      n >= (size_t)(decode_in + decode_len - p))
    return false;
  *data = (char *)(uintptr_t)p;
  borrows[borrow_count++] = (char *)(uintptr_t)p + n;
  return true;
}

void scale__sdk_call_decoding(const uint8_t *in, size_t len) {
  if (in) {
    borrow_count = 0;
    /* Borrow only from the read buffer, which the SDK can take out of service. */
    bool ours =
        read_buf && in >= read_buf && len <= read_cap && (size_t)(in - read_buf) <= read_cap - len;
    decode_in = ours ? in : 0;
    decode_len = ours ? (uint32_t)len : 0;
    return;
  }
  decode_in = 0;
  if (!borrow_count) return;
  for (uint32_t i = 0; i < borrow_count; i++)
    *borrows[i] = '\0';
  borrow_count = 0;
  pins[pin_count].p = read_buf;
  pins[pin_count].cap = read_cap;
  pin_count++;
  read_buf = 0; /* the next resize allocates a fresh buffer */
  read_cap = 0;
}

/* At the end of run: give the first pinned buffer back as the read buffer (or free it), drop
 * the arena's pieces. */
static void call_end(void) {
  in_run = false;
  decode_in = 0;
  borrow_count = 0;
  for (uint32_t i = 0; i < pin_count; i++) {
    if (!read_buf) {
      read_buf = pins[i].p;
      read_cap = pins[i].cap;
    } else {
      SCALE_PG_FREE(pins[i].p);
    }
  }
  pin_count = 0;
  arena_used = 0;
  arena_last = 0;
}

/* Grow the read buffer to hold @p size bytes; its address, or 0 when memory ran out. */
EXPORT("resize") uint32_t scale__resize(uint32_t size) {
  if (size > read_cap || !read_buf) {
    uint32_t cap = size < 64 ? 64 : size;
    uint8_t *p = SCALE_PG_REALLOC(read_buf, cap);
    if (!p) return 0;
    read_buf = p;
    read_cap = cap;
  }
  read_len = size;
  return (uint32_t)(uintptr_t)read_buf;
}

void scale_error_raw(scale_pg_buf_t *out, const char *msg) {
  scale_pg_buf_reset(out);
  scale_pg_put_error(out, msg, __builtin_strlen(msg));
}

EXPORT("run") uint64_t scale__run(void) {
  scale_pg_buf_reset(&write_buf);
  call_end(); /* a call that trapped left its pieces behind */
  in_run = true;
  int rc = scale_raw_run(read_buf, read_len, &write_buf);
  call_end();
  if (rc != 0) return 0;
  if (scale_pg_buf_failed(&write_buf)) {
    scale_error_raw(&write_buf, "out of memory encoding the result");
    if (scale_pg_buf_failed(&write_buf)) return 0;
  }
  return pack(write_buf.data, write_buf.len);
}

scale_pg_buf_t *scale_next_buffer(void) {
  scale_pg_buf_reset(&next_buf);
  return &next_buf;
}

int scale_next_raw(const uint8_t *in, size_t len, const uint8_t **out, size_t *out_len) {
  read_len = 0;
  scale__env_next((uint32_t)(uintptr_t)in, (uint32_t)len);
  if (!read_buf) return -1;
  *out = read_buf;
  *out_len = read_len;
  return 0;
}

__attribute__((weak)) const char *scale_initialize(void) {
  return 0;
}
__attribute__((weak)) const char *scale_signature_hash(void) {
  return "";
}

/*
 * Buffers sized in initialize: the host snapshots the instance after it
 * and resets every instance to that snapshot, so buffers that exist there
 * make calls with inputs and outputs up to this size allocate nothing and
 * never grow memory (growth and its undoing on reset are the largest part
 * of a small call's cost). Small, so that their starts sit in one host page
 * with the statics and the top of the stack (scale build and the test
 * guests leave 1 KiB of the stack in the statics' page): a reset copies
 * back every page a call wrote, and a small call then writes one. The
 * arena comes last, as a small call uses little of it. Larger messages
 * grow the buffers within the call, from memory the module already has.
 */
#define INITIAL_BUFFER 512

EXPORT("initialize") uint64_t scale__initialize(void) {
  if (scale__resize(INITIAL_BUFFER)) read_len = 0;
  scale_pg_buf_reserve(&write_buf, INITIAL_BUFFER);
  scale_pg_buf_reset(&write_buf);
  scale_pg_buf_reserve(&next_buf, INITIAL_BUFFER);
  scale_pg_buf_reset(&next_buf);
  if (!arena && (arena = SCALE_PG_REALLOC((void *)0, ARENA_BYTES))) arena_cap = ARENA_BYTES;
  const char *err = scale_initialize();
  if (!err) return 0;
  scale_error_raw(&write_buf, err);
  return pack(write_buf.data, write_buf.len);
}

EXPORT("hash") uint64_t scale__hash(void) {
  const char *h = scale_signature_hash();
  scale_pg_buf_reset(&write_buf);
  scale_pg_put_string(&write_buf, h, __builtin_strlen(h));
  return pack(write_buf.data, write_buf.len);
}
