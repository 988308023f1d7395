/*
 * Inside the server: the server object, its workers (one event loop and one listening socket
 * each) and their connections. A connection belongs to one worker and is touched only by that
 * worker's thread; the only cross-thread entry point is the shutdown request (an atomic flag
 * and uv_async_send).
 */
#ifndef SCALE_HTTP_WORKER_H
#define SCALE_HTTP_WORKER_H

#include "http/request.h"
#include "http/response.h"
#include "http/server.h"

#include <stdatomic.h>
#include <uv.h>

typedef struct scale__httpd_worker scale__httpd_worker_t;

/* A connection's life: OPEN reads requests; after the last response is queued it writes out
 * (LAST), half-closes (SHUTDOWN), drains input for a while (LINGER), and ends (CLOSED). */
enum { CONN_OPEN, CONN_LAST, CONN_SHUTDOWN, CONN_LINGER, CONN_CLOSED };

typedef struct scale__httpd_conn {
  uv_tcp_t tcp; /* data = the conn */
  uv_timer_t timer;
  uv_shutdown_t shutdown;
  scale__httpd_worker_t *worker;
  struct scale__httpd_conn *prev, *next; /* the worker's list */
  scale__httpd_assembler_t assembler;
  scale_httpd_response_t response;
  char *pending; /* input read but not parsed while output backs up */
  size_t pending_len, pending_cap;
  size_t out_bytes;   /* response bytes queued and not yet written */
  unsigned writes;    /* uv_write requests in flight */
  uint64_t req_start; /* uv_hrtime() at the current request's first byte; 0 = none */
  int state;
  int handles; /* uv handles not yet closed (tcp, timer) */
  unsigned char reading;
  unsigned char peer_eof;
  char peer[48];
  uint16_t peer_port;
} scale__httpd_conn_t;

struct scale__httpd_worker {
  scale_httpd_server_t *server;
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_async_t wakeup; /* scale_httpd_shutdown */
  uv_thread_t thread;
  unsigned index;
  unsigned char loop_ready, listener_open, wakeup_open, thread_started, stopping;
  unsigned conn_count, max_conns;
  scale__httpd_conn_t *conns; /* every open connection */
  char *read_buf;             /* SCALE_HTTPD_READ_CHUNK, shared by this loop's reads */
  scale__httpd_date_t date;
};

struct scale_httpd_server {
  scale_httpd_config_t cfg; /* listen points to listen_text */
  char listen_text[64];
  struct sockaddr_storage addr;
  uint16_t port;
  unsigned worker_count;
  scale__httpd_worker_t *workers;
  atomic_int stop_requested;
  int ran;
};

/** Takes an accepted connection on w (called from the listener's callback). */
void scale__httpd_conn_accept(scale__httpd_worker_t *w);

/** Shutdown on w: closes idle connections, lets busy ones finish with their last response. */
void scale__httpd_conn_stop_all(scale__httpd_worker_t *w);

/** Ends the worker's loop once it is stopping and its last connection has closed. */
void scale__httpd_worker_maybe_finish(scale__httpd_worker_t *w);

/** A server-side problem worth a line on the error log (not per request). */
void scale__httpd_log_error(scale_httpd_server_t *s, const char *what, int uv_err);

#endif
