/*
 * The request assembler (request.h): http-parser callbacks that collect one request at a time
 * into bounded buffers, and the pause points (headers complete with 100-continue, message
 * complete) that hand control back to the connection. It must never trust a length from the
 * client: every append is checked against the caps before it happens.
 */
#include "http/request.h"

#include "http/limits.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bytes per header line besides its name and value (": " and CRLF), counted against the cap
 * so that many tiny headers cannot slip past it. */
#define LINE_OVERHEAD 4u
/* Buffers larger than this are freed between requests, so an idle keep-alive connection does
 * not keep a large body's memory. */
#define KEEP_BYTES (64u * 1024)

static int fail(scale__httpd_assembler_t *a, int status, const char *reason) {
  if (!a->error_status) {
    a->error_status = status;
    a->error_reason = reason;
  }
  return -1;
}

/* Grows *buf (elements of size elem) to hold need elements; cap bounds need beforehand. */
static int reserve(void **buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 256 / elem + 1;
  while (n < need)
    n *= 2;
  void *p = realloc(*buf, n * elem);
  if (!p) return -1;
  *buf = p;
  *cap = n;
  return 0;
}

static int head_append(scale__httpd_assembler_t *a, const char *at, size_t len, int lower) {
  if (reserve((void **)&a->head, &a->head_cap, a->head_len + len + 1, 1) != 0)
    return fail(a, 503, "out of memory");
  char *dst = a->head + a->head_len;
  if (lower) {
    for (size_t i = 0; i < len; i++) {
      char c = at[i];
      dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
    }
  } else {
    memcpy(dst, at, len);
  }
  a->head_len += len;
  return 0;
}

static int head_terminate(scale__httpd_assembler_t *a) {
  if (reserve((void **)&a->head, &a->head_cap, a->head_len + 1, 1) != 0)
    return fail(a, 503, "out of memory");
  a->head[a->head_len++] = '\0';
  return 0;
}

static int count_header_bytes(scale__httpd_assembler_t *a, size_t len) {
  a->header_bytes += len;
  if (a->header_bytes > a->max_header) return fail(a, 431, "request header fields too large");
  return 0;
}

/* Closes whatever the previous callback was collecting (url, name or value) with a NUL. */
static int finish_piece(scale__httpd_assembler_t *a) {
  if (a->in_header == 0) {
    a->uri_len = (uint32_t)a->head_len;
    return head_terminate(a);
  }
  if (a->in_header == 1) {
    /* A name with no value callback at all: give it an empty value. */
    scale__httpd_field_t *f = &a->fields[a->field_count - 1];
    if (head_terminate(a) != 0) return -1;
    f->value_off = (uint32_t)a->head_len;
    f->value_len = 0;
    return head_terminate(a);
  }
  if (a->in_header == 2) return head_terminate(a);
  return 0;
}

static int on_message_begin(http_parser *p) {
  scale__httpd_assembler_t *a = p->data;
  a->started = 1;
  return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
  scale__httpd_assembler_t *a = p->data;
  /* The method, spaces and " HTTP/1.1\r\n" come with the url. */
  if (count_header_bytes(a, len + (a->head_len == 0 ? 16 : 0)) != 0) return -1;
  return head_append(a, at, len, 0);
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  scale__httpd_assembler_t *a = p->data;
  if (count_header_bytes(a, len) != 0) return -1;
  if (a->in_header == 3) return 0; /* a trailer after a chunked body: counted, not kept */
  if (a->in_header != 1) {
    if (finish_piece(a) != 0) return -1;
    if (a->field_count >= SCALE_HTTPD_MAX_HEADERS) return fail(a, 431, "too many header fields");
    if (count_header_bytes(a, LINE_OVERHEAD) != 0) return -1;
    if (reserve((void **)&a->fields, &a->field_cap, a->field_count + 1, sizeof *a->fields) != 0)
      return fail(a, 503, "out of memory");
    scale__httpd_field_t *f = &a->fields[a->field_count++];
    memset(f, 0, sizeof *f);
    f->name_off = (uint32_t)a->head_len;
    a->in_header = 1;
  }
  if (head_append(a, at, len, 1) != 0) return -1;
  a->fields[a->field_count - 1].name_len += (uint32_t)len;
  return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  scale__httpd_assembler_t *a = p->data;
  if (count_header_bytes(a, len) != 0) return -1;
  /* http-parser lets NUL through in values (RFC 9110 5.5 forbids it); a handler reading the
   * value as a C string would see a different value than a proxy in front of us. */
  if (memchr(at, '\0', len)) return fail(a, 400, "NUL in a header value");
  if (a->in_header == 3) return 0;
  scale__httpd_field_t *f = &a->fields[a->field_count - 1];
  if (a->in_header == 1) {
    if (head_terminate(a) != 0) return -1;
    f->value_off = (uint32_t)a->head_len;
    a->in_header = 2;
  }
  if (head_append(a, at, len, 0) != 0) return -1;
  f->value_len += (uint32_t)len;
  return 0;
}

