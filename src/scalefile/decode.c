/*
 * Reading `.scale` files: the three upstream layouts (v1beta, Gen-2 and
 * Gen-1 v1alpha), told apart by the version string and, for the two
 * v1alpha layouts, by decoding with each. Every field is bounded, its kind
 * checked, and the trailer (size + SHA-256) verified before the file is
 * accepted. Never trusts a length before comparing it with the bytes left;
 * never returns a partly filled result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "scale/polyglot.h"
#include "scalefile/internal.h"
#include "util/sha256.h"

bool scale_scalefile_valid_name(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++) {
    char c = *s;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.'))
      return false;
  }
  return true;
}

const char *scale_scalefile_layout_name(scale_scalefile_layout_t layout) {
  switch (layout) {
  case SCALE_SCALEFILE_V1BETA:
    return "v1beta";
  case SCALE_SCALEFILE_V1ALPHA_GEN2:
    return "v1alpha (gen-2)";
  case SCALE_SCALEFILE_V1ALPHA_GEN1:
    return "v1alpha (gen-1)";
  }
  return "unknown";
}

void scale_scalefile_delete(scale_scalefile_t *sf) {
  if (!sf) return;
  free(sf->name);
  free(sf->tag);
  free(sf->signature_name);
  free(sf->signature_organization);
  free(sf->signature_tag);
  free(sf->signature_schema);
  free(sf->signature_hash);
  for (size_t i = 0; i < sf->extension_count; i++) {
    scale_scalefile_extension_t *e = &sf->extensions[i];
    free(e->name);
    free(e->organization);
    free(e->tag);
    free(e->schema);
    free(e->hash);
  }
  free(sf->extensions);
  free(sf->language);
  free(sf->manifest);
  free(sf->function);
  free(sf);
}

/* ---------------------------------------------------------------- fields */

/* One decoding attempt: the cursor and, on failure, why and where. */
typedef struct dec {
  scale_pg_reader_t r;
  const uint8_t *data;
  size_t len;
  char msg[256];
  size_t fail_pos;
  bool failed;
} dec_t;

