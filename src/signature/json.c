/*
 * The JSON mapping of model instances used by upstream's `scale fn run`:
 * {"<Model>": {"<Field>": ...}}. JSON -> tree goes through the public
 * setters so JSON input is held to exactly the rules a setter enforces;
 * 64-bit integers are written exactly (raw number text) and accepted as
 * decimal strings, since JSON numbers pass through a double in cJSON.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature/limits.h"
#include "signature/value.h"

/* ------------------------------------------------------------ base64 */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const unsigned char *p, size_t n) {
  if (n > (SIZE_MAX / 4) * 3 - 3) return NULL;
  char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
  if (!o) return NULL;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16;
    if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    *q++ = b64[v >> 18];
    *q++ = b64[(v >> 12) & 63];
    *q++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
    *q++ = i + 2 < n ? b64[v & 63] : '=';
  }
  *q = '\0';
  return o;
}

static int b64_val(char c) {
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

/* Strict standard base64 with padding; NULL on bad input (*bad set) or OOM. */
static unsigned char *b64_decode(const char *s, size_t *out_len, bool *bad) {
  size_t n = strlen(s);
  *bad = false;
  if (n % 4) {
    *bad = true;
    return NULL;
  }
  unsigned char *o = malloc(n / 4 * 3 + 1);
  if (!o) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    for (int j = 0; j < 4; j++) {
      v[j] = s[i + j] == '=' && i + 4 == n && j >= 2 ? 0 : b64_val(s[i + j]);
      if (v[j] < 0) goto bad;
    }
    if (s[i + 2] == '=' && s[i + 3] != '=') goto bad;
    uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    o[k++] = (unsigned char)(x >> 16);
    if (s[i + 2] != '=') o[k++] = (unsigned char)(x >> 8);
    if (s[i + 3] != '=') o[k++] = (unsigned char)x;
  }
  *out_len = k;
  return o;
bad:
  free(o);
  *bad = true;
  return NULL;
}

/* ------------------------------------------------------------ to JSON */

static cJSON *num_raw(const char *text) {
  return cJSON_CreateRaw(text);
}

static cJSON *float_json(double v, bool single) {
  if (isnan(v)) return cJSON_CreateString("NaN");
  if (isinf(v)) return cJSON_CreateString(v > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, v);
    if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
  }
  return num_raw(buf);
}

static cJSON *model_json(const scale_sigvalue_t *v, unsigned depth);

static cJSON *cell_json(const struct scale_sigmodel *m, scale_sigtype_t t, long ref,
                        const sig_cell_t *c, unsigned depth) {
  char buf[32];
  switch (t) {
  case SCALE_SIGTYPE_STRING: {
    /* cJSON works on NUL-terminated strings: a NUL inside is not
     * representable through it. */
    return cJSON_CreateString(c->s.p ? c->s.p : "");
  }
  case SCALE_SIGTYPE_BYTES: {
    char *e = b64_encode((const unsigned char *)(c->s.p ? c->s.p : ""), c->s.len);
    if (!e) return NULL;
    cJSON *j = cJSON_CreateString(e);
    free(e);
    return j;
  }
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    snprintf(buf, sizeof buf, "%lld", (long long)c->i);
    return num_raw(buf);
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)c->u);
    return num_raw(buf);
  case SCALE_SIGTYPE_FLOAT32:
    return float_json(c->f, true);
  case SCALE_SIGTYPE_FLOAT64:
    return float_json(c->f, false);
  case SCALE_SIGTYPE_BOOL:
    return cJSON_CreateBool(c->b);
  case SCALE_SIGTYPE_ENUM: {
    const sig_enum_t *e = &m->sig->enums[ref];
    return cJSON_CreateString(c->u < e->value_count ? e->values[c->u] : "");
  }
  case SCALE_SIGTYPE_MODEL:
    return c->m ? model_json(c->m, depth + 1) : cJSON_CreateNull();
  }
  return NULL;
}

