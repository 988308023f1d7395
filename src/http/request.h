/*
 * The request assembler: turns the bytes of one connection into complete requests with
 * http-parser doing the parsing (request line, headers, Content-Length and chunked framing).
 * It owns the per-request buffers, enforces the header and body caps, and knows nothing of
 * sockets or threads, so the fuzzer (fuzz/http.c) can drive it on byte streams alone.
 */
#ifndef SCALE_HTTP_REQUEST_H
#define SCALE_HTTP_REQUEST_H

#include "http/server.h"

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

/** What a call to scale__httpd_assembler_feed stopped at. */
typedef enum scale__httpd_event {
  /** All the bytes given were consumed; the request (if any) is not complete yet. */
  SCALE_HTTPD_NEED_MORE,
  /** The headers asked for `Expect: 100-continue` and are acceptable: send
   * "HTTP/1.1 100 Continue", then feed the rest. */
  SCALE_HTTPD_CONTINUE,
  /** A complete request: read it with scale__httpd_assembler_request, then feed the rest. */
  SCALE_HTTPD_REQUEST,
  /** The stream is not acceptable HTTP: reply error_status and close the connection. */
  SCALE_HTTPD_ERROR,
} scale__httpd_event_t;

/** Where one header sits in the head buffer (offsets survive its growth). */
typedef struct scale__httpd_field {
  uint32_t name_off, name_len, value_off, value_len;
} scale__httpd_field_t;

typedef struct scale__httpd_assembler {
  http_parser parser;
  size_t max_header; /* bytes of request line + headers, counted as sent */
  size_t max_body;
  /* The request line's target and the headers, each followed by a NUL:
   * uri NUL name NUL value NUL name NUL value NUL ... then path NUL query NUL. */
  char *head;
  size_t head_len, head_cap;
  scale__httpd_field_t *fields;
  size_t field_count, field_cap;
  uint8_t *body;
  size_t body_len, body_cap;
  scale_httpd_header_t *view; /* the request's header array, built when complete */
  size_t view_cap;
  size_t header_bytes; /* counted against max_header */
  uint32_t uri_len;
  int expect_index;        /* field index of `expect`, or -1 */
  unsigned char in_header; /* 0 url, 1 field name, 2 value, 3 after the headers */
  unsigned char started;   /* a request's first byte has been seen */
  unsigned char headers_done;
  unsigned char complete; /* a request is ready (until the next feed) */
  unsigned char keep_alive;
  unsigned char continue_wanted;
  int error_status;         /* the status for SCALE_HTTPD_ERROR */
  const char *error_reason; /* why, for logs and tests (static string) */
  scale_httpd_request_t req;
} scale__httpd_assembler_t;

/** Prepares a; max_header and max_body are the caps (bytes). */
void scale__httpd_assembler_init(scale__httpd_assembler_t *a, size_t max_header, size_t max_body);

/** Frees what a holds. */
void scale__httpd_assembler_release(scale__httpd_assembler_t *a);

/**
 * Parses data (len bytes) until an event: writes the number of bytes consumed to *used (the
 * caller feeds the rest again after handling the event). After SCALE_HTTPD_ERROR the
 * assembler must not be fed again. Out of memory is an error (503).
 */
scale__httpd_event_t scale__httpd_assembler_feed(scale__httpd_assembler_t *a, const char *data,
                                                 size_t len, size_t *used);

/** The complete request after SCALE_HTTPD_REQUEST (peer fields empty: the caller sets them);
 * valid until the next feed. */
scale_httpd_request_t *scale__httpd_assembler_request(scale__httpd_assembler_t *a);

/** Nonzero while a request has begun but is not complete. */
int scale__httpd_assembler_busy(const scale__httpd_assembler_t *a);

#endif
