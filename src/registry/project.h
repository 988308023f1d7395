/*
 * The source project descriptor, a file named `scalefile` (upstream
 * Gen-2's HCL form, docs/reference/scale.md section 4.2):
 *
 *   version     = "v1alpha"
 *   name        = "hello"
 *   tag         = "latest"
 *   language    = "c"
 *   signature {
 *     organization = "scale"
 *     name         = "http"
 *     tag          = "latest"
 *   }
 *   stateless   = true
 *   function    = "scale"
 *   initialize  = ""
 *   description = ""
 *
 * Read strictly: unknown attributes and blocks, wrong value types and bad
 * names are errors with file:line:col. Extension blocks are recognised
 * and refused (not supported yet). Not to be confused with src/scalefile,
 * the compiled `.scale` container.
 */
#ifndef SCALE_REGISTRY_PROJECT_H
#define SCALE_REGISTRY_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

/* Largest scalefile read (bytes). */
#define SCALE_PROJECT_MAX_BYTES (64u * 1024u)

typedef struct scale__project {
  char *version, *name, *tag, *language;
  char *signature_org, *signature_name, *signature_tag;
  bool stateless;
  char *function;   /* user entry symbol, default "scale" */
  char *initialize; /* optional init symbol, "" when none */
  char *description;
} scale__project_t;

/*
 * Parse @p text (@p len bytes; @p file names it in messages). On failure
 * returns false with "file:line:col: message" in @p err and @p out
 * released. Strings in @p out are malloc'd.
 */
bool scale__project_parse(const char *text, size_t len, const char *file, scale__project_t *out,
                          char *err, size_t cap);

/* The descriptor as HCL text (malloc'd, NUL-terminated), NULL on out-of-memory. */
char *scale__project_format(const scale__project_t *p);

void scale__project_release(scale__project_t *p);

#endif
