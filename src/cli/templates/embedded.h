/*
 * Files embedded in the scale binary at build time (embed.cmake): the C
 * guest SDK that `scale build` compiles into every function, and the
 * templates `scale new` writes. Embedding them means a freshly built
 * `scale` needs no installed SDK; SCALE_SDK_DIR overrides the SDK with a
 * source tree (for SDK development).
 */
#ifndef SCALE_CLI_TEMPLATES_EMBEDDED_H
#define SCALE_CLI_TEMPLATES_EMBEDDED_H

#include <stddef.h>

enum {
  SCALE_CLI_SDK_HEADER = 0, /* included, not compiled */
  SCALE_CLI_SDK_CORE = 1,   /* compiled into every guest */
  SCALE_CLI_SDK_HTTP = 2,   /* compiled into guests on the built-in HTTP signature */
};

typedef struct scale__cli_file {
  const char *path; /* SDK: relative to the source tree; template: "c/http.c.in" */
  const unsigned char *data;
  size_t len;
  int role; /* SCALE_CLI_SDK_* (templates: 0) */
} scale__cli_file_t;

/* Tables end with an all-zero entry; the counts exclude it. */
extern const scale__cli_file_t scale__cli_sdk_files[];
extern const size_t scale__cli_sdk_file_count;
extern const scale__cli_file_t scale__cli_templates[];
extern const size_t scale__cli_template_count;

/* The embedded template @p name ("c/http.c.in"), or NULL. */
const scale__cli_file_t *scale__cli_template(const char *name);

#endif
