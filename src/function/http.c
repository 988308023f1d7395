/*
 * The built-in HTTP signature codec (upstream Gen-1 layout), shared by the
 * host and C guests: the SDK compiles this file for wasm32, so it uses only
 * the Polyglot module and its allocator macros, never libc headers beyond
 * the freestanding ones, and nothing from the runtime.
 *
 * Decoding is strict and bounded: every length is checked against the
 * caller's limits before anything is allocated, and a failure leaves the
 * context empty rather than half-filled.
 *
 * Built for wasm32 (only the C guest SDK does that), context memory comes
 * from the SDK's per-call allocator (sdk/c/src/guest.c): while the SDK
 * decodes a call's input, strings come from an arena and bodies point into
 * the input itself; everything else goes to SCALE_PG_REALLOC/FREE as here.
 */
#include "scale/http_signature.h"

#include "polyglot/alloc.h"

#ifdef __wasm__
/* Defined in sdk/c/src/guest.c (see there). */
void *scale__sdk_call_realloc(void *p, size_t n);
void scale__sdk_call_free(void *p);
bool scale__sdk_call_body(char **data, const uint8_t *p, size_t n);
#define HTTP_REALLOC scale__sdk_call_realloc
#define HTTP_FREE scale__sdk_call_free
#else
#define HTTP_REALLOC SCALE_PG_REALLOC
#define HTTP_FREE SCALE_PG_FREE
#endif

static void bytes_free(scale_http_bytes_t *b) {
  if (b->data) HTTP_FREE(b->data);
  b->data = 0;
  b->len = 0;
}

bool scale_http_set(scale_http_bytes_t *field, const void *data, size_t len) {
  if (len > UINT32_MAX - 1) return false;
  char *p = HTTP_REALLOC(NULL, len + 1);
  if (!p) return false;
  if (len) PG_MEMCPY(p, data, len);
  p[len] = '\0';
  bytes_free(field);
  field->data = p;
  field->len = (uint32_t)len;
  return true;
}

bool scale_http_set_str(scale_http_bytes_t *field, const char *s) {
  return scale_http_set(field, s, s ? __builtin_strlen(s) : 0);
}

static void header_free(scale_http_header_t *h) {
  bytes_free(&h->name);
  for (uint32_t i = 0; i < h->value_count; i++)
    bytes_free(&h->values[i]);
  if (h->values) HTTP_FREE(h->values);
  h->values = 0;
  h->value_count = 0;
}

static void headers_free(scale_http_headers_t *h) {
  for (uint32_t i = 0; i < h->count; i++)
    header_free(&h->items[i]);
  if (h->items) HTTP_FREE(h->items);
  h->items = 0;
  h->count = h->cap = 0;
}

void scale_http_context_init(scale_http_context_t *ctx) {
  __builtin_memset(ctx, 0, sizeof *ctx);
}

void scale_http_context_free(scale_http_context_t *ctx) {
  if (!ctx) return;
  scale_http_request_t *q = &ctx->request;
  bytes_free(&q->uri);
  bytes_free(&q->method);
  bytes_free(&q->protocol);
  bytes_free(&q->ip);
  bytes_free(&q->body);
  headers_free(&q->headers);
  bytes_free(&ctx->response.body);
  headers_free(&ctx->response.headers);
  scale_http_context_init(ctx);
}

scale_http_header_t *scale_http_header_find(const scale_http_headers_t *h, const char *name,
                                            size_t len) {
  for (uint32_t i = 0; i < h->count; i++) {
    scale_http_header_t *x = &h->items[i];
    if (x->name.len == len && (len == 0 || __builtin_memcmp(x->name.data, name, len) == 0))
      return x;
  }
  return 0;
}

