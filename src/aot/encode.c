/*
 * The AOT prepare pass's output buffer: bounded growth, sticky errors.
 *
 * Every size computation is checked against SCALE_AOT_MAX_OUTPUT before it
 * is used, so no length can wrap around, whatever the module.
 */
#include "aot/encode.h"

#include <stdlib.h>
#include <string.h>

void scale__aot_buf_init(scale__aot_buf_t *b) {
  memset(b, 0, sizeof *b);
}

void scale__aot_buf_release(scale__aot_buf_t *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void scale__aot_buf_fail(scale__aot_buf_t *b, const char *msg) {
  if (!b->error) b->error = msg;
}

bool scale__aot_buf_reserve(scale__aot_buf_t *b, size_t n) {
  if (b->error) return false;
  if (n > SCALE_AOT_MAX_OUTPUT - b->len) {
    scale__aot_buf_fail(b, "prepared module would exceed 1 GiB");
    return false;
  }
  size_t need = b->len + n;
  if (need <= b->cap) return true;
  /* Doubling stays below 2 GiB because `need` is at most 1 GiB. */
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p) {
    scale__aot_buf_fail(b, "out of memory");
    return false;
  }
  b->data = p;
  b->cap = cap;
  return true;
}

void scale__aot_buf_bytes(scale__aot_buf_t *b, const void *p, size_t n) {
  if (n == 0 || !scale__aot_buf_reserve(b, n)) return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void scale__aot_buf_byte(scale__aot_buf_t *b, uint8_t v) {
  scale__aot_buf_bytes(b, &v, 1);
}

void scale__aot_buf_u32(scale__aot_buf_t *b, uint32_t v) {
  uint8_t tmp[5];
  size_t n = 0;
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    tmp[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
  } while (v);
  scale__aot_buf_bytes(b, tmp, n);
}

void scale__aot_buf_s64(scale__aot_buf_t *b, int64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  for (;;) {
    uint8_t byte = (uint8_t)(v & 0x7f);
    /* Arithmetic shift written portably: C11 leaves >> of negatives implementation-defined. */
    v = v < 0 ? ~(~v >> 7) : v >> 7;
    bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
    tmp[n++] = (uint8_t)(byte | (done ? 0 : 0x80));
    if (done) break;
  }
  scale__aot_buf_bytes(b, tmp, n);
}

void scale__aot_buf_name(scale__aot_buf_t *b, const char *s, size_t n) {
  if (n > UINT32_MAX) {
    scale__aot_buf_fail(b, "name too long");
    return;
  }
  scale__aot_buf_u32(b, (uint32_t)n);
  scale__aot_buf_bytes(b, s, n);
}

void scale__aot_buf_section(scale__aot_buf_t *b, uint8_t id, const scale__aot_buf_t *content) {
  if (content->error) {
    scale__aot_buf_fail(b, content->error);
    return;
  }
  if (content->len > UINT32_MAX) {
    scale__aot_buf_fail(b, "section too large");
    return;
  }
  scale__aot_buf_byte(b, id);
  scale__aot_buf_u32(b, (uint32_t)content->len);
  scale__aot_buf_bytes(b, content->data, content->len);
}

size_t scale__aot_leb_u32_size(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

size_t scale__aot_leb_s64_size(int64_t v) {
  size_t n = 1;
  for (;;) {
    uint8_t byte = (uint8_t)(v & 0x7f);
    v = v < 0 ? ~(~v >> 7) : v >> 7;
    if ((v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40))) return n;
    n++;
  }
}
