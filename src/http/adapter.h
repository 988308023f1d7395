/*
 * The HTTP signature adapter: a request of the server (server.h) becomes the HTTP signature
 * context a Scale function sees (scale/http_signature.h), and the context a chain returns
 * becomes the response. The mapping is upstream's fasthttp adapter (reference/scale.md 3.2):
 *
 *   Request.URI            the request target as sent ("/path?query")
 *   Request.Method         as sent
 *   Request.ContentLength  the Content-Length header when it is a valid number, else the
 *                          body's length (a chunked body has no header)
 *   Request.Protocol       as sent ("HTTP/1.1", "HTTP/1.0"); upstream's fasthttp always said
 *                          "HTTP/1.1", the truth is more useful
 *   Request.IP             the peer's address
 *   Request.Body           the body, de-chunked
 *   Request.Headers        names lower-cased; each value split on "," into the string list,
 *                          without trimming (as upstream's strings.Split does); a repeated
 *                          header adds its pieces to the same list
 *   Response.StatusCode    the status; 0 (a guest that never set it) means 200, as fasthttp
 *                          treats a zero status
 *   Response.Body          the body
 *   Response.Headers       each list joined with ","; Content-Length, Date and Connection are
 *                          the server's and are dropped; Content-Type defaults to
 *                          "text/plain; charset=utf-8" (fasthttp's default) when absent
 *
 * Uses only the server's header and the public headers (ARCHITECTURE.md: http/ sits on the
 * public API). Thread-safe: no state of its own.
 */
#ifndef SCALE_HTTP_ADAPTER_H
#define SCALE_HTTP_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "http/server.h"
#include "scale/http_signature.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Fill @p ctx (initialised by the caller, freed first) with the request part of @p req; the
 * response part is left empty (status 0).
 * @return 0; -1 when out of memory (ctx is then empty).
 */
int scale__http_adapter_request(const scale_httpd_request_t *req, scale_http_context_t *ctx);

/**
 * Append to @p buf the encoded context of @p req: byte for byte what scale__http_adapter_request()
 * and scale_http_encode() give, without building the context (no copy of the body, no
 * allocation per header).
 * @return 0; -1 when @p buf failed (out of memory).
 */
int scale__http_adapter_encode(const scale_httpd_request_t *req, scale_pg_buf_t *buf);

/**
 * Write the response part of @p ctx into @p res: status, headers, body.
 * @return 0; -1 when out of memory (res may be partly filled; answer 500).
 */
int scale__http_adapter_response(const scale_http_context_t *ctx, scale_httpd_response_t *res);

#ifdef __cplusplus
}
#endif

#endif