/* The text of a map key. */
static bool key_text(const struct scale_sigmodel *m, const sig_field_t *f, const sig_cell_t *c,
                     char *buf, size_t size, const char **out) {
  switch (f->type) {
  case SCALE_SIGTYPE_STRING:
    *out = c->s.p ? c->s.p : "";
    return true;
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    snprintf(buf, size, "%lld", (long long)c->i);
    break;
  case SCALE_SIGTYPE_ENUM:
    *out = m->sig->enums[f->ref].values[c->u];
    return true;
  default:
    snprintf(buf, size, "%llu", (unsigned long long)c->u);
    break;
  }
  *out = buf;
  return true;
}

static cJSON *model_json(const scale_sigvalue_t *v, unsigned depth) {
  if (depth >= SIG_MAX_DEPTH) return NULL;
  const struct scale_sigmodel *m = v->model;
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const sig_slot_t *s = &v->slots[i];
    cJSON *j = NULL;
    if (f->shape == SCALE_SIGSHAPE_SCALAR) {
      j = cell_json(m, f->type, f->ref, &s->one, depth);
    } else if (f->shape == SCALE_SIGSHAPE_ARRAY) {
      j = cJSON_CreateArray();
      for (size_t k = 0; j && k < s->count; k++) {
        cJSON *e = cell_json(m, f->type, f->ref, &s->vals[k], depth);
        if (!e || !cJSON_AddItemToArray(j, e)) {
          cJSON_Delete(e);
          cJSON_Delete(j);
          j = NULL;
        }
      }
    } else {
      j = cJSON_CreateObject();
      for (size_t k = 0; j && k < s->count; k++) {
        char buf[32];
        const char *key;
        key_text(m, f, &s->keys[k], buf, sizeof buf, &key);
        cJSON *e = cell_json(m, f->value_type, f->value_ref, &s->vals[k], depth);
        if (!e || !cJSON_AddItemToObject(j, key, e)) {
          cJSON_Delete(e);
          cJSON_Delete(j);
          j = NULL;
        }
      }
    }
    if (!j || !cJSON_AddItemToObject(o, f->name, j)) {
      cJSON_Delete(j);
      cJSON_Delete(o);
      return NULL;
    }
  }
  return o;
}

scale_error_t *scale_signature_to_json(const scale_sigmodel_t *model, const scale_sigvalue_t *value,
                                       char **out) {
  if (!model || !out) return scale__sig_error("scale_signature_to_json: NULL argument");
  *out = NULL;
  if (value && value->model != model)
    return scale__sig_error("cannot write a %s as a %s", value->model->name, model->name);
  cJSON *root = cJSON_CreateObject();
  cJSON *body = value ? model_json(value, 0) : cJSON_CreateNull();
  if (!root || !body || !cJSON_AddItemToObject(root, model->name, body)) {
    cJSON_Delete(root);
    cJSON_Delete(body);
    return scale__sig_error("cannot write %s as JSON: out of memory or nested too deep",
                            model->name);
  }
  *out = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  return *out ? NULL : scale__sig_error("out of memory");
}

/* ------------------------------------------------------------ from JSON */

static scale_error_t *model_from(const struct scale_sigmodel *m, const cJSON *j, unsigned depth,
                                 scale_sigvalue_t **out);

static scale_error_t *int_from(const struct scale_sigmodel *m, const sig_field_t *f, const cJSON *j,
                               bool is_unsigned, scale_sigscalar_t *out) {
  if (cJSON_IsString(j)) {
    const char *s = j->valuestring;
    char *end;
    errno = 0;
    if (is_unsigned) {
      if (s[0] == '-' || s[0] == '+' || s[0] == ' ') goto bad;
      out->as.u = strtoull(s, &end, 10);
    } else {
      if (s[0] == '+' || s[0] == ' ') goto bad;
      out->as.i = strtoll(s, &end, 10);
    }
    if (errno || end == s || *end) goto bad;
    return NULL;
  }
  if (cJSON_IsNumber(j)) {
    double d = j->valuedouble;
    if (d != floor(d) || !(fabs(d) <= 9007199254740992.0)) goto bad;
    if (is_unsigned) {
      if (d < 0) goto bad;
      out->as.u = (uint64_t)d;
    } else {
      out->as.i = (int64_t)d;
    }
    return NULL;
  }
bad:
  return scale__sig_error("%s.%s: expected an integer (a whole JSON number up to 2^53, or a "
                          "decimal string)",
                          m->name, f->name);
}

