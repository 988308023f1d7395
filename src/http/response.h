/*
 * Responses inside the server: the object a handler fills (server.h's scale_httpd_response_t)
 * and its serialization into the bytes written to the socket, plus the server's own error
 * responses and the access-log line. No sockets here, so it is testable and fuzzable alone.
 */
#ifndef SCALE_HTTP_RESPONSE_H
#define SCALE_HTTP_RESPONSE_H

#include "http/limits.h"
#include "http/server.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct scale_httpd_response {
  int status;
  char *headers; /* "Name: value\r\n" lines as the handler added them */
  size_t headers_len, headers_cap;
  uint8_t *body;
  size_t body_len, body_cap;
  unsigned char close; /* the handler asked for Connection: close */
  char chain[SCALE_HTTPD_MAX_CHAIN + 1];
};

/** Bytes ready to write: head (status line, headers, and a small body copied in) and an
 * optional separate body; both owned by whoever holds the struct (free()). */
typedef struct scale__httpd_out {
  char *head;
  size_t head_len;
  uint8_t *body;
  size_t body_len;
  size_t body_bytes; /* body bytes sent, for the log (0 for HEAD, 204, 304) */
} scale__httpd_out_t;

/** An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), 29 chars + NUL, cached per worker. */
typedef struct scale__httpd_date {
  long long second;
  char text[32];
} scale__httpd_date_t;

/** Brings d up to the current second (a call to time() when it already is). */
void scale__httpd_date_update(scale__httpd_date_t *d);

void scale__httpd_response_init(scale_httpd_response_t *res);
/** Back to the defaults for the next request, keeping small buffers. */
void scale__httpd_response_reset(scale_httpd_response_t *res);
void scale__httpd_response_release(scale_httpd_response_t *res);

/**
 * Serializes res for the wire. keep_alive: the connection stays open (else Connection:
 * close); http10: the client spoke HTTP/1.0 (keep-alive must then be said); head_only: the
 * request was HEAD (the length is sent, the body is not). A large body moves from res to out.
 * @return 0; -1 when out of memory (out is empty).
 */
int scale__httpd_response_finish(scale_httpd_response_t *res, const char *date, int keep_alive,
                                 int http10, int head_only, scale__httpd_out_t *out);

/** The server's own response for status (400, 408, 413, 431, 500, 503, ...), with a short
 * text body and Connection: close. @return 0; -1 when out of memory. */
int scale__httpd_response_error(int status, const char *date, scale__httpd_out_t *out);

/** Writes one access-log line: time, peer, method, path, status, bytes, duration, chain. */
void scale__httpd_log_request(FILE *f, const char *peer, const char *method, const char *path,
                              size_t path_len, int status, size_t bytes, uint64_t duration_us,
                              const char *chain);

#endif
