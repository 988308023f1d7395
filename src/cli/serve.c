/*
 * `scale run`'s request handlers (run.h): the HTTP signature (every request becomes a context
 * through src/http/adapter.h), JSON contexts of a custom signature (POST only, as upstream's
 * `scale run` v0.2 serves them), and the native handler bench/http compares against.
 *
 * A function that fails — guest error, trap, deadline, fuel, memory cap, a malformed result —
 * answers 500 with a JSON body naming the function and the reason, and one line goes to the
 * log; the chain's pools discard the failed instance, so the next request starts clean.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/run.h"
#include "http/adapter.h"
#include "http/server.h"

/* ---- faults ------------------------------------------------------------ */

/* The short reason of a failed call, from its kind and, for limits, its message. */
static const char *reason_of(const scale_error_t *e) {
  const char *msg = scale_error_message(e);
  switch (scale_error_kind(e)) {
  case SCALE_ERROR_GUEST:
    return "guest error";
  case SCALE_ERROR_TRAP:
    return "trap";
  case SCALE_ERROR_LIMIT:
    if (strstr(msg, "deadline")) return "deadline exceeded";
    if (strstr(msg, "fuel")) return "fuel exhausted";
    if (strstr(msg, "memory")) return "memory limit exceeded";
    return "limit exceeded";
  case SCALE_ERROR_BAD_OUTPUT:
    return "bad output";
  default:
    return "internal error";
  }
}

/* The function an error names ("function 'x:t': ..."), else the chain's first. */
static void function_of(const scale_error_t *e, const scale__run_live_t *live, char *buf,
                        size_t cap) {
  const char *msg = scale_error_message(e);
  static const char prefix[] = "function '";
  if (strncmp(msg, prefix, sizeof prefix - 1) == 0) {
    const char *start = msg + sizeof prefix - 1;
    const char *end = strstr(start, "': ");
    if (end && (size_t)(end - start) < cap) {
      memcpy(buf, start, (size_t)(end - start));
      buf[end - start] = '\0';
      return;
    }
  }
  scale_function_t *fn = live ? scale_chain_function(live->chain, 0) : NULL;
  snprintf(buf, cap, "%s", fn ? scale_function_name(fn) : "");
}

/* Answers @p status with {"error": message[, "function": ..., "reason": ...]}. */
static void answer_error(scale_httpd_response_t *res, int status, const char *message,
                         const char *function, const char *reason) {
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;
  if (o && cJSON_AddStringToObject(o, "error", message) &&
      (!function || cJSON_AddStringToObject(o, "function", function)) &&
      (!reason || cJSON_AddStringToObject(o, "reason", reason)))
    text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  scale_httpd_response_set_status(res, status);
  scale_httpd_response_add_header(res, "Content-Type", "application/json");
  if (text) {
    scale_httpd_response_set_body(res, text, strlen(text));
    scale_httpd_response_append_body(res, "\n", 1);
    cJSON_free(text);
  } else {
    static const char oom[] = "{\"error\":\"out of memory\"}\n";
    scale_httpd_response_set_body(res, oom, sizeof oom - 1);
  }
}

/* A failed call: 500, JSON body, one log line. Takes @p e. */
static void fault(scale__run_t *run, scale__run_live_t *live, const scale_httpd_request_t *req,
                  scale_httpd_response_t *res, scale_error_t *e) {
  char fn[SCALE_FUNCTION_MAX_NAME + 1];
  function_of(e, live, fn, sizeof fn);
  const char *reason = reason_of(e);
  answer_error(res, 500, scale_error_message(e), fn, reason);
  scale__run_logf(run, "%s %.200s: 500: %s", req->method, req->uri, scale_error_message(e));
  scale_error_delete(e);
}

/* ---- the HTTP signature ------------------------------------------------ */

/* Where take_response() puts the decoded output. */
typedef struct response {
  scale_chain_t *chain;
  scale_http_context_t *ctx;
  scale_httpd_response_t *res;
} response_t;

/* The chain's output, decoded while it is still in the guest's memory (no copy out first). */
static scale_error_t *take_response(void *env, const uint8_t *data, size_t len) {
  response_t *r = env;
  const char *bad = scale_http_decode(r->ctx, data, len, NULL);
  if (bad) {
    char msg[SCALE_FUNCTION_MAX_NAME + 200];
    scale_function_t *fn = scale_chain_function(r->chain, 0);
    snprintf(msg, sizeof msg, "function '%s': malformed output: %s", scale_function_name(fn), bad);
    return scale_error_new_kind(SCALE_ERROR_BAD_OUTPUT, msg);
  }
  if (scale__http_adapter_response(r->ctx, r->res) != 0)
    return scale_error_new("out of memory writing the response");
  return NULL;
}