bool scale_http_header_add(scale_http_headers_t *h, const char *name, size_t name_len,
                           const char *value, size_t value_len) {
  scale_http_header_t *x = scale_http_header_find(h, name, name_len);
  if (!x) {
    if (h->count == h->cap) {
      uint32_t cap = h->cap ? h->cap * 2 : 8;
      if (cap < h->cap) return false;
      scale_http_header_t *items = HTTP_REALLOC(h->items, (size_t)cap * sizeof *items);
      if (!items) return false;
      h->items = items;
      h->cap = cap;
    }
    scale_http_header_t fresh = {{0, 0}, 0, 0};
    if (!scale_http_set(&fresh.name, name, name_len)) return false;
    h->items[h->count++] = fresh;
    x = &h->items[h->count - 1];
  }
  if (x->value_count == UINT32_MAX) return false;
  scale_http_bytes_t v = {0, 0};
  if (!scale_http_set(&v, value, value_len)) return false;
  scale_http_bytes_t *values =
      HTTP_REALLOC(x->values, ((size_t)x->value_count + 1) * sizeof *values);
  if (!values) {
    bytes_free(&v);
    return false;
  }
  x->values = values;
  x->values[x->value_count++] = v;
  return true;
}

void scale_http_header_remove(scale_http_headers_t *h, const char *name, size_t len) {
  scale_http_header_t *x = scale_http_header_find(h, name, len);
  if (!x) return;
  header_free(x);
  uint32_t i = (uint32_t)(x - h->items);
  for (; i + 1 < h->count; i++)
    h->items[i] = h->items[i + 1];
  h->count--;
}

/* ---- encode ---------------------------------------------------------- */

static void put_str(scale_pg_buf_t *buf, const scale_http_bytes_t *b) {
  scale_pg_put_string(buf, b->data ? b->data : "", b->len);
}

/* Map<String,Any>: each value a StringList model, i.e. one Slice<String>. */
static void put_headers(scale_pg_buf_t *buf, const scale_http_headers_t *h) {
  scale_pg_put_map(buf, SCALE_PG_STRING, SCALE_PG_ANY, h->count);
  for (uint32_t i = 0; i < h->count; i++) {
    const scale_http_header_t *x = &h->items[i];
    put_str(buf, &x->name);
    scale_pg_put_slice(buf, SCALE_PG_STRING, x->value_count);
    for (uint32_t j = 0; j < x->value_count; j++)
      put_str(buf, &x->values[j]);
  }
}

bool scale_http_encode(const scale_http_context_t *ctx, scale_pg_buf_t *buf) {
  const scale_http_request_t *q = &ctx->request;
  put_str(buf, &q->uri);
  put_str(buf, &q->method);
  scale_pg_put_i64(buf, q->content_length);
  put_str(buf, &q->protocol);
  put_str(buf, &q->ip);
  scale_pg_put_bytes(buf, q->body.data ? q->body.data : "", q->body.len);
  put_headers(buf, &q->headers);
  const scale_http_response_t *s = &ctx->response;
  scale_pg_put_i32(buf, s->status_code);
  scale_pg_put_bytes(buf, s->body.data ? s->body.data : "", s->body.len);
  put_headers(buf, &s->headers);
  return !scale_pg_buf_failed(buf);
}

/* ---- decode ---------------------------------------------------------- */

static bool get_str(scale_pg_reader_t *r, uint32_t max, scale_http_bytes_t *out) {
  const char *s;
  size_t n;
  if (scale_pg_get_string(r, max, &s, &n) != SCALE_PG_OK) return false;
  return scale_http_set(out, s, n);
}

static bool get_body(scale_pg_reader_t *r, uint32_t max, scale_http_bytes_t *out) {
  const uint8_t *p;
  size_t n;
  if (scale_pg_get_bytes(r, max, &p, &n) != SCALE_PG_OK) return false;
#ifdef __wasm__
  char *borrowed;
  if (scale__sdk_call_body(&borrowed, p, n)) { /* the SDK's input: no copy */
    bytes_free(out);
    out->data = borrowed;
    out->len = (uint32_t)n;
    return true;
  }
#endif
  return scale_http_set(out, p, n);
}

