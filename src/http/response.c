/*
 * Responses (response.h): what handlers may set, and how it becomes bytes. The server alone
 * frames the message (Content-Length, Connection, Date), so a handler can never produce a
 * response that desynchronizes a keep-alive connection: header names and values are checked
 * for CR/LF, and framing headers are refused.
 */
#include "http/response.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Bodies up to this size are copied after the head: one buffer, one write. Larger ones go
 * out as a second buffer of the same writev without a copy. */
#define INLINE_BODY (16u * 1024)

void scale__httpd_date_update(scale__httpd_date_t *d) {
  time_t now = time(NULL);
  if ((long long)now == d->second && d->text[0]) return;
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(d->text, sizeof d->text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  d->second = (long long)now;
}

void scale__httpd_response_init(scale_httpd_response_t *res) {
  memset(res, 0, sizeof *res);
  res->status = 200;
}

void scale__httpd_response_reset(scale_httpd_response_t *res) {
  if (res->headers_cap > 16 * 1024) {
    free(res->headers);
    res->headers = NULL;
    res->headers_cap = 0;
  }
  if (res->body_cap > 64 * 1024) {
    free(res->body);
    res->body = NULL;
    res->body_cap = 0;
  }
  res->status = 200;
  res->headers_len = 0;
  res->body_len = 0;
  res->close = 0;
  res->chain[0] = '\0';
}

void scale__httpd_response_release(scale_httpd_response_t *res) {
  free(res->headers);
  free(res->body);
  memset(res, 0, sizeof *res);
}

void scale_httpd_response_set_status(scale_httpd_response_t *res, int status) {
  res->status = status;
}

static int is_token_char(unsigned char c) {
  /* RFC 9110 5.6.2 tchar */
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int grow(void **buf, size_t *cap, size_t need) {
  if (need <= *cap) return 0;
  size_t n = *cap ? *cap : 256;
  while (n < need) {
    if (n > SIZE_MAX / 2) return -1;
    n *= 2;
  }
  void *p = realloc(*buf, n);
  if (!p) return -1;
  *buf = p;
  *cap = n;
  return 0;
}

int scale_httpd_response_add_header(scale_httpd_response_t *res, const char *name,
                                    const char *value) {
  if (!name || !value || !name[0]) return -1;
  size_t nlen = strlen(name), vlen = strlen(value);
  for (size_t i = 0; i < nlen; i++)
    if (!is_token_char((unsigned char)name[i])) return -1;
  for (size_t i = 0; i < vlen; i++)
    if (value[i] == '\r' || value[i] == '\n') return -1;
  if (strcasecmp(name, "content-length") == 0 || strcasecmp(name, "transfer-encoding") == 0 ||
      strcasecmp(name, "connection") == 0 || strcasecmp(name, "date") == 0)
    return -1;
  size_t need = res->headers_len + nlen + vlen + 4;
  if (grow((void **)&res->headers, &res->headers_cap, need) != 0) return -1;
  char *p = res->headers + res->headers_len;
  memcpy(p, name, nlen);
  p += nlen;
  *p++ = ':';
  *p++ = ' ';
  memcpy(p, value, vlen);
  p += vlen;
  *p++ = '\r';
  *p++ = '\n';
  res->headers_len = need;
  return 0;
}

int scale_httpd_response_set_body(scale_httpd_response_t *res, const void *data, size_t len) {
  res->body_len = 0;
  return scale_httpd_response_append_body(res, data, len);
}

int scale_httpd_response_append_body(scale_httpd_response_t *res, const void *data, size_t len) {
  if (len == 0) return 0;
  if (!data || len > SIZE_MAX - res->body_len) return -1;
  if (grow((void **)&res->body, &res->body_cap, res->body_len + len) != 0) return -1;
  memcpy(res->body + res->body_len, data, len);
  res->body_len += len;
  return 0;
}

void scale_httpd_response_set_chain(scale_httpd_response_t *res, const char *chain) {
  if (!chain) {
    res->chain[0] = '\0';
    return;
  }
  size_t n = strnlen(chain, SCALE_HTTPD_MAX_CHAIN);
  memcpy(res->chain, chain, n);
  res->chain[n] = '\0';
}

void scale_httpd_response_close(scale_httpd_response_t *res) {
  res->close = 1;
}

static const char *reason(int status) {
  const char *s = http_status_str((enum http_status)status);
  return (s && s[0] != '<') ? s : "";
}

/* Appends with a bound the caller computed; never overflows since cap is exact. */
static size_t put(char *dst, size_t at, const char *s, size_t n) {
  if (n) /* s may be NULL when n is 0 (no headers yet): memcpy must not see it */
    memcpy(dst + at, s, n);
  return at + n;
}

static size_t put_str(char *dst, size_t at, const char *s) {
  return put(dst, at, s, strlen(s));
}

static size_t put_uint(char *dst, size_t at, size_t v) {
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n)
    dst[at++] = tmp[--n];
  return at;
}

/* The status line and Date; returns the position after them. */
static size_t put_start(char *dst, int status, const char *date) {
  size_t at = put_str(dst, 0, "HTTP/1.1 ");
  at = put_uint(dst, at, (size_t)status);
  dst[at++] = ' ';
  at = put_str(dst, at, reason(status));
  at = put_str(dst, at, "\r\nDate: ");
  at = put_str(dst, at, date);
  return put_str(dst, at, "\r\n");
}

int scale__httpd_response_finish(scale_httpd_response_t *res, const char *date, int keep_alive,
                                 int http10, int head_only, scale__httpd_out_t *out) {
  memset(out, 0, sizeof *out);
  int status = res->status;
  if (status < 200 || status > 599) status = 500;
  /* 204 and 304 have no body (RFC 9110 15.3.5, 15.4.5); 204 must not say a length. */
  int no_body = status == 204 || status == 304;
  size_t body_len = no_body ? 0 : res->body_len;
  int send_body = !head_only && body_len > 0;
  int inline_body = send_body && body_len <= INLINE_BODY;
  size_t cap = 160 + strlen(date) + res->headers_len + (inline_body ? body_len : 0);
  out->head = malloc(cap);
  if (!out->head) return -1;
  char *h = out->head;
  size_t at = put_start(h, status, date);
  at = put(h, at, res->headers, res->headers_len);
  if (status != 204) {
    at = put_str(h, at, "Content-Length: ");
    at = put_uint(h, at, body_len);
    at = put_str(h, at, "\r\n");
  }
  if (!keep_alive)
    at = put_str(h, at, "Connection: close\r\n");
  else if (http10)
    at = put_str(h, at, "Connection: keep-alive\r\n");
  at = put_str(h, at, "\r\n");
  if (inline_body) {
    at = put(h, at, (const char *)res->body, body_len);
  } else if (send_body) {
    out->body = res->body;
    out->body_len = body_len;
    res->body = NULL;
    res->body_cap = 0;
    res->body_len = 0;
  }
  out->head_len = at;
  out->body_bytes = send_body ? body_len : 0;
  return 0;
}

int scale__httpd_response_error(int status, const char *date, scale__httpd_out_t *out) {
  memset(out, 0, sizeof *out);
  const char *text = reason(status);
  size_t text_len = strlen(text) + 1;
  out->head = malloc(200 + strlen(date) + text_len);
  if (!out->head) return -1;
  char *h = out->head;
  size_t at = put_start(h, status, date);
  at = put_str(h, at, "Content-Type: text/plain\r\nContent-Length: ");
  at = put_uint(h, at, text_len);
  at = put_str(h, at, "\r\nConnection: close\r\n\r\n");
  at = put_str(h, at, text);
  h[at++] = '\n';
  out->head_len = at;
  out->body_bytes = text_len;
  return 0;
}

/* Writes s to f with bytes that would break the line's fields escaped as %XX. */
static void put_escaped(FILE *f, const char *s, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  char buf[1024 * 3 + 4];
  size_t n = 0;
  if (len > 1024) len = 1024; /* a log line is for people; the full URI is in the request */
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '%') {
      buf[n++] = '%';
      buf[n++] = hex[c >> 4];
      buf[n++] = hex[c & 15];
    } else {
      buf[n++] = (char)c;
    }
  }
  buf[n] = '\0';
  fputs(buf, f);
}

void scale__httpd_log_request(FILE *f, const char *peer, const char *method, const char *path,
                              size_t path_len, int status, size_t bytes, uint64_t duration_us,
                              const char *chain) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[40];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  /* One locked stream per line, so lines of different workers never interleave. */
  flockfile(f);
  fprintf(f, "%s.%03ldZ %s %s ", when, ts.tv_nsec / 1000000, peer, method);
  put_escaped(f, path, path_len);
  fprintf(f, " %d %zu %lluus", status, bytes, (unsigned long long)duration_us);
  if (chain && chain[0]) {
    fputc(' ', f);
    put_escaped(f, chain, strlen(chain));
  }
  fputc('\n', f);
  funlockfile(f);
}
