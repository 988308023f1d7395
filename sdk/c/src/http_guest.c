/*
 * HTTP mode of the C guest SDK: decode the context, call the user's
 * scale(), encode what it returns (or the error it set). The context is
 * owned here and freed after each run, so no call sees another's data.
 * Its strings come from guest.c's per-call arena and its bodies point into
 * the input (scale__sdk_call_decoding), all released when run returns.
 */
#include "scale_http.h"

#include "polyglot/alloc.h"

/* guest.c: decode @p in with the call's allocator (NULL ends it). */
void scale__sdk_call_decoding(const uint8_t *in, size_t len);

static const char *decode_call(scale_http_context_t *c, const uint8_t *in, size_t len) {
  scale__sdk_call_decoding(in, len);
  const char *err = scale_http_decode(c, in, len, 0);
  scale__sdk_call_decoding(0, 0);
  return err;
}

static scale_http_context_t ctx;
static char *pending_error; /* set by scale_error(), owned */
static char *next_error;    /* returned by scale_next(), owned */

static char *copy_str(const char *s, size_t n) {
  char *p = SCALE_PG_REALLOC((void *)0, n + 1);
  if (!p) return p;
  if (n) __builtin_memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

static void clear(char **s) {
  if (*s) SCALE_PG_FREE(*s);
  *s = 0;
}

scale_http_context_t *scale_error(scale_http_context_t *c, const char *msg) {
  clear(&pending_error);
  pending_error = copy_str(msg ? msg : "error", msg ? __builtin_strlen(msg) : 5);
  if (!pending_error) pending_error = copy_str("out of memory", 13);
  return c;
}

const char *scale_next(scale_http_context_t *c) {
  clear(&next_error);
  scale_pg_buf_t *in = scale_next_buffer();
  if (!scale_http_encode(c, in)) return "out of memory encoding the context";
  const uint8_t *out;
  size_t len;
  if (scale_next_raw(in->data, in->len, &out, &len) != 0) return "next: no result";
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, out, len);
  const char *msg;
  size_t msg_len;
  if (scale_pg_get_error(&r, len, &msg, &msg_len) == SCALE_PG_OK) {
    next_error = copy_str(msg, msg_len);
    return next_error ? next_error : "out of memory";
  }
  scale_http_context_t fresh;
  scale_http_context_init(&fresh);
  const char *err = decode_call(&fresh, out, len);
  if (err) return err;
  scale_http_context_free(c);
  *c = fresh;
  return 0;
}

int scale_raw_run(const uint8_t *in, size_t len, scale_pg_buf_t *out) {
  clear(&pending_error);
  const char *err = decode_call(&ctx, in, len);
  if (err) {
    scale_error_raw(out, err);
    return 0;
  }
  scale_http_context_t *res = scale(&ctx);
  if (pending_error)
    scale_error_raw(out, pending_error);
  else if (!res)
    scale_error_raw(out, "function returned no context");
  else
    scale_http_encode(res, out);
  clear(&pending_error);
  scale_http_context_free(&ctx);
  if (res && res != &ctx) scale_http_context_free(res);
  return 0;
}
