/*
 * Function references, "ORG/NAME:TAG": parsing and the naming rules.
 *
 * The rules are the intersection of upstream Scale's (^[A-Za-z0-9-.]+$,
 * no '-' in a new function's name) and OCI's (lower-case repository
 * names, tags [A-Za-z0-9_][A-Za-z0-9._-]{0,127}), so every reference the
 * store accepts can be pushed to any OCI registry unchanged.
 */
#include <stdio.h>
#include <string.h>

#include "registry/store.h"

static bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool scale__registry_check_name(const char *what, const char *s, char *err, size_t cap) {
  size_t n = strlen(s);
  /* '-' only outside function names: upstream's `new` refuses it there (it names code). */
  bool dash = strcmp(what, "function") != 0;
  const char *rule = dash ? "use lower-case letters, digits and single '.' or '-' between them"
                          : "use lower-case letters, digits and single '.' between them";
  if (n == 0) {
    snprintf(err, cap, "empty %s name", what);
    return false;
  }
  if (n > SCALE_STORE_MAX_NAME) {
    snprintf(err, cap, "%s name '%.40s...' is too long (%zu characters, at most %d)", what, s, n,
             SCALE_STORE_MAX_NAME);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (is_lower_alnum(c)) continue;
    if ((c == '.' || (c == '-' && dash)) && i > 0 && i + 1 < n && is_lower_alnum(s[i + 1]))
      continue;
    if (c >= 'A' && c <= 'Z')
      snprintf(err, cap, "invalid %s name '%s': upper-case '%c' (%s)", what, s, c, rule);
    else if (c == '.' || (c == '-' && dash))
      snprintf(err, cap, "invalid %s name '%s': '%c' at the start, the end or twice in a row (%s)",
               what, s, c, rule);
    else if (c >= 0x21 && c < 0x7f)
      snprintf(err, cap, "invalid %s name '%s': '%c' is not allowed (%s)", what, s, c, rule);
    else
      snprintf(err, cap, "invalid %s name '%s': character 0x%02x is not allowed (%s)", what, s,
               (unsigned char)c, rule);
    return false;
  }
  return true;
}

bool scale__registry_check_tag(const char *s, char *err, size_t cap) {
  size_t n = strlen(s);
  const char *rule = "use letters, digits, '.' and '-', starting with a letter or digit";
  if (n == 0) {
    snprintf(err, cap, "empty tag");
    return false;
  }
  if (n > SCALE_STORE_MAX_TAG) {
    snprintf(err, cap, "tag '%.40s...' is too long (%zu characters, at most %d)", s, n,
             SCALE_STORE_MAX_TAG);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (is_alnum(c) || (i > 0 && (c == '.' || c == '-'))) continue;
    if (c >= 0x21 && c < 0x7f)
      snprintf(err, cap, "invalid tag '%s': '%c' %s (%s)", s, c,
               i == 0 && (c == '.' || c == '-') ? "cannot come first" : "is not allowed", rule);
    else
      snprintf(err, cap, "invalid tag '%s': character 0x%02x is not allowed (%s)", s,
               (unsigned char)c, rule);
    return false;
  }
  return true;
}

/* Copy [s, s+n) into dst (cap bytes) when it fits. */
static bool copy_part(char *dst, size_t cap, const char *s, size_t n) {
  if (n >= cap) return false;
  memcpy(dst, s, n);
  dst[n] = '\0';
  return true;
}

bool scale__registry_parse_ref(const char *text, scale__ref_t *out, char *err, size_t cap) {
  memset(out, 0, sizeof *out);
  const char *slash = strchr(text, '/');
  const char *name = text;
  strcpy(out->org, "local");
  if (slash) {
    if (strchr(slash + 1, '/')) {
      snprintf(err, cap, "invalid reference '%s': want NAME[:TAG] or ORG/NAME[:TAG]", text);
      return false;
    }
    if (!copy_part(out->org, sizeof out->org, text, (size_t)(slash - text))) {
      snprintf(err, cap, "invalid reference '%s': organization name too long", text);
      return false;
    }
    name = slash + 1;
  }
  const char *colon = strchr(name, ':');
  size_t name_len = colon ? (size_t)(colon - name) : strlen(name);
  if (!copy_part(out->name, sizeof out->name, name, name_len)) {
    snprintf(err, cap, "invalid reference '%s': function name too long (at most %d characters)",
             text, SCALE_STORE_MAX_NAME);
    return false;
  }
  const char *tag = colon ? colon + 1 : "latest";
  if (!copy_part(out->tag, sizeof out->tag, tag, strlen(tag))) {
    snprintf(err, cap, "invalid reference '%s': tag too long (at most %d characters)", text,
             SCALE_STORE_MAX_TAG);
    return false;
  }
  return scale__registry_check_name("organization", out->org, err, cap) &&
         scale__registry_check_name("function", out->name, err, cap) &&
         scale__registry_check_tag(out->tag, err, cap);
}

void scale__registry_format_ref(const scale__ref_t *ref, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s:%s", ref->org, ref->name, ref->tag);
}
