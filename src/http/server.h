/*
 * The HTTP/1.1 server behind `scale run` (internal API of src/http, library scale_http).
 *
 * One event loop per worker thread (default: one per core), each with its own listening
 * socket bound to the same address with SO_REUSEPORT, so the kernel spreads connections over
 * the workers and a connection lives on one thread for its whole life. The handler runs on
 * that thread, synchronously, when a request is complete: it may block (it runs Wasm), which
 * stalls only the connections of its own worker, and no request or response ever crosses a
 * thread. The other design, one acceptor handing sockets to workers, costs a cross-thread hop
 * per connection and lets a busy worker be handed more work; with SO_REUSEPORT a worker that
 * is busy simply accepts later.
 *
 * Protocol: HTTP/1.1 keep-alive and HTTP/1.0 close semantics, pipelined requests answered in
 * order, chunked request bodies (decoded by http-parser), `Expect: 100-continue`, bounded
 * header and body sizes (431 / 413), malformed requests answered 400 and the connection
 * closed, responses always framed with Content-Length, header and request timeouts against
 * slow clients (408), and a graceful shutdown. The server never aborts on bad input: every
 * buffer filled from the network has a cap (limits.h).
 *
 * This header must not need libscale: adapters that run functions live beside the server and
 * use only the public headers in include/.
 */
#ifndef SCALE_HTTP_SERVER_H
#define SCALE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One request header: the name lower-cased, the value with surrounding blanks removed.
 * Both are NUL-terminated (the lengths exclude the NUL). */
typedef struct scale_httpd_header {
  const char *name;
  size_t name_len;
  const char *value;
  size_t value_len;
} scale_httpd_header_t;

/**
 * A complete request, as the handler sees it. Every pointer is owned by the server and valid
 * only during the handler call; strings are NUL-terminated.
 */
typedef struct scale_httpd_request {
  const char *method;   /**< "GET", "POST", ... */
  const char *uri;      /**< the request target as sent: "/path?query" */
  size_t uri_len;       /**< bytes in uri */
  const char *path;     /**< uri up to '?' or '#' (own copy, NUL-terminated) */
  size_t path_len;      /**< bytes in path */
  const char *query;    /**< after '?' without it, up to '#'; "" when there is none */
  size_t query_len;     /**< bytes in query */
  const char *protocol; /**< "HTTP/1.1" or "HTTP/1.0" */
  const char *peer;     /**< the client's IP address: "127.0.0.1", "::1" */
  uint16_t peer_port;   /**< the client's port */
  const scale_httpd_header_t *headers; /**< in the order received; trailers are not included */
  size_t header_count;                 /**< elements in headers */
  const uint8_t *body;                 /**< the body, de-chunked; never NULL (may be empty) */
  size_t body_len;                     /**< bytes in body */
} scale_httpd_request_t;

/** The response a handler fills; opaque, owned by the server. */
typedef struct scale_httpd_response scale_httpd_response_t;

/**
 * Called on the connection's worker thread once a request is complete. It may block; other
 * connections of the same worker wait meanwhile. It must set what it needs on res (default:
 * 200, no headers, empty body) and must not keep req or res after returning. Several workers
 * call it at once: whatever env points to must be safe to use from many threads.
 */
typedef void (*scale_httpd_handler_t)(void *env, const scale_httpd_request_t *req,
                                      scale_httpd_response_t *res);

/** How a server runs; fill with scale_httpd_config_init, then change fields. */
typedef struct scale_httpd_config {
  /** "ADDR:PORT": ADDR an IPv4 literal ("127.0.0.1", "0.0.0.0"), a bracketed IPv6 literal
   * ("[::1]", "[::]") or "localhost" (127.0.0.1); PORT decimal 0-65535, 0 for any free port
   * (read it back with scale_httpd_port). Default "127.0.0.1:8080". */
  const char *listen;
  unsigned workers;              /**< event-loop threads; 0 = one per available core */
  size_t max_header_bytes;       /**< request line + headers; default 64 KiB, larger: 431 */
  size_t max_body_bytes;         /**< request body; default 16 MiB, larger: 413 */
  unsigned max_connections;      /**< open connections over all workers; default 16384 */
  uint64_t keepalive_timeout_ms; /**< idle keep-alive connection closed after; default 5 s */
  uint64_t header_timeout_ms;    /**< first byte to end of headers (slowloris); default 10 s */
  uint64_t request_timeout_ms;   /**< first byte to end of body, and a stalled response
                                      write; default 60 s */
  int quiet;                     /**< nonzero: no access log and no error messages */
  FILE *access_log;              /**< one line per request; NULL = stdout */
  FILE *error_log;               /**< server-side problems (accept failures); NULL = stderr */
  scale_httpd_handler_t handle;  /**< required */
  void *env;                     /**< passed to handle as is */
} scale_httpd_config_t;

