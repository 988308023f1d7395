/*
 * http_call FILE: run a function built by `scale build` once on a GET
 * request (the built-in HTTP signature) and print "status=N body=TEXT".
 * Lets tests/cli/store.py check that the functions it builds really run.
 */
#include <stdio.h>

#include "scale.h"
#include "scale/function.h"
#include "scale/http_signature.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: http_call FILE\n");
    return 2;
  }
  scale_engine_t *engine = NULL;
  scale_function_t *fn = NULL;
  scale_chain_t *chain = NULL;
  scale_http_context_t ctx;
  scale_pg_buf_t buf = {0};
  scale_bytes_t out = {0};
  scale_http_context_init(&ctx);
  scale_error_t *e = scale_engine_new(NULL, &engine);
  if (!e) e = scale_function_load(engine, argv[1], NULL, &fn);
  if (!e) e = scale_chain_new(&fn, 1, NULL, &chain);
  if (!e && !(scale_http_set_str(&ctx.request.method, "GET") && scale_http_encode(&ctx, &buf)))
    e = scale_error_new("cannot encode the request");
  if (!e) e = scale_chain_run(chain, buf.data, buf.len, NULL, NULL, &out);
  int rc = 0;
  if (e) {
    fprintf(stderr, "error: %s\n", scale_error_message(e));
    rc = 1;
  } else {
    const char *bad = scale_http_decode(&ctx, out.data, out.len, NULL);
    if (bad) {
      fprintf(stderr, "error: cannot decode the response: %s\n", bad);
      rc = 1;
    } else {
      printf("status=%d body=%s\n", (int)ctx.response.status_code,
             ctx.response.body.data ? ctx.response.body.data : "");
    }
  }
  scale_error_delete(e);
  scale_bytes_free(&out);
  scale_pg_buf_free(&buf);
  scale_http_context_free(&ctx);
  scale_chain_delete(chain);
  scale_function_delete(fn);
  scale_engine_delete(engine);
  return rc;
}
