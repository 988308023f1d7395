/*
 * The Scale ABI on the guest side: the exports the host calls (resize,
 * run, initialize, hash) and the env.next import. Builds for wasm32-wasi
 * (wasi-libc) and for freestanding wasm32 (with freestanding.c). The host
 * writes into the read buffer between resize and run; the write buffer
 * holds what run, initialize and hash return until the next call.
 */
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

static uint64_t pack(const void *p, size_t len) {
  return (uint64_t)(uintptr_t)p << 32 | (uint64_t)(uint32_t)len;
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
  if (scale_raw_run(read_buf, read_len, &write_buf) != 0) return 0;
  if (scale_pg_buf_failed(&write_buf)) {
    scale_error_raw(&write_buf, "out of memory encoding the result");
    if (scale_pg_buf_failed(&write_buf)) return 0;
  }
  return pack(write_buf.data, write_buf.len);
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
 * of a small call's cost). Small, so that they sit in the page of the
 * statics: a reset copies back every page a call ever wrote, and a small
 * call then writes two (its stack frames and this one). Larger messages
 * grow the buffers within the call, from memory the module already has.
 */
#define INITIAL_BUFFER 1024

EXPORT("initialize") uint64_t scale__initialize(void) {
  if (scale__resize(INITIAL_BUFFER)) read_len = 0;
  scale_pg_buf_reserve(&write_buf, INITIAL_BUFFER);
  scale_pg_buf_reset(&write_buf);
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
