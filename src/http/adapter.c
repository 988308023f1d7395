/*
 * The HTTP signature adapter (adapter.h): requests to contexts and contexts to responses,
 * with upstream's fasthttp mapping. Guests decode with the signature's default limits
 * (scale/http_signature.h), so the request side keeps within them: at most
 * SCALE_HTTP_DEFAULT_MAX_HEADERS headers and SCALE_HTTP_DEFAULT_MAX_VALUES pieces per header
 * (the last piece keeps the rest of the value unsplit), never a context a guest would refuse.
 */
#include "http/adapter.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Content-Length as http-parser already checked it: digits only; anything else (or a value
 * past int64) falls back to the body's length. */
static int64_t content_length(const scale_httpd_request_t *req) {
  const char *v = scale_httpd_request_header(req, "content-length");
  if (!v || !*v) return (int64_t)req->body_len;
  int64_t n = 0;
  for (const char *p = v; *p; p++) {
    if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10) return (int64_t)req->body_len;
    n = n * 10 + (*p - '0');
  }
  return n;
}

static int add_header(scale_http_headers_t *h, const scale_httpd_header_t *in) {
  scale_http_header_t *have = scale_http_header_find(h, in->name, in->name_len);
  if (!have && h->count >= SCALE_HTTP_DEFAULT_MAX_HEADERS)
    return 0; /* past what a guest accepts: dropped */
  uint32_t count = have ? have->value_count : 0;
  const char *v = in->value, *end = in->value + in->value_len;
  for (;;) {
    if (count >= SCALE_HTTP_DEFAULT_MAX_VALUES) return 0;
    const char *comma =
        count + 1 == SCALE_HTTP_DEFAULT_MAX_VALUES ? NULL : memchr(v, ',', (size_t)(end - v));
    const char *stop = comma ? comma : end;
    if (!scale_http_header_add(h, in->name, in->name_len, v, (size_t)(stop - v))) return -1;
    count++;
    if (!comma) return 0;
    v = comma + 1;
  }
}

int scale__http_adapter_request(const scale_httpd_request_t *req, scale_http_context_t *ctx) {
  scale_http_context_free(ctx);
  scale_http_request_t *q = &ctx->request;
  if (!scale_http_set(&q->uri, req->uri, req->uri_len) ||
      !scale_http_set_str(&q->method, req->method) ||
      !scale_http_set_str(&q->protocol, req->protocol) || !scale_http_set_str(&q->ip, req->peer) ||
      !scale_http_set(&q->body, req->body, req->body_len))
    goto oom;
  q->content_length = content_length(req);
  for (size_t i = 0; i < req->header_count; i++)
    if (add_header(&q->headers, &req->headers[i]) != 0) goto oom;
  return 0;
oom:
  scale_http_context_free(ctx);
  return -1;
}

/* ---- encoding straight from the request --------------------------------- */

/* Index of the first header of @p req named as headers[i] (i itself when it is the first). */
static size_t first_named(const scale_httpd_request_t *req, size_t i) {
  const scale_httpd_header_t *h = &req->headers[i];
  for (size_t j = 0; j < i; j++)
    if (req->headers[j].name_len == h->name_len &&
        (h->name_len == 0 || memcmp(req->headers[j].name, h->name, h->name_len) == 0))
      return j;
  return i;
}

/* add_header's split of @p in onto a list already holding *count values: counts the pieces,
 * and writes them to @p buf when it is not NULL. */
static void pieces(const scale_httpd_header_t *in, uint32_t *count, scale_pg_buf_t *buf) {
  const char *v = in->value, *end = in->value + in->value_len;
  for (;;) {
    if (*count >= SCALE_HTTP_DEFAULT_MAX_VALUES) return;
    const char *comma = *count + 1 == SCALE_HTTP_DEFAULT_MAX_VALUES || v == end
                            ? NULL
                            : memchr(v, ',', (size_t)(end - v));
    const char *stop = comma ? comma : end;
    if (buf) scale_pg_put_string(buf, v, (size_t)(stop - v));
    (*count)++;
    if (!comma) return;
    v = comma + 1;
  }
}