static void handle_http(scale__run_t *run, const scale_httpd_request_t *req,
                        scale_httpd_response_t *res) {
  scale__run_live_t *live = scale__run_acquire(run);
  scale_httpd_response_set_chain(res, live->name);
  scale_http_context_t ctx;
  scale_http_context_init(&ctx);
  scale_pg_buf_t buf;
  scale_pg_buf_init(&buf);
  scale_error_t *e = NULL;
  /* One allocation for the encoded context in the common case: body, URI and headers plus
   * the framing bytes of every field. */
  size_t guess = req->body_len + req->uri_len + 256;
  for (size_t i = 0; i < req->header_count; i++)
    guess += req->headers[i].name_len + req->headers[i].value_len + 16;
  if (!scale_pg_buf_reserve(&buf, guess) || scale__http_adapter_encode(req, &buf) != 0) {
    e = scale_error_new("out of memory building the request context");
  } else {
    response_t r = {live->chain, &ctx, res};
    e = scale_chain_run_view(live->chain, buf.data, buf.len, NULL, NULL, take_response, &r);
  }
  if (e) fault(run, live, req, res, e);
  scale_pg_buf_free(&buf);
  scale_http_context_free(&ctx);
  scale__run_release(run, live);
}

/* ---- the native handler (bench/http) ---------------------------------- */

static void handle_native(scale__run_t *run, const scale_httpd_request_t *req,
                          scale_httpd_response_t *res) {
  scale_httpd_response_set_chain(res, "native");
  scale_http_context_t ctx;
  scale_http_context_init(&ctx);
  if (scale__http_adapter_request(req, &ctx) != 0) {
    answer_error(res, 500, "out of memory", NULL, NULL);
    return;
  }
  scale_http_context_t *r = run->native(&ctx);
  const char *err = run->native_error();
  if (err || !r)
    answer_error(res, 500, err ? err : "function returned no context", "native", "guest error");
  else if (scale__http_adapter_response(r, res) != 0)
    answer_error(res, 500, "out of memory", NULL, NULL);
  if (r && r != &ctx) scale_http_context_free(r);
  scale_http_context_free(&ctx);
}

/* ---- JSON contexts ------------------------------------------------------ */

scale_error_t *scale__run_json(scale__run_t *run, scale__run_live_t *live, const char *json,
                               size_t len, char **out, int *status) {
  const scale_sigmodel_t *model = scale_signature_context(run->signature);
  scale_sigvalue_t *in = NULL, *result = NULL;
  uint8_t *enc = NULL;
  size_t enc_len = 0;
  scale_bytes_t got = {NULL, 0};
  *out = NULL;
  *status = 400;
  scale_error_t *e = scale_signature_from_json(model, json, len, &in);
  if (!e) e = scale_signature_encode(model, in, &enc, &enc_len);
  if (!e) {
    *status = 500;
    e = scale_chain_run(live->chain, enc, enc_len, NULL, NULL, &got);
  }
  if (!e) {
    bool guest = false;
    e = scale_signature_decode(model, got.data, got.len, &result, &guest);
    if (e && !guest) {
      char msg[SCALE_FUNCTION_MAX_NAME + 600];
      snprintf(msg, sizeof msg, "function '%s': malformed output: %s",
               scale_function_name(scale_chain_function(live->chain, 0)), scale_error_message(e));
      scale_error_delete(e);
      e = scale_error_new_kind(SCALE_ERROR_BAD_OUTPUT, msg);
    }
  }
  if (!e) e = scale_signature_to_json(model, result, out);
  if (!e) *status = 200;
  scale_sigvalue_delete(in);
  scale_sigvalue_delete(result);
  free(enc);
  scale_bytes_free(&got);
  return e;
}

static void handle_json(scale__run_t *run, const scale_httpd_request_t *req,
                        scale_httpd_response_t *res) {
  scale__run_live_t *live = scale__run_acquire(run);
  scale_httpd_response_set_chain(res, live->name);
  if (strcmp(req->method, "POST") != 0) {
    answer_error(res, 405, "POST a JSON context: {\"<Context>\": {...}}", NULL, NULL);
    scale_httpd_response_add_header(res, "Allow", "POST");
  } else {
    char *text = NULL;
    int status = 0;
    scale_error_t *e =
        scale__run_json(run, live, (const char *)req->body, req->body_len, &text, &status);
    if (e && status == 400) {
      answer_error(res, 400, scale_error_message(e), NULL, NULL);
      scale_error_delete(e);
    } else if (e) {
      fault(run, live, req, res, e);
    } else {
      scale_httpd_response_add_header(res, "Content-Type", "application/json");
      scale_httpd_response_set_body(res, text, strlen(text));
      scale_httpd_response_append_body(res, "\n", 1);
    }
    free(text);
  }
  scale__run_release(run, live);
}

void scale__run_handle(void *env, const scale_httpd_request_t *req, scale_httpd_response_t *res) {
  scale__run_t *run = env;
  switch (run->mode) {
  case SCALE_RUN_NATIVE:
    handle_native(run, req, res);
    break;
  case SCALE_RUN_JSON:
    handle_json(run, req, res);
    break;
  default:
    handle_http(run, req, res);
    break;
  }
}
