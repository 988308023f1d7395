/*
 * libFuzzer target for the HTTP server's request assembler (src/http/request.c): the input is
 * a byte stream from a client. It is parsed twice, once in one piece and once split into
 * pieces of sizes taken from the input, and both runs must see the same requests (method,
 * target, path, headers, body) and end the same way: http-parser hands data over in
 * fragments that depend on where reads end, and the assembler must not care. Each request is
 * also serialized as a response, as the server would. Caps are small so limits are reached.
 */
#include "http/request.h"
#include "http/response.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_HEADER = 2048, MAX_BODY = 4096, MAX_REQUESTS = 64 };

typedef struct summary {
  int count;
  int error;
  uint64_t hash[MAX_REQUESTS];
} summary_t;

static uint64_t mix(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return (h ^ n) * 1099511628211ull;
}

static uint64_t hash_request(const scale_httpd_request_t *r) {
  uint64_t h = 1469598103934665603ull;
  h = mix(h, r->method, strlen(r->method));
  h = mix(h, r->uri, r->uri_len);
  h = mix(h, r->path, r->path_len);
  h = mix(h, r->query, r->query_len);
  h = mix(h, r->protocol, strlen(r->protocol));
  for (size_t i = 0; i < r->header_count; i++) {
    const scale_httpd_header_t *f = &r->headers[i];
    if (strlen(f->name) != f->name_len || strlen(f->value) != f->value_len)
      abort(); /* the NULs must sit where the lengths say */
    h = mix(h, f->name, f->name_len);
    h = mix(h, f->value, f->value_len);
  }
  if (r->body_len > MAX_BODY) abort();
  return mix(h, r->body, r->body_len);
}

static void respond(const scale_httpd_request_t *r) {
  scale_httpd_response_t res;
  scale__httpd_response_init(&res);
  scale_httpd_response_set_status(&res, (int)(r->body_len % 700));
  if (r->header_count)
    scale_httpd_response_add_header(&res, r->headers[0].name, r->headers[0].value);
  scale_httpd_response_set_body(&res, r->body, r->body_len);
  scale__httpd_out_t out;
  if (scale__httpd_response_finish(&res, "Thu, 01 Jan 1970 00:00:00 GMT", r->body_len & 1,
                                   r->body_len & 2, r->body_len & 4, &out) == 0) {
    free(out.head);
    free(out.body);
  }
  scale__httpd_response_release(&res);
}

/* Parses data in pieces: piece sizes come from sizes (cycled); NULL means all at once. */
static void run(const uint8_t *data, size_t size, const uint8_t *sizes, size_t nsizes,
                summary_t *s) {
  scale__httpd_assembler_t a;
  scale__httpd_assembler_init(&a, MAX_HEADER, MAX_BODY);
  memset(s, 0, sizeof *s);
  size_t at = 0, k = 0;
  while (at < size && !s->error) {
    size_t piece = size - at;
    if (sizes) {
      size_t want = (size_t)sizes[k++ % nsizes] % 17 + 1;
      piece = want < piece ? want : piece;
    }
    const char *p = (const char *)data + at;
    size_t left = piece;
    while (left > 0 && !s->error) {
      size_t used;
      scale__httpd_event_t ev = scale__httpd_assembler_feed(&a, p, left, &used);
      if (used > left) abort();
      p += used;
      left -= used;
      if (ev == SCALE_HTTPD_REQUEST) {
        scale_httpd_request_t *r = scale__httpd_assembler_request(&a);
        if (!r) abort();
        if (s->count < MAX_REQUESTS) s->hash[s->count] = hash_request(r);
        s->count++;
        respond(r);
        if (!a.keep_alive) s->error = 1; /* the server stops reading here */
      } else if (ev == SCALE_HTTPD_ERROR) {
        s->error = a.error_status;
      } else if (ev == SCALE_HTTPD_NEED_MORE && left != 0) {
        abort();
      }
    }
    at += piece;
  }
  scale__httpd_assembler_release(&a);
}

static int is_limit(int status) {
  return status == 431 || status == 413;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  /* The first bytes choose the split; the rest is the stream. */
  size_t nsizes = data[0] % 8 + 1;
  if (size < 1 + nsizes) return 0;
  const uint8_t *sizes = data + 1;
  data += 1 + nsizes;
  size -= 1 + nsizes;
  summary_t whole, split;
  run(data, size, NULL, 0, &whole);
  run(data, size, sizes, nsizes, &split);
  if (whole.count != split.count || !whole.error != !split.error) abort();
  /* Which error comes first may differ: http-parser reports a field's bytes when the field
   * or the buffer ends, so a cap can be reached before a bad byte later in the same field is
   * seen in one run and after it in the other. Either way the connection ends. */
  if (whole.error != split.error && !is_limit(whole.error) && !is_limit(split.error)) abort();
  for (int i = 0; i < whole.count && i < MAX_REQUESTS; i++)
    if (whole.hash[i] != split.hash[i]) abort();
  return 0;
}