static scale_error_t *cell_from(const struct scale_sigmodel *m, const sig_field_t *f,
                                scale_sigtype_t t, long ref, const cJSON *j, unsigned depth,
                                scale_sigscalar_t *out, void **owned) {
  memset(out, 0, sizeof *out);
  *owned = NULL;
  out->type = t;
  switch (t) {
  case SCALE_SIGTYPE_STRING:
    if (!cJSON_IsString(j)) break;
    out->as.bytes.data = j->valuestring;
    out->as.bytes.len = strlen(j->valuestring);
    return NULL;
  case SCALE_SIGTYPE_BYTES: {
    if (!cJSON_IsString(j)) break;
    bool bad;
    size_t n = 0;
    unsigned char *p = b64_decode(j->valuestring, &n, &bad);
    if (!p)
      return bad ? scale__sig_error("%s.%s: invalid base64", m->name, f->name)
                 : scale__sig_error("out of memory");
    *owned = p;
    out->as.bytes.data = p;
    out->as.bytes.len = n;
    return NULL;
  }
  case SCALE_SIGTYPE_INT32:
  case SCALE_SIGTYPE_INT64:
    return int_from(m, f, j, false, out);
  case SCALE_SIGTYPE_UINT32:
  case SCALE_SIGTYPE_UINT64:
    return int_from(m, f, j, true, out);
  case SCALE_SIGTYPE_FLOAT32:
  case SCALE_SIGTYPE_FLOAT64:
    if (cJSON_IsNumber(j)) {
      out->as.f = j->valuedouble;
      return NULL;
    }
    if (cJSON_IsString(j)) {
      const char *s = j->valuestring;
      if (strcmp(s, "NaN") == 0)
        out->as.f = NAN;
      else if (strcmp(s, "Infinity") == 0)
        out->as.f = INFINITY;
      else if (strcmp(s, "-Infinity") == 0)
        out->as.f = -INFINITY;
      else
        break;
      return NULL;
    }
    break;
  case SCALE_SIGTYPE_BOOL:
    if (!cJSON_IsBool(j)) break;
    out->as.b = cJSON_IsTrue(j);
    return NULL;
  case SCALE_SIGTYPE_ENUM: {
    if (!cJSON_IsString(j)) break;
    const sig_enum_t *e = &m->sig->enums[ref];
    for (size_t k = 0; k < e->value_count; k++) {
      if (strcmp(e->values[k], j->valuestring) == 0) {
        out->as.u = k;
        return NULL;
      }
    }
    return scale__sig_error("%s.%s: \"%s\" is not a value of enum %s", m->name, f->name,
                            j->valuestring, e->name);
  }
  case SCALE_SIGTYPE_MODEL:
    if (cJSON_IsNull(j)) return NULL;
    if (depth + 1 >= SIG_MAX_DEPTH)
      return scale__sig_error("%s.%s: models nested more than %u deep", m->name, f->name,
                              SIG_MAX_DEPTH);
    return model_from(&m->sig->models[ref], j, depth + 1, &out->as.model);
  }
  return scale__sig_error("%s.%s: expected %s in JSON", m->name, f->name,
                          t == SCALE_SIGTYPE_BYTES  ? "a base64 string"
                          : t == SCALE_SIGTYPE_ENUM ? "an enum value name"
                                                    : scale__schema_type_name(t));
}

/* Map key text -> scalar of the field's key type. */
static scale_error_t *key_from(const struct scale_sigmodel *m, const sig_field_t *f,
                               const char *text, scale_sigscalar_t *out) {
  cJSON tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = cJSON_String;
  tmp.valuestring = (char *)text;
  void *owned;
  return cell_from(m, f, f->type, f->ref, &tmp, 0, out, &owned);
}

