/*
 * A small blocking HTTP/1.1 client for the server tests: connect to 127.0.0.1, send raw bytes,
 * read framed responses (Content-Length only: the server never sends anything else) one at a
 * time, so pipelined answers can be checked in order. Every read has a timeout, so a server
 * that hangs fails a test instead of hanging it.
 */
#ifndef SCALE_TESTS_HTTP_CLIENT_H
#define SCALE_TESTS_HTTP_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct client {
  int fd;
  char *buf; /* received, not yet consumed */
  size_t len, cap;
} client_t;

typedef struct response {
  int status;
  char head[16384]; /* status line and headers, NUL-terminated */
  char *body;       /* owned; NUL-terminated */
  size_t body_len;
} response_t;

static inline int client_open(client_t *c, uint16_t port, int timeout_ms) {
  memset(c, 0, sizeof *c);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  return 0;
}

static inline void client_close(client_t *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  free(c->buf);
  c->buf = NULL;
  c->len = c->cap = 0;
}

static inline int client_send(client_t *c, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static inline int client_send_str(client_t *c, const char *s) {
  return client_send(c, s, strlen(s));
}

/* Reads more into the buffer: >0 bytes read, 0 at EOF, -1 on error or timeout. */
static inline ssize_t client_fill(client_t *c) {
  if (c->cap - c->len < 65536) {
    size_t cap = c->cap ? c->cap * 2 : 131072;
    char *p = realloc(c->buf, cap);
    if (!p) return -1;
    c->buf = p;
    c->cap = cap;
  }
  for (;;) {
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) c->len += (size_t)n;
    return n;
  }
}

static inline void client_consume(client_t *c, size_t n) {
  memmove(c->buf, c->buf + n, c->len - n);
  c->len -= n;
}

/* The value of header name in head ("Name: value\r\n"), copied into out; NULL if absent. */
static inline const char *header_of(const char *head, const char *name, char *out, size_t out_len) {
  size_t nlen = strlen(name);
  const char *p = strstr(head, "\r\n");
  while (p && p[2] != '\0') {
    p += 2;
    if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
      const char *v = p + nlen + 1;
      while (*v == ' ')
        v++;
      const char *e = strstr(v, "\r\n");
      size_t n = e ? (size_t)(e - v) : strlen(v);
      if (n >= out_len) n = out_len - 1;
      memcpy(out, v, n);
      out[n] = '\0';
      return out;
    }
    p = strstr(p, "\r\n");
  }
  return NULL;
}

static inline void response_free(response_t *r) {
  free(r->body);
  r->body = NULL;
}

/* Reads one response (a body only when head_only is 0). Returns 0, or -1 on EOF, timeout or
 * a response this client cannot frame. */
static inline int client_read_response(client_t *c, response_t *r, int head_only) {
  memset(r, 0, sizeof *r);
  char *end;
  for (;;) {
    if (c->buf) {
      c->buf[c->len] = '\0';
      end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL;
      if (end) break;
    }
    if (client_fill(c) <= 0) return -1;
  }
  size_t head_len = (size_t)(end - c->buf) + 4;
  if (head_len >= sizeof r->head) return -1;
  memcpy(r->head, c->buf, head_len);
  r->head[head_len] = '\0';
  if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1) return -1;
  char v[64];
  size_t body_len = 0;
  if (!head_only && header_of(r->head, "Content-Length", v, sizeof v))
    body_len = strtoull(v, NULL, 10);
  if (r->status < 200 || r->status == 204 || r->status == 304) body_len = 0;
  while (c->len < head_len + body_len)
    if (client_fill(c) <= 0) return -1;
  r->body = malloc(body_len + 1);
  memcpy(r->body, c->buf + head_len, body_len);
  r->body[body_len] = '\0';
  r->body_len = body_len;
  client_consume(c, head_len + body_len);
  return 0;
}

/* 1 when the server closed the connection (EOF or reset) within the timeout and sent nothing
 * more, 0 otherwise. */
static inline int client_wait_closed(client_t *c) {
  if (c->len > 0) return 0;
  char b[256];
  for (;;) {
    ssize_t n = recv(c->fd, b, sizeof b, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return 1;
    return 0;
  }
}

#endif
