/* A guest on the vector schema's context, written against the generated guest code:
 * Int32Field 13 fails the call; otherwise bump Int32Field, append "guest" to
 * StringArrayField, put -1:7 into Int64MapField, run the rest of the chain, and
 * record how many strings came back in Uint32Field. */
#include "sig_guest.h"

sig_model_with_all_field_types_t *scale(sig_model_with_all_field_types_t *ctx) {
  sig_error_t err;
  if (!ctx) return sig_error(ctx, "nil context");
  if (ctx->int32_field == 13) return sig_error(ctx, "unlucky");
  ctx->int32_field += 1;
  if (!sig_model_with_all_field_types_string_array_field_append(ctx, "guest", 5, &err) ||
      !sig_model_with_all_field_types_int64_map_field_put(ctx, -1, 7, &err))
    return sig_error(ctx, err.msg);
  const char *e = sig_next(ctx);
  if (e) return sig_error(ctx, e);
  ctx->uint32_field = (uint32_t)ctx->string_array_field.count;
  return ctx;
}