static bool fail(dec_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(dec_t *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  d->failed = true;
  d->fail_pos = d->r.pos;
  return false;
}

/* Word a Polyglot failure for field `field` that should hold `want`. */
static bool fail_pg(dec_t *d, scale_pg_status_t st, const char *field, uint8_t want, size_t max) {
  switch (st) {
  case SCALE_PG_END:
    return fail(d, "scale file: truncated in field '%s'", field);
  case SCALE_PG_WRONG_KIND: {
    int k = scale_pg_peek(&d->r);
    return fail(d, "scale file: field '%s' should be %s, found %s", field, scale_pg_kind_name(want),
                k < 0 ? "the end" : scale_pg_kind_name((uint8_t)k));
  }
  case SCALE_PG_BAD_VARINT:
    return fail(d, "scale file: malformed varint in field '%s'", field);
  case SCALE_PG_TOO_LONG:
    return fail(d, "scale file: field '%s' is longer than %zu %s", field, max,
                want == SCALE_PG_SLICE || want == SCALE_PG_MAP ? "entries" : "bytes");
  case SCALE_PG_BAD_UTF8:
    return fail(d, "scale file: invalid utf-8 in field '%s'", field);
  case SCALE_PG_BAD_HEADER:
    return fail(d, "scale file: field '%s' has the wrong element kind", field);
  case SCALE_PG_NO_MEMORY:
  case SCALE_PG_OK:
    break;
  }
  return fail(d, "scale file: out of memory reading field '%s'", field);
}

static bool oom(dec_t *d, const char *field) {
  return fail(d, "scale file: out of memory reading field '%s'", field);
}

/* A String field as an owned NUL-terminated copy (NULL out: checked only). */
static bool get_str(dec_t *d, const char *field, size_t max, char **out) {
  const char *s;
  size_t n;
  scale_pg_status_t st = scale_pg_get_string(&d->r, max, &s, &n);
  if (st != SCALE_PG_OK) return fail_pg(d, st, field, SCALE_PG_STRING, max);
  if (memchr(s, 0, n)) return fail(d, "scale file: NUL byte in field '%s'", field);
  if (!out) return true;
  char *c = malloc(n + 1);
  if (!c) return oom(d, field);
  memcpy(c, s, n);
  c[n] = 0;
  *out = c;
  return true;
}

static bool get_blob(dec_t *d, const char *field, size_t max, uint8_t **out, size_t *len) {
  const uint8_t *p;
  size_t n;
  scale_pg_status_t st = scale_pg_get_bytes(&d->r, max, &p, &n);
  if (st != SCALE_PG_OK) return fail_pg(d, st, field, SCALE_PG_BYTES, max);
  uint8_t *c = malloc(n ? n : 1);
  if (!c) return oom(d, field);
  if (n) memcpy(c, p, n);
  *out = c;
  *len = n;
  return true;
}

static bool get_flag(dec_t *d, const char *field, bool *out) {
  scale_pg_status_t st = scale_pg_get_bool(&d->r, out);
  return st == SCALE_PG_OK || fail_pg(d, st, field, SCALE_PG_BOOL, 0);
}

/* An owned copy of s[0..n). */
static char *dup_n(const char *s, size_t n) {
  char *c = malloc(n + 1);
  if (c) {
    memcpy(c, s, n);
    c[n] = 0;
  }
  return c;
}

/* ----------------------------------------------------------------- layouts */

/* U32 size, String hash, and nothing after: size must count the bytes
 * before it and hash must be their SHA-256. */
static bool trailer(dec_t *d, scale_scalefile_t *sf) {
  size_t before = d->r.pos;
  uint32_t size;
  scale_pg_status_t st = scale_pg_get_u32(&d->r, &size);
  if (st != SCALE_PG_OK) return fail_pg(d, st, "size", SCALE_PG_U32, 0);
  const char *hash;
  size_t n;
  st = scale_pg_get_string(&d->r, 64, &hash, &n);
  if (st != SCALE_PG_OK) return fail_pg(d, st, "hash", SCALE_PG_STRING, 64);
  if (size != before)
    return fail(d, "scale file: size field says %u bytes but %zu precede it", (unsigned)size,
                before);
  char want[65];
  scale__sha256_hex(d->data, before, want);
  if (n != 64 || memcmp(hash, want, 64) != 0) return fail(d, "scale file: checksum mismatch");
  if (scale_pg_remaining(&d->r))
    return fail(d, "scale file: %zu trailing bytes after the checksum", scale_pg_remaining(&d->r));
  memcpy(sf->checksum, want, sizeof want);
  return true;
}

static bool v1beta(dec_t *d, scale_scalefile_t *sf) {
  const size_t S = SCALE_SCALEFILE_MAX_SHORT, T = SCALE_SCALEFILE_MAX_TEXT;
  if (!get_str(d, "name", S, &sf->name) || !get_str(d, "tag", S, &sf->tag) ||
      !get_str(d, "signature name", S, &sf->signature_name) ||
      !get_str(d, "signature organization", S, &sf->signature_organization) ||
      !get_str(d, "signature tag", S, &sf->signature_tag) ||
      !get_blob(d, "signature schema", T, &sf->signature_schema, &sf->signature_schema_len) ||
      !get_str(d, "signature hash", S, &sf->signature_hash))
    return false;
  uint32_t count;
  scale_pg_status_t st =
      scale_pg_get_slice(&d->r, SCALE_PG_ANY, SCALE_SCALEFILE_MAX_EXTENSIONS, &count);
  if (st != SCALE_PG_OK)
    return fail_pg(d, st, "extensions", SCALE_PG_SLICE, SCALE_SCALEFILE_MAX_EXTENSIONS);
  /* each extension is at least five empty values (3 bytes each) */
  if (count > scale_pg_remaining(&d->r) / 15)
    return fail(d, "scale file: truncated in field 'extensions'");
  if (count) {
    sf->extensions = calloc(count, sizeof *sf->extensions);
    if (!sf->extensions) return oom(d, "extensions");
  }
  for (uint32_t i = 0; i < count; i++) {
    scale_scalefile_extension_t *e = &sf->extensions[i];
    sf->extension_count = i + 1;
    if (!get_str(d, "extension name", S, &e->name) ||
        !get_str(d, "extension organization", S, &e->organization) ||
        !get_str(d, "extension tag", S, &e->tag) ||
        !get_blob(d, "extension schema", T, &e->schema, &e->schema_len) ||
        !get_str(d, "extension hash", S, &e->hash))
      return false;
  }
  return get_str(d, "language", S, &sf->language) &&
         get_blob(d, "manifest", T, &sf->manifest, &sf->manifest_len) &&
         get_flag(d, "stateless", &sf->stateless) &&
         get_blob(d, "function", SCALE_SCALEFILE_MAX_BYTES, &sf->function, &sf->function_len) &&
         trailer(d, sf);
}

/* Split `sig` into organization, name and tag around the first `org_sep`
 * (0: none) and the first `tag_sep` after it, as upstream's converter
 * does; missing parts are empty. */
static bool split_signature(dec_t *d, scale_scalefile_t *sf, const char *sig, char org_sep,
                            char tag_sep) {
  const char *name = sig, *org_end = NULL;
  if (org_sep && (org_end = strchr(sig, org_sep))) name = org_end + 1;
  const char *tag = strchr(name, tag_sep);
  size_t name_len = tag ? (size_t)(tag - name) : strlen(name);
  sf->signature_organization = dup_n(sig, org_end ? (size_t)(org_end - sig) : 0);
  sf->signature_name = dup_n(name, name_len);
  sf->signature_tag = tag ? dup_n(tag + 1, strlen(tag + 1)) : dup_n("", 0);
  if (!sf->signature_organization || !sf->signature_name || !sf->signature_tag)
    return oom(d, "signature");
  return true;
}

static bool v1alpha_gen2(dec_t *d, scale_scalefile_t *sf) {
  const size_t S = SCALE_SCALEFILE_MAX_SHORT;
  char *sig = NULL;
  if (!get_str(d, "name", S, &sf->name) || !get_str(d, "tag", S, &sf->tag) ||
      !get_str(d, "signature", S, &sig))
    return false;
  bool ok = split_signature(d, sf, sig, '/', ':');
  free(sig);
  if (!ok ||
      !get_blob(d, "signature schema", SCALE_SCALEFILE_MAX_TEXT, &sf->signature_schema,
                &sf->signature_schema_len) ||
      !get_str(d, "signature hash", S, &sf->signature_hash) ||
      !get_str(d, "language", S, &sf->language))
    return false;
  /* stateless came late to this layout: upstream reads it when it is there
   * and takes false otherwise (a failed read does not advance) */
  if (scale_pg_peek(&d->r) == SCALE_PG_BOOL && !get_flag(d, "stateless", &sf->stateless))
    return false;
  /* dependencies: verified, not kept (nothing downstream uses them) */
  uint32_t count;
  scale_pg_status_t st =
      scale_pg_get_slice(&d->r, SCALE_PG_ANY, SCALE_SCALEFILE_MAX_DEPENDENCIES, &count);
  if (st != SCALE_PG_OK)
    return fail_pg(d, st, "dependencies", SCALE_PG_SLICE, SCALE_SCALEFILE_MAX_DEPENDENCIES);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t entries;
    if (!get_str(d, "dependency name", S, NULL) || !get_str(d, "dependency version", S, NULL))
      return false;
    st = scale_pg_get_map(&d->r, SCALE_PG_STRING, SCALE_PG_STRING, SCALE_SCALEFILE_MAX_METADATA,
                          &entries);
    if (st != SCALE_PG_OK)
      return fail_pg(d, st, "dependency metadata", SCALE_PG_MAP, SCALE_SCALEFILE_MAX_METADATA);
    for (uint32_t k = 0; k < 2 * entries; k++)
      if (!get_str(d, "dependency metadata", S, NULL)) return false;
  }
  sf->manifest = malloc(1);
  if (!sf->manifest) return oom(d, "manifest");
  return get_blob(d, "function", SCALE_SCALEFILE_MAX_BYTES, &sf->function, &sf->function_len) &&
         trailer(d, sf);
}