static bool get_headers(scale_pg_reader_t *r, const scale_http_limits_t *lim,
                        scale_http_headers_t *h) {
  uint32_t count;
  if (scale_pg_get_map(r, SCALE_PG_STRING, SCALE_PG_ANY, lim->max_headers, &count) != SCALE_PG_OK)
    return false;
  for (uint32_t i = 0; i < count; i++) {
    const char *name;
    size_t name_len;
    if (scale_pg_get_string(r, lim->max_string, &name, &name_len) != SCALE_PG_OK) return false;
    if (scale_pg_get_nil(r)) continue; /* a nil StringList: a header without values */
    uint32_t n;
    if (scale_pg_get_slice(r, SCALE_PG_STRING, lim->max_values, &n) != SCALE_PG_OK) return false;
    for (uint32_t j = 0; j < n; j++) {
      const char *v;
      size_t vlen;
      if (scale_pg_get_string(r, lim->max_string, &v, &vlen) != SCALE_PG_OK) return false;
      if (!scale_http_header_add(h, name, name_len, v, vlen)) return false;
      scale_http_header_t *x = scale_http_header_find(h, name, name_len);
      if (x->value_count > lim->max_values) return false; /* duplicate names merged past the cap */
    }
    if (h->count > lim->max_headers) return false;
  }
  return true;
}

static const char *decode(scale_http_context_t *ctx, scale_pg_reader_t *r,
                          const scale_http_limits_t *lim) {
  if (scale_pg_peek(r) == SCALE_PG_ERROR) return "error value";
  if (scale_pg_get_nil(r)) return "http context: nil";
  scale_http_request_t *q = &ctx->request;
  if (!scale_pg_get_nil(r)) {
    if (!get_str(r, lim->max_string, &q->uri)) return "http request uri: invalid or over the limit";
    if (!get_str(r, lim->max_string, &q->method))
      return "http request method: invalid or over the limit";
    if (scale_pg_get_i64(r, &q->content_length) != SCALE_PG_OK)
      return "http request content length: invalid";
    if (!get_str(r, lim->max_string, &q->protocol))
      return "http request protocol: invalid or over the limit";
    if (!get_str(r, lim->max_string, &q->ip)) return "http request ip: invalid or over the limit";
    if (!get_body(r, lim->max_body, &q->body))
      return "http request body: invalid or over the limit";
    if (!get_headers(r, lim, &q->headers)) return "http request headers: invalid or over the limit";
  }
  scale_http_response_t *s = &ctx->response;
  if (!scale_pg_get_nil(r)) {
    if (scale_pg_get_i32(r, &s->status_code) != SCALE_PG_OK)
      return "http response status code: invalid";
    if (!get_body(r, lim->max_body, &s->body))
      return "http response body: invalid or over the limit";
    if (!get_headers(r, lim, &s->headers))
      return "http response headers: invalid or over the limit";
  }
  return 0;
}

const char *scale_http_decode(scale_http_context_t *ctx, const uint8_t *data, size_t len,
                              const scale_http_limits_t *limits) {
  scale_http_context_free(ctx);
  scale_http_limits_t lim = {SCALE_HTTP_DEFAULT_MAX_STRING, SCALE_HTTP_DEFAULT_MAX_BODY,
                             SCALE_HTTP_DEFAULT_MAX_HEADERS, SCALE_HTTP_DEFAULT_MAX_VALUES};
  if (limits) {
    if (limits->max_string) lim.max_string = limits->max_string;
    if (limits->max_body) lim.max_body = limits->max_body;
    if (limits->max_headers) lim.max_headers = limits->max_headers;
    if (limits->max_values) lim.max_values = limits->max_values;
  }
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, data, len);
  const char *err = decode(ctx, &r, &lim);
  if (err) scale_http_context_free(ctx);
  return err;
}
