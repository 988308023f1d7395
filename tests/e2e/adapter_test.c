/*
 * The HTTP signature adapter (src/http/adapter.c) alone: request fields, header splitting and
 * its caps (what a guest's decoder accepts), Content-Length fallbacks, and the response side:
 * status 0 as 200, lists joined with ",", server-owned headers dropped, the default
 * Content-Type, headers the server refuses left out without failing the response.
 */
#include <string.h>

#include "../common/check.h"
#include "http/adapter.h"
#include "http/response.h"

static scale_httpd_request_t request(const scale_httpd_header_t *h, size_t n, const char *body) {
  scale_httpd_request_t r;
  memset(&r, 0, sizeof r);
  r.method = "PUT";
  r.uri = "/a/b?c=d";
  r.uri_len = strlen(r.uri);
  r.path = "/a/b";
  r.path_len = 4;
  r.query = "c=d";
  r.query_len = 3;
  r.protocol = "HTTP/1.0";
  r.peer = "::1";
  r.headers = h;
  r.header_count = n;
  r.body = (const uint8_t *)body;
  r.body_len = strlen(body);
  return r;
}

static scale_httpd_header_t hdr(const char *name, const char *value) {
  scale_httpd_header_t h = {name, strlen(name), value, strlen(value)};
  return h;
}

static int has_line(const scale_httpd_response_t *res, const char *line) {
  return res->headers && memmem(res->headers, res->headers_len, line, strlen(line)) != NULL;
}

static void test_request(void) {
  scale_httpd_header_t h[4] = {hdr("x-list", "a,b, c"), hdr("content-length", "5"),
                               hdr("x-list", "d"), hdr("x-empty", "")};
  scale_httpd_request_t r = request(h, 4, "hello");
  scale_http_context_t ctx;
  scale_http_context_init(&ctx);
  CHECK(scale__http_adapter_request(&r, &ctx) == 0);
  CHECK(strcmp(ctx.request.uri.data, "/a/b?c=d") == 0);
  CHECK(strcmp(ctx.request.method.data, "PUT") == 0);
  CHECK(strcmp(ctx.request.protocol.data, "HTTP/1.0") == 0);
  CHECK(strcmp(ctx.request.ip.data, "::1") == 0);
  CHECK(ctx.request.body.len == 5 && memcmp(ctx.request.body.data, "hello", 5) == 0);
  CHECK(ctx.request.content_length == 5);
  CHECK(ctx.response.status_code == 0);
  scale_http_header_t *l = scale_http_header_find(&ctx.request.headers, "x-list", 6);
  CHECK(l && l->value_count == 4);
  if (l && l->value_count == 4) {
    CHECK(strcmp(l->values[0].data, "a") == 0 && strcmp(l->values[1].data, "b") == 0);
    CHECK(strcmp(l->values[2].data, " c") == 0 && strcmp(l->values[3].data, "d") == 0);
  }
  scale_http_header_t *e = scale_http_header_find(&ctx.request.headers, "x-empty", 7);
  CHECK(e && e->value_count == 1 && e->values[0].len == 0);

  /* A bad Content-Length falls back to the body's length. */
  h[1] = hdr("content-length", "12x");
  r = request(h, 4, "abc");
  CHECK(scale__http_adapter_request(&r, &ctx) == 0 && ctx.request.content_length == 3);
  r = request(NULL, 0, "");
  CHECK(scale__http_adapter_request(&r, &ctx) == 0 && ctx.request.content_length == 0);
  CHECK(ctx.request.headers.count == 0);

  /* Caps: 100 pieces give SCALE_HTTP_DEFAULT_MAX_VALUES values, the last one unsplit; more
   * headers than a guest accepts are dropped; the context still encodes and decodes. */
  char many[400] = "";
  for (int i = 0; i < 100; i++)
    strcat(many, i ? ",x" : "x");
  static scale_httpd_header_t lots[SCALE_HTTP_DEFAULT_MAX_HEADERS + 10];
  static char names[SCALE_HTTP_DEFAULT_MAX_HEADERS + 10][16];
  lots[0] = hdr("x-many", many);
  for (size_t i = 1; i < sizeof lots / sizeof lots[0]; i++) {
    snprintf(names[i], sizeof names[i], "h%zu", i);
    lots[i] = hdr(names[i], "v");
  }
  r = request(lots, sizeof lots / sizeof lots[0], "");
  CHECK(scale__http_adapter_request(&r, &ctx) == 0);
  CHECK(ctx.request.headers.count == SCALE_HTTP_DEFAULT_MAX_HEADERS);
  scale_http_header_t *m = scale_http_header_find(&ctx.request.headers, "x-many", 6);
  CHECK(m && m->value_count == SCALE_HTTP_DEFAULT_MAX_VALUES);
  if (m && m->value_count == SCALE_HTTP_DEFAULT_MAX_VALUES)
    CHECK(m->values[SCALE_HTTP_DEFAULT_MAX_VALUES - 1].len ==
          2 * (100 - SCALE_HTTP_DEFAULT_MAX_VALUES) + 1);
  scale_pg_buf_t buf = {0};
  CHECK(scale_http_encode(&ctx, &buf));
  scale_http_context_t back;
  scale_http_context_init(&back);
  CHECK(scale_http_decode(&back, buf.data, buf.len, NULL) == NULL);
  scale_http_context_free(&back);
  scale_pg_buf_free(&buf);
  scale_http_context_free(&ctx);
}