static int on_headers_complete(http_parser *p) {
  scale__httpd_assembler_t *a = p->data;
  if (a->in_header != 3 && finish_piece(a) != 0) return -1;
  a->in_header = 3;
  a->headers_done = 1;
  /* Values keep no trailing blanks (http-parser drops the leading ones). */
  for (size_t i = 0; i < a->field_count; i++) {
    scale__httpd_field_t *f = &a->fields[i];
    while (f->value_len > 0 && (a->head[f->value_off + f->value_len - 1] == ' ' ||
                                a->head[f->value_off + f->value_len - 1] == '\t'))
      a->head[f->value_off + --f->value_len] = '\0';
    if (a->expect_index < 0 && f->name_len == 6 && memcmp(a->head + f->name_off, "expect", 6) == 0)
      a->expect_index = (int)i;
  }
  if (p->http_major != 1) return fail(a, 505, "HTTP version not supported");
  int has_length = (p->flags & F_CONTENTLENGTH) != 0;
  int chunked = (p->flags & F_CHUNKED) != 0;
  if (has_length && p->content_length > a->max_body)
    return fail(a, 413, "request body larger than the limit");
  if (a->expect_index >= 0) {
    const scale__httpd_field_t *f = &a->fields[a->expect_index];
    if (strcasecmp(a->head + f->value_off, "100-continue") != 0)
      return fail(a, 417, "unsupported expectation");
    /* HTTP/1.0 clients do not know 100 (RFC 9110 10.1.1); without a body there is nothing
     * to wait for. */
    if (p->http_minor >= 1 && (chunked || (has_length && p->content_length > 0))) {
      a->continue_wanted = 1;
      http_parser_pause(p, 1);
    }
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  scale__httpd_assembler_t *a = p->data;
  if (len == 0) return 0;
  if (len > a->max_body - a->body_len) return fail(a, 413, "request body larger than the limit");
  if (reserve((void **)&a->body, &a->body_cap, a->body_len + len, 1) != 0)
    return fail(a, 503, "out of memory");
  memcpy(a->body + a->body_len, at, len);
  a->body_len += len;
  return 0;
}

static int on_message_complete(http_parser *p) {
  scale__httpd_assembler_t *a = p->data;
  a->complete = 1;
  /* An upgrade (or CONNECT) hands the connection to another protocol, which this server does
   * not speak: answer the request, then close. */
  a->keep_alive = http_should_keep_alive(p) && !p->upgrade && p->method != HTTP_CONNECT;
  http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void scale__httpd_assembler_init(scale__httpd_assembler_t *a, size_t max_header, size_t max_body) {
  memset(a, 0, sizeof *a);
  http_parser_init(&a->parser, HTTP_REQUEST);
  a->parser.data = a;
  a->max_header = max_header;
  a->max_body = max_body;
  a->expect_index = -1;
}

void scale__httpd_assembler_release(scale__httpd_assembler_t *a) {
  free(a->head);
  free(a->fields);
  free(a->body);
  free(a->view);
  memset(a, 0, sizeof *a);
}

/* Forgets the delivered request; the parser itself is already at the next message. */
static void next_message(scale__httpd_assembler_t *a) {
  if (a->head_cap > KEEP_BYTES) {
    free(a->head);
    a->head = NULL;
    a->head_cap = 0;
  }
  if (a->body_cap > KEEP_BYTES) {
    free(a->body);
    a->body = NULL;
    a->body_cap = 0;
  }
  a->head_len = 0;
  a->field_count = 0;
  a->body_len = 0;
  a->header_bytes = 0;
  a->uri_len = 0;
  a->expect_index = -1;
  a->in_header = 0;
  a->started = 0;
  a->headers_done = 0;
  a->complete = 0;
  a->keep_alive = 0;
  a->continue_wanted = 0;
}

static int parse_error_status(enum http_errno e) {
  switch (e) {
  case HPE_HEADER_OVERFLOW:
    return 431;
  default: /* an unknown method too: http-parser cannot tell one from garbage */
    return 400;
  }
}

scale__httpd_event_t scale__httpd_assembler_feed(scale__httpd_assembler_t *a, const char *data,
                                                 size_t len, size_t *used) {
  *used = 0;
  if (a->error_status) return SCALE_HTTPD_ERROR;
  if (a->complete) next_message(a);
  if (len == 0) return SCALE_HTTPD_NEED_MORE;
  size_t n = http_parser_execute(&a->parser, &settings, data, len);
  *used = n;
  enum http_errno e = HTTP_PARSER_ERRNO(&a->parser);
  if (e == HPE_PAUSED) {
    http_parser_pause(&a->parser, 0);
    if (a->complete) return SCALE_HTTPD_REQUEST;
    if (a->continue_wanted) {
      a->continue_wanted = 0;
      return SCALE_HTTPD_CONTINUE;
    }
    return SCALE_HTTPD_NEED_MORE; /* not reached: only those two pause */
  }
  if (e != HPE_OK) {
    fail(a, parse_error_status(e), http_errno_description(e));
    return SCALE_HTTPD_ERROR;
  }
  if (n != len) {
    fail(a, 400, "unparsed bytes after the request");
    return SCALE_HTTPD_ERROR;
  }
  return SCALE_HTTPD_NEED_MORE;
}

/* path and query of the request target: origin form "/p?q", absolute form
 * "http://h/p?q" (RFC 9112 3.2.2), or as is for "*" and CONNECT's authority form. */
static int split_target(scale__httpd_assembler_t *a) {
  const char *uri = a->head;
  size_t len = a->uri_len;
  size_t path_off = 0, path_len = len, query_off = 0, query_len = 0;
  if (len > 0 && uri[0] == '/') {
    size_t i = 0;
    while (i < len && uri[i] != '?' && uri[i] != '#')
      i++;
    path_len = i;
    if (i < len && uri[i] == '?') {
      size_t j = i + 1;
      while (j < len && uri[j] != '#')
        j++;
      query_off = i + 1;
      query_len = j - i - 1;
    }
  } else if (len > 0 && uri[0] != '*' && a->parser.method != HTTP_CONNECT) {
    struct http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(uri, len, 0, &u) == 0 && (u.field_set & (1u << UF_PATH))) {
      path_off = u.field_data[UF_PATH].off;
      path_len = u.field_data[UF_PATH].len;
    } else {
      path_off = 0;
      path_len = 0;
    }
    if (u.field_set & (1u << UF_QUERY)) {
      query_off = u.field_data[UF_QUERY].off;
      query_len = u.field_data[UF_QUERY].len;
    }
  }
  size_t at = a->head_len;
  /* An absolute-form target without a path means "/". */
  const char *path = path_len ? uri + path_off : "/";
  size_t plen = path_len ? path_len : 1;
  if (reserve((void **)&a->head, &a->head_cap, at + plen + query_len + 2, 1) != 0) return -1;
  uri = a->head; /* may have moved */
  if (path_len) path = uri + path_off;
  memcpy(a->head + at, path, plen);
  a->head[at + plen] = '\0';
  memcpy(a->head + at + plen + 1, uri + query_off, query_len);
  a->head[at + plen + 1 + query_len] = '\0';
  a->head_len = at + plen + query_len + 2;
  a->req.path = a->head + at;
  a->req.path_len = plen;
  a->req.query = a->head + at + plen + 1;
  a->req.query_len = query_len;
  return 0;
}

scale_httpd_request_t *scale__httpd_assembler_request(scale__httpd_assembler_t *a) {
  if (!a->complete) return NULL;
  scale_httpd_request_t *r = &a->req;
  memset(r, 0, sizeof *r);
  if (split_target(a) != 0 ||
      reserve((void **)&a->view, &a->view_cap, a->field_count + 1, sizeof *a->view) != 0) {
    fail(a, 503, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < a->field_count; i++) {
    const scale__httpd_field_t *f = &a->fields[i];
    a->view[i].name = a->head + f->name_off;
    a->view[i].name_len = f->name_len;
    a->view[i].value = a->head + f->value_off;
    a->view[i].value_len = f->value_len;
  }
  r->method = http_method_str((enum http_method)a->parser.method);
  r->uri = a->head;
  r->uri_len = a->uri_len;
  r->protocol = a->parser.http_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  r->peer = "";
  r->headers = a->view;
  r->header_count = a->field_count;
  r->body = a->body ? a->body : (const uint8_t *)"";
  r->body_len = a->body_len;
  return r;
}

int scale__httpd_assembler_busy(const scale__httpd_assembler_t *a) {
  return a->started && !a->complete;
}

const char *scale_httpd_request_header(const scale_httpd_request_t *req, const char *name) {
  for (size_t i = 0; i < req->header_count; i++)
    if (strcmp(req->headers[i].name, name) == 0) return req->headers[i].value;
  return NULL;
}