/** The running server; opaque. */
typedef struct scale_httpd_server scale_httpd_server_t;

/** Fills cfg with the defaults above (handle NULL: the caller must set it). */
void scale_httpd_config_init(scale_httpd_config_t *cfg);

/**
 * Parses "ADDR:PORT" as described for scale_httpd_config_t.listen into addr (sockaddr_in or
 * sockaddr_in6). Anything else (no port, a port out of range or with a sign, spaces, a host
 * name other than localhost, an unbracketed IPv6 address) is refused.
 * @return 0 on success; -1 with a message in err (err_len bytes, NUL-terminated, may be 0).
 */
int scale_httpd_parse_address(const char *text, struct sockaddr_storage *addr, char *err,
                              size_t err_len);

/**
 * Creates a server: checks cfg, binds and listens on cfg->listen in every worker (so the port
 * is known and connections queue from here on), prepares the event loops. Nothing is served
 * until scale_httpd_run. The server copies what it needs from cfg (not the FILE streams or
 * env, which must outlive it). Sets SIGPIPE to ignored if it was at its default, since a
 * client that goes away must not kill the process.
 * @param out receives the server (owned by the caller: scale_httpd_delete).
 * @return 0 on success; -1 with a message in err (bad config, address in use, ...).
 */
int scale_httpd_new(const scale_httpd_config_t *cfg, scale_httpd_server_t **out, char *err,
                    size_t err_len);

/** The bound TCP port (useful with port 0). Thread-safe. */
uint16_t scale_httpd_port(const scale_httpd_server_t *server);

/** The number of worker threads the server runs. Thread-safe. */
unsigned scale_httpd_workers(const scale_httpd_server_t *server);

/**
 * Serves until scale_httpd_shutdown: runs worker 0 on the calling thread and the others on
 * threads of their own, and returns when all have stopped. Call it once per server.
 * @return 0 after a shutdown; -1 with a message in err when a thread could not start (the
 * workers that did start are stopped first).
 */
int scale_httpd_run(scale_httpd_server_t *server, char *err, size_t err_len);

/**
 * Asks the server to stop, gracefully: every worker closes its listening socket, closes idle
 * keep-alive connections, lets requests in flight complete (reading them is still bounded by
 * the timeouts) and their responses flush with `Connection: close`, then ends; and
 * scale_httpd_run returns. Async-signal-safe and thread-safe: call it from a SIGINT/SIGTERM
 * handler or another thread, before or during scale_httpd_run, as often as you like.
 */
void scale_httpd_shutdown(scale_httpd_server_t *server);

/** Frees a server that is not running (never ran, or scale_httpd_run returned). NULL: no-op. */
void scale_httpd_delete(scale_httpd_server_t *server);

/** The value of the first header called name (lower-case), or NULL. */
const char *scale_httpd_request_header(const scale_httpd_request_t *req, const char *name);

/** Sets the status, 200-599 (anything else sends 500: 1xx are the server's). Default 200. */
void scale_httpd_response_set_status(scale_httpd_response_t *res, int status);

/**
 * Adds a header. The server writes Date, Content-Length and Connection itself: those names
 * are refused, as are names that are not HTTP tokens and values with CR, LF or NUL.
 * @return 0 on success; -1 when refused or out of memory (the response is unchanged).
 */
int scale_httpd_response_add_header(scale_httpd_response_t *res, const char *name,
                                    const char *value);

/** Replaces the body with a copy of data (len bytes; data may be NULL when len is 0).
 * @return 0; -1 when out of memory (the body is then empty). */
int scale_httpd_response_set_body(scale_httpd_response_t *res, const void *data, size_t len);

/** Appends a copy of data to the body. @return 0; -1 when out of memory (body unchanged). */
int scale_httpd_response_append_body(scale_httpd_response_t *res, const void *data, size_t len);

/** Sets the "chain" field of the access-log line (e.g. "auth>api"); copied, at most 255
 * bytes kept; NULL clears it. */
void scale_httpd_response_set_chain(scale_httpd_response_t *res, const char *chain);

/** Asks for the connection to close after this response (`Connection: close`). */
void scale_httpd_response_close(scale_httpd_response_t *res);

#ifdef __cplusplus
}
#endif

#endif