/* scale__http_adapter_encode gives the bytes of scale__http_adapter_request + scale_http_encode. */
static void same_encoding(const scale_httpd_request_t *r) {
  scale_http_context_t ctx;
  scale_http_context_init(&ctx);
  scale_pg_buf_t a = {0}, b = {0};
  CHECK(scale__http_adapter_request(r, &ctx) == 0 && scale_http_encode(&ctx, &a));
  CHECK(scale__http_adapter_encode(r, &b) == 0);
  CHECK(a.len == b.len && a.len > 0 && memcmp(a.data, b.data, a.len) == 0);
  scale_pg_buf_free(&a);
  scale_pg_buf_free(&b);
  scale_http_context_free(&ctx);
}

static void test_encode(void) {
  scale_httpd_header_t h[6] = {hdr("x-list", "a,b, c"), hdr("content-length", "5"),
                               hdr("x-list", "d"),      hdr("x-empty", ""),
                               hdr("x-list", ",,"),     hdr("", "nameless")};
  for (size_t n = 0; n <= 6; n++) {
    scale_httpd_request_t r = request(h, n, n % 2 ? "hello" : "");
    same_encoding(&r);
  }
  /* The caps: values per header (one header and spread over repeats), distinct names. */
  char many[400] = "";
  for (int i = 0; i < 100; i++)
    strcat(many, i ? ",x" : "x");
  static scale_httpd_header_t lots[SCALE_HTTP_DEFAULT_MAX_HEADERS + 40];
  static char names[SCALE_HTTP_DEFAULT_MAX_HEADERS + 40][16];
  size_t n = sizeof lots / sizeof lots[0];
  for (size_t i = 0; i < n; i++) {
    snprintf(names[i], sizeof names[i], "h%zu", i % (SCALE_HTTP_DEFAULT_MAX_HEADERS + 20));
    lots[i] = hdr(names[i], i % 7 ? "v,w" : many);
  }
  lots[3] = hdr("h1", many);
  scale_httpd_request_t r = request(lots, n, "body");
  same_encoding(&r);
  for (size_t i = 0; i < 80; i++)
    lots[i] = hdr("same", "p,q,r");
  r = request(lots, 80, "");
  same_encoding(&r);
}

static void test_response(void) {
  scale_http_context_t ctx;
  scale_http_context_init(&ctx);
  scale_http_set_str(&ctx.response.body, "body!");
  scale_http_header_add(&ctx.response.headers, "X-Multi", 7, "a", 1);
  scale_http_header_add(&ctx.response.headers, "X-Multi", 7, "b", 1);
  scale_http_header_add(&ctx.response.headers, "Content-Length", 14, "999", 3);
  scale_http_header_add(&ctx.response.headers, "Connection", 10, "close", 5);
  scale_http_header_add(&ctx.response.headers, "X-Bad", 5, "a\r\nInjected: 1", 15);
  scale_http_header_add(&ctx.response.headers, "Bad Name", 8, "v", 1);
  scale_httpd_response_t res;
  scale__httpd_response_init(&res);
  CHECK(scale__http_adapter_response(&ctx, &res) == 0);
  CHECK(res.status == 200);
  CHECK(res.body_len == 5 && memcmp(res.body, "body!", 5) == 0);
  CHECK(has_line(&res, "X-Multi: a,b\r\n"));
  CHECK(has_line(&res, "Content-Type: text/plain; charset=utf-8\r\n"));
  CHECK(!has_line(&res, "999") && !has_line(&res, "close") && !has_line(&res, "Injected"));
  CHECK(!has_line(&res, "Bad Name"));
  scale__httpd_response_release(&res);

  ctx.response.status_code = 404;
  scale_http_header_add(&ctx.response.headers, "content-type", 12, "application/json", 16);
  scale__httpd_response_init(&res);
  CHECK(scale__http_adapter_response(&ctx, &res) == 0);
  CHECK(res.status == 404);
  CHECK(has_line(&res, "content-type: application/json\r\n"));
  CHECK(!has_line(&res, "text/plain"));
  scale__httpd_response_release(&res);
  scale_http_context_free(&ctx);
}

int main(void) {
  test_request();
  test_encode();
  test_response();
  printf("adapter: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
