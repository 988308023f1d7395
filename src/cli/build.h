/*
 * Shared between the files of `scale build`: build.c (the project, the
 * compiler runs, packaging and storing) and sdk.c (the C guest SDK and
 * its cache of compiled objects).
 */
#ifndef SCALE_CLI_BUILD_H
#define SCALE_CLI_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "registry/project.h"
#include "scale.h"
#include "scale/signature.h"

#define MAX_SOURCES 256

/* A growable, NULL-terminated argv for posix_spawn. */
typedef struct args {
  char **v;
  size_t n, cap;
  bool oom;
} args_t;

/* One `scale build` run. */
typedef struct build {
  const char *dir;
  bool verbose;
  bool cache; /* use and fill the compiled-SDK cache */
  scale__project_t project;
  bool http;              /* the built-in HTTP signature, else DIR/scale.signature */
  scale_signature_t *sig; /* custom signature */
  char *clang, *sysroot;
  char *work; /* the build directory */
  char *sdk;  /* root holding sdk/c, include, src */
  char *sources[MAX_SOURCES];
  size_t nsources;
  args_t objects;
} build_t;

/* "a/b", malloc'd (NULL on out-of-memory). */
char *scale__cli_path_join(const char *a, const char *b);
/* Print @p e (if any) as "error: ..." and release it; true when @p e is NULL. */
bool scale__cli_report(scale_error_t *e);
/* Write @p len bytes to @p path, creating its parent directories; prints failures. */
bool scale__cli_write_file(const char *path, const void *data, size_t len);
/* rm -r @p dir (best effort, symbolic links not followed). */
void scale__cli_remove_tree(const char *dir);
/* Append a copy of @p s to @p a (sets a->oom on failure). */
void scale__cli_args_add(args_t *a, const char *s);
/*
 * Compile @p src to the object @p out with the build's compiler and flags.
 * SDK sources (@p sdk_internal) see the SDK's internal headers and not the
 * project's; @p label, when given, is printed as "compiling <label>".
 */
bool scale__cli_compile_to(build_t *b, const char *src, const char *out, bool sdk_internal,
                           const char *label);

/* Set b->sdk: SCALE_SDK_DIR, or the embedded SDK written into b->work/sdk. */
bool scale__cli_sdk_prepare(build_t *b);
/* Add the SDK's objects to b->objects: from the cache, or compiled (and cached). */
bool scale__cli_sdk_compile(build_t *b);

#endif