static bool v1alpha_gen1(dec_t *d, scale_scalefile_t *sf) {
  const size_t S = SCALE_SCALEFILE_MAX_SHORT;
  char *sig = NULL;
  if (!get_str(d, "name", S, &sf->name) || !get_str(d, "tag", S, &sf->tag) ||
      !get_str(d, "signature", S, &sig))
    return false;
  bool ok = split_signature(d, sf, sig, 0, '@');
  free(sig);
  if (!ok) return false;
  sf->signature_hash = dup_n("", 0);
  sf->signature_schema = malloc(1);
  sf->manifest = malloc(1);
  if (!sf->signature_hash || !sf->signature_schema || !sf->manifest) return oom(d, "signature");
  return get_str(d, "language", S, &sf->language) &&
         get_blob(d, "function", SCALE_SCALEFILE_MAX_BYTES, &sf->function, &sf->function_len) &&
         trailer(d, sf);
}

/* Upstream's ValidString: only A-Z a-z 0-9 - . (the empty string passes,
 * as upstream files may leave a signature organization empty). */
static bool valid_or_empty(const char *s) {
  return !*s || scale_scalefile_valid_name(s);
}

/* Name rules, checked once the checksum says the bytes are what was
 * written, so the message is about the content, not about damage. The
 * function's own name and tag must also be non-empty. */
