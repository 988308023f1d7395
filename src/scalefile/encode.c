/*
 * Writing `.scale` files: always the v1beta layout, with the size and
 * SHA-256 trailer upstream's reader verifies. Names are checked before
 * anything is encoded; a file that would pass the size cap is refused
 * rather than written.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "scale/polyglot.h"
#include "scalefile/internal.h"
#include "util/sha256.h"

static const char *or_empty(const char *s) {
  return s ? s : "";
}

static void put_str(scale_pg_buf_t *b, const char *s) {
  s = or_empty(s);
  scale_pg_put_string(b, s, strlen(s));
}

static scale_error_t *check_name(const char *what, const char *s) {
  if (scale_scalefile_valid_name(s)) return NULL;
  return scale__error_new(-1, "scale file: invalid %s \"%s\" (allowed: A-Z a-z 0-9 - .)", what,
                          or_empty(s));
}

static scale_error_t *check_text(const char *what, const void *p, size_t len, size_t max) {
  if (len > max) return scale__error_new(-1, "scale file: %s is larger than %zu bytes", what, max);
  if (len && !p) return scale__error_new(-1, "scale file: %s has a length but no data", what);
  return NULL;
}

static scale_error_t *validate(const scale_scalefile_t *sf) {
  scale_error_t *err;
  if ((err = check_name("name", sf->name)) || (err = check_name("tag", sf->tag)) ||
      (err = check_name("signature name", sf->signature_name)) ||
      (err = check_name("signature organization", sf->signature_organization)) ||
      (err = check_name("signature tag", sf->signature_tag)))
    return err;
  if (sf->extension_count > SCALE_SCALEFILE_MAX_EXTENSIONS)
    return scale__error_new(-1, "scale file: more than %u extensions",
                            SCALE_SCALEFILE_MAX_EXTENSIONS);
  if (sf->extension_count && !sf->extensions)
    return scale__error_new(-1, "scale file: extension count but no extensions");
  for (size_t i = 0; i < sf->extension_count; i++) {
    const scale_scalefile_extension_t *e = &sf->extensions[i];
    if ((err = check_name("extension name", e->name)) ||
        (err = check_name("extension organization", e->organization)) ||
        (err = check_name("extension tag", e->tag)) ||
        (err = check_text("extension schema", e->schema, e->schema_len, SCALE_SCALEFILE_MAX_TEXT)))
      return err;
  }
  const char *strs[] = {sf->language, sf->signature_hash};
  for (size_t i = 0; i < 2; i++)
    if (strlen(or_empty(strs[i])) > SCALE_SCALEFILE_MAX_SHORT)
      return scale__error_new(-1, "scale file: %s is longer than %u bytes",
                              i ? "signature hash" : "language", SCALE_SCALEFILE_MAX_SHORT);
  if ((err = check_text("signature schema", sf->signature_schema, sf->signature_schema_len,
                        SCALE_SCALEFILE_MAX_TEXT)) ||
      (err = check_text("manifest", sf->manifest, sf->manifest_len, SCALE_SCALEFILE_MAX_TEXT)) ||
      (err = check_text("function", sf->function, sf->function_len, SCALE_SCALEFILE_MAX_BYTES)))
    return err;
  return NULL;
}

scale_error_t *scale_scalefile_encode(const scale_scalefile_t *sf, uint8_t **out, size_t *len) {
  if (!sf || !out || !len) return scale__error_new(-1, "scale file: no file or no output");
  scale_error_t *err = validate(sf);
  if (err) return err;

  scale_pg_buf_t b;
  scale_pg_buf_init(&b);
  put_str(&b, "v1beta");
  put_str(&b, sf->name);
  put_str(&b, sf->tag);
  put_str(&b, sf->signature_name);
  put_str(&b, sf->signature_organization);
  put_str(&b, sf->signature_tag);
  scale_pg_put_bytes(&b, sf->signature_schema, sf->signature_schema_len);
  put_str(&b, sf->signature_hash);
  scale_pg_put_slice(&b, SCALE_PG_ANY, (uint32_t)sf->extension_count);
  for (size_t i = 0; i < sf->extension_count; i++) {
    const scale_scalefile_extension_t *e = &sf->extensions[i];
    put_str(&b, e->name);
    put_str(&b, e->organization);
    put_str(&b, e->tag);
    scale_pg_put_bytes(&b, e->schema, e->schema_len);
    put_str(&b, e->hash);
  }
  put_str(&b, sf->language);
  scale_pg_put_bytes(&b, sf->manifest, sf->manifest_len);
  scale_pg_put_bool(&b, sf->stateless);
  scale_pg_put_bytes(&b, sf->function, sf->function_len);
  if (scale_pg_buf_failed(&b)) {
    scale_pg_buf_free(&b);
    return scale__error_new(-1, "scale file: out of memory");
  }
  /* the trailer adds at most 6 + 67 bytes */
  if (b.len > SCALE_SCALEFILE_MAX_BYTES - 80) {
    scale_pg_buf_free(&b);
    return scale__error_new(-1, "scale file: encoded file would be larger than %u bytes",
                            SCALE_SCALEFILE_MAX_BYTES);
  }
  char hex[65];
  scale__sha256_hex(b.data, b.len, hex);
  scale_pg_put_u32(&b, (uint32_t)b.len);
  scale_pg_put_string(&b, hex, 64);
  if (scale_pg_buf_failed(&b)) {
    scale_pg_buf_free(&b);
    return scale__error_new(-1, "scale file: out of memory");
  }
  /* the buffer came from realloc: hand it over as the malloc'd result */
  *out = b.data;
  *len = b.len;
  return NULL;
}