static void drop(scale_sigscalar_t *s, void *owned) {
  free(owned);
  if (s->type == SCALE_SIGTYPE_MODEL) scale_sigvalue_delete(s->as.model);
}

static scale_error_t *field_from(scale_sigvalue_t *v, const sig_field_t *f, const cJSON *j,
                                 unsigned depth) {
  const struct scale_sigmodel *m = v->model;
  scale_sigscalar_t val, key;
  void *owned;
  scale_error_t *e;
  if (f->shape == SCALE_SIGSHAPE_SCALAR) {
    e = cell_from(m, f, f->type, f->ref, j, depth, &val, &owned);
    if (!e) e = scale_sigvalue_set(v, f->name, &val);
    if (e)
      drop(&val, owned);
    else
      free(owned);
    return e;
  }
  if (f->shape == SCALE_SIGSHAPE_ARRAY) {
    if (!cJSON_IsArray(j))
      return scale__sig_error("%s.%s: expected a JSON array", m->name, f->name);
    for (const cJSON *it = j->child; it; it = it->next) {
      if (f->type == SCALE_SIGTYPE_MODEL && cJSON_IsNull(it))
        return scale__sig_error("%s.%s: null element in a model array", m->name, f->name);
      e = cell_from(m, f, f->type, f->ref, it, depth, &val, &owned);
      if (!e) e = scale_sigvalue_append(v, f->name, &val);
      if (e) {
        drop(&val, owned);
        return e;
      }
      free(owned);
    }
    return NULL;
  }
  if (!cJSON_IsObject(j))
    return scale__sig_error("%s.%s: expected a JSON object", m->name, f->name);
  for (const cJSON *it = j->child; it; it = it->next) {
    if (f->value_type == SCALE_SIGTYPE_MODEL && cJSON_IsNull(it))
      return scale__sig_error("%s.%s: null value in a model map", m->name, f->name);
    e = key_from(m, f, it->string, &key);
    if (e) return e;
    e = cell_from(m, f, f->value_type, f->value_ref, it, depth, &val, &owned);
    if (!e) e = scale_sigvalue_put(v, f->name, &key, &val);
    if (e) {
      drop(&val, owned);
      return e;
    }
    free(owned);
  }
  return NULL;
}

static scale_error_t *model_from(const struct scale_sigmodel *m, const cJSON *j, unsigned depth,
                                 scale_sigvalue_t **out) {
  *out = NULL;
  if (!cJSON_IsObject(j)) return scale__sig_error("%s: expected a JSON object", m->name);
  for (const cJSON *it = j->child; it; it = it->next) {
    if (scale_sigmodel_field_index(m, it->string) < 0)
      return scale__sig_error("unknown field %s.%s", m->name, it->string);
  }
  scale_sigvalue_t *v = scale__sigvalue_empty(m);
  if (!v) return scale__sig_error("out of memory");
  for (size_t i = 0; i < m->field_count; i++) {
    const sig_field_t *f = &m->fields[i];
    const cJSON *fj = cJSON_GetObjectItemCaseSensitive(j, f->name);
    scale_error_t *e = fj ? field_from(v, f, fj, depth)
                          : scale__sig_error("missing field %s.%s", m->name, f->name);
    if (e) {
      scale_sigvalue_delete(v);
      return e;
    }
  }
  *out = v;
  return NULL;
}

scale_error_t *scale_signature_from_json(const scale_sigmodel_t *model, const char *json,
                                         size_t len, scale_sigvalue_t **out) {
  if (!model || !out || !json) return scale__sig_error("scale_signature_from_json: NULL argument");
  *out = NULL;
  cJSON *root = cJSON_ParseWithLength(json, len);
  if (!root) return scale__sig_error("invalid JSON");
  scale_error_t *e = NULL;
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(root, model->name);
  if (!cJSON_IsObject(root) || !body || cJSON_GetArraySize(root) != 1)
    e = scale__sig_error("expected a JSON object with the single key \"%s\"", model->name);
  else if (!cJSON_IsNull(body))
    e = model_from(model, body, 0, out);
  cJSON_Delete(root);
  return e;
}