int scale__http_adapter_encode(const scale_httpd_request_t *req, scale_pg_buf_t *buf) {
  scale_pg_put_string(buf, req->uri, req->uri_len);
  scale_pg_put_string(buf, req->method, strlen(req->method));
  scale_pg_put_i64(buf, content_length(req));
  scale_pg_put_string(buf, req->protocol, strlen(req->protocol));
  scale_pg_put_string(buf, req->peer, strlen(req->peer));
  scale_pg_put_bytes(buf, req->body_len ? (const void *)req->body : "", req->body_len);
  /* One map entry per distinct name, in order of first appearance, the first
   * SCALE_HTTP_DEFAULT_MAX_HEADERS of them (add_header drops later names). */
  uint32_t names = 0;
  for (size_t i = 0; i < req->header_count && names < SCALE_HTTP_DEFAULT_MAX_HEADERS; i++)
    if (first_named(req, i) == i) names++;
  scale_pg_put_map(buf, SCALE_PG_STRING, SCALE_PG_ANY, names);
  uint32_t done = 0;
  for (size_t i = 0; i < req->header_count && done < names; i++) {
    if (first_named(req, i) != i) continue;
    done++;
    const scale_httpd_header_t *h = &req->headers[i];
    scale_pg_put_string(buf, h->name, h->name_len);
    for (int pass = 0; pass < 2; pass++) { /* count the values, then write them */
      uint32_t count = 0;
      for (size_t j = i; j < req->header_count; j++)
        if (j == i ||
            (req->headers[j].name_len == h->name_len &&
             (h->name_len == 0 || memcmp(req->headers[j].name, h->name, h->name_len) == 0)))
          pieces(&req->headers[j], &count, pass ? buf : NULL);
      if (!pass) scale_pg_put_slice(buf, SCALE_PG_STRING, count);
    }
  }
  /* The response part of a fresh context: status 0, no body, no headers. */
  scale_pg_put_i32(buf, 0);
  scale_pg_put_bytes(buf, "", 0);
  scale_pg_put_map(buf, SCALE_PG_STRING, SCALE_PG_ANY, 0);
  return scale_pg_buf_failed(buf) ? -1 : 0;
}

/* ---- the response -------------------------------------------------------- */

/* Headers the server writes itself (server.h refuses them). */
static int server_owned(const char *name, size_t len) {
  static const char *const own[] = {"content-length", "date", "connection", "transfer-encoding"};
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
    if (strlen(own[i]) == len && strncasecmp(own[i], name, len) == 0) return 1;
  return 0;
}

int scale__http_adapter_response(const scale_http_context_t *ctx, scale_httpd_response_t *res) {
  const scale_http_response_t *r = &ctx->response;
  scale_httpd_response_set_status(res, r->status_code == 0 ? 200 : (int)r->status_code);
  int have_type = 0;
  char *joined = NULL;
  size_t cap = 0;
  for (uint32_t i = 0; i < r->headers.count; i++) {
    const scale_http_header_t *h = &r->headers.items[i];
    if (!h->name.data || server_owned(h->name.data, h->name.len)) continue;
    size_t need = 1;
    for (uint32_t j = 0; j < h->value_count; j++)
      need += h->values[j].len + 1;
    if (need > cap) {
      char *p = realloc(joined, need);
      if (!p) {
        free(joined);
        return -1;
      }
      joined = p;
      cap = need;
    }
    size_t at = 0;
    for (uint32_t j = 0; j < h->value_count; j++) {
      if (j) joined[at++] = ',';
      if (h->values[j].len) memcpy(joined + at, h->values[j].data, h->values[j].len);
      at += h->values[j].len;
    }
    joined[at] = '\0';
    /* A name or value the server refuses (not a token, CR/LF inside) is left out rather than
     * failing the whole response: the guest's other headers and body still go out. */
    if (scale_httpd_response_add_header(res, h->name.data, joined) == 0 &&
        strcasecmp(h->name.data, "content-type") == 0)
      have_type = 1;
  }
  free(joined);
  if (!have_type) scale_httpd_response_add_header(res, "Content-Type", "text/plain; charset=utf-8");
  if (scale_httpd_response_set_body(res, r->body.data, r->body.len) != 0) return -1;
  return 0;
}