static bool check_names(dec_t *d, const scale_scalefile_t *sf) {
  struct {
    const char *field, *value;
  } checks[] = {{"name", sf->name},
                {"tag", sf->tag},
                {"signature name", sf->signature_name},
                {"signature organization", sf->signature_organization},
                {"signature tag", sf->signature_tag}};
  /* v1alpha signatures are free text upstream ("http@v0.3.4"): only the
   * function's own name and tag are held to the rule there */
  size_t n = sf->layout == SCALE_SCALEFILE_V1BETA ? 5 : 2;
  for (size_t i = 0; i < n; i++)
    if (i < 2 ? !scale_scalefile_valid_name(checks[i].value) : !valid_or_empty(checks[i].value))
      return fail(d, "scale file: invalid %s \"%s\" (allowed: A-Z a-z 0-9 - .)", checks[i].field,
                  checks[i].value);
  for (size_t i = 0; i < sf->extension_count; i++) {
    const scale_scalefile_extension_t *e = &sf->extensions[i];
    const char *bad = !valid_or_empty(e->name)           ? e->name
                      : !valid_or_empty(e->organization) ? e->organization
                      : !valid_or_empty(e->tag)          ? e->tag
                                                         : NULL;
    if (bad)
      return fail(d, "scale file: invalid extension %zu name, organization or tag \"%s\"", i + 1,
                  bad);
  }
  return true;
}

typedef bool (*layout_fn)(dec_t *, scale_scalefile_t *);

/* One attempt with one layout, after the version string at `start`. */
static scale_scalefile_t *attempt(dec_t *d, const uint8_t *data, size_t len, size_t start,
                                  layout_fn fn, scale_scalefile_layout_t layout) {
  memset(d, 0, sizeof *d);
  scale_pg_reader_init(&d->r, data, len);
  d->r.pos = start;
  d->data = data;
  d->len = len;
  scale_scalefile_t *sf = calloc(1, sizeof *sf);
  if (!sf) {
    fail(d, "scale file: out of memory");
    return NULL;
  }
  sf->layout = layout;
  if (fn(d, sf) && check_names(d, sf)) return sf;
  scale_scalefile_delete(sf);
  return NULL;
}

scale_error_t *scale_scalefile_decode(const uint8_t *data, size_t len, scale_scalefile_t **out) {
  if (!out) return scale__error_new(-1, "scale file: no place for the result");
  if (!data && len) return scale__error_new(-1, "scale file: no data");
  if (len > SCALE_SCALEFILE_MAX_BYTES)
    return scale__error_new(-1, "scale file: larger than %u bytes", SCALE_SCALEFILE_MAX_BYTES);
  scale_pg_reader_t r;
  scale_pg_reader_init(&r, data, len);
  const char *version;
  size_t vlen;
  scale_pg_status_t st = scale_pg_get_string(&r, 64, &version, &vlen);
  if (st == SCALE_PG_END && len == 0) return scale__error_new(-1, "scale file: empty");
  if (st != SCALE_PG_OK)
    return scale__error_new(-1, "scale file: no version string at the start (%s)",
                            scale_pg_status_text(st));

  dec_t d, d2;
  scale_scalefile_t *sf = NULL;
  if (vlen == 6 && memcmp(version, "v1beta", 6) == 0) {
    sf = attempt(&d, data, len, r.pos, v1beta, SCALE_SCALEFILE_V1BETA);
  } else if (vlen == 7 && memcmp(version, "v1alpha", 7) == 0) {
    /* Same version string, two layouts; report the attempt that got
     * further, which is the one the file was meant to be. */
    sf = attempt(&d, data, len, r.pos, v1alpha_gen2, SCALE_SCALEFILE_V1ALPHA_GEN2);
    if (!sf) {
      sf = attempt(&d2, data, len, r.pos, v1alpha_gen1, SCALE_SCALEFILE_V1ALPHA_GEN1);
      if (!sf && d2.fail_pos > d.fail_pos) d = d2;
    }
  } else {
    char shown[65];
    size_t n = vlen < 32 ? vlen : 32;
    for (size_t i = 0; i < n; i++)
      shown[i] = version[i] >= 0x20 && version[i] < 0x7f && version[i] != '"' ? version[i] : '?';
    shown[n] = 0;
    return scale__error_new(-1, "scale file: unknown version \"%s%s\"", shown,
                            vlen > n ? "..." : "");
  }
  if (!sf) return scale__error_new((int64_t)d.fail_pos, "%s", d.msg);
  *out = sf;
  return NULL;
}
