/*
 * Every default and hard cap of the HTTP server in one place: each buffer that the network
 * fills is bounded by one of these (or by a configured value that these clamp).
 */
#ifndef SCALE_HTTP_LIMITS_H
#define SCALE_HTTP_LIMITS_H

#define SCALE_HTTPD_DEFAULT_LISTEN "127.0.0.1:8080"
#define SCALE_HTTPD_DEFAULT_MAX_HEADER (64u * 1024)
#define SCALE_HTTPD_DEFAULT_MAX_BODY (16u * 1024 * 1024)
#define SCALE_HTTPD_DEFAULT_MAX_CONNECTIONS 16384u
#define SCALE_HTTPD_DEFAULT_KEEPALIVE_MS 5000u
#define SCALE_HTTPD_DEFAULT_HEADER_MS 10000u
#define SCALE_HTTPD_DEFAULT_REQUEST_MS 60000u

/* Hard caps on configured values: a header section of more than 1 MiB or a body of more than
 * 1 GiB is not something `scale run` should buffer; 256 workers is far past any core count. */
#define SCALE_HTTPD_MAX_HEADER_CAP (1024u * 1024)
#define SCALE_HTTPD_MAX_BODY_CAP (1024u * 1024 * 1024)
#define SCALE_HTTPD_MAX_WORKERS 256u
#define SCALE_HTTPD_MAX_CONNECTIONS_CAP (1u << 20)

/* At most this many headers per request (also bounded by the header bytes). */
#define SCALE_HTTPD_MAX_HEADERS 512u
/* Bytes read from a socket at once (one buffer per worker). */
#define SCALE_HTTPD_READ_CHUNK (64u * 1024)
/* While more than this many response bytes wait for the client, pipelined requests are not
 * parsed and the socket is not read: a client that sends but never reads cannot make the
 * server buffer responses without end. */
#define SCALE_HTTPD_MAX_PENDING_OUTPUT (1024u * 1024)
/* After the last response of a connection the server half-closes it and drains what the
 * client still sends for at most this long, so a final error response is not lost to a reset
 * (the "lingering close" of Apache and nginx). */
#define SCALE_HTTPD_LINGER_MS 2000u
/* Bytes of the access log's chain field kept. */
#define SCALE_HTTPD_MAX_CHAIN 255u
/* listen() backlog of each worker's socket. */
#define SCALE_HTTPD_BACKLOG 1024

#endif
