/*
 * --tier aot: compile every valid module of the chosen suites into the AOT
 * cache first, on several threads, so the suites themselves (which run one
 * command after another) find their native code ready. Errors here are not
 * reported: the suite run compiles again and reports them where they belong.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"
#include "spectest.h"

typedef struct job {
  char **paths;
  size_t count;
  atomic_size_t next;
  scale_engine_t *engine;
} job_t;

static void *worker(void *arg) {
  job_t *j = arg;
  for (;;) {
    size_t i = atomic_fetch_add(&j->next, 1);
    if (i >= j->count) return NULL;
    size_t len = 0;
    uint8_t *bytes = spec_file_read(j->paths[i], SPEC_MAX_WASM_BYTES, &len);
    if (!bytes) continue;
    scale_module_t *m = NULL;
    scale_error_t *err = scale_module_new(j->engine, bytes, len, &m);
    free(bytes);
    if (!err) err = scale_module_compile(m);
    scale_error_delete(err);
    scale_module_delete(m);
  }
}

static bool add_path(job_t *j, size_t *cap, const char *path) {
  if (j->count == *cap) {
    size_t c = *cap ? *cap * 2 : 256;
    char **grown = realloc(j->paths, c * sizeof *grown);
    if (!grown) return false;
    j->paths = grown;
    *cap = c;
  }
  j->paths[j->count] = strdup(path);
  return j->paths[j->count++] != NULL;
}

void spec_precompile(const char *dir, char **suites, size_t nsuites, unsigned threads) {
  job_t j;
  memset(&j, 0, sizeof j);
  size_t cap = 0;
  for (size_t s = 0; s < nsuites; s++) {
    if (!suites[s]) continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", dir, suites[s]);
    DIR *d = opendir(sub);
    if (!d) continue;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t n = strlen(e->d_name);
      if (n < 6 || strcmp(e->d_name + n - 5, ".wasm") != 0) continue;
      char path[8192];
      snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
      if (!add_path(&j, &cap, path)) break;
    }
    closedir(d);
  }
  scale_config_t cfg;
  scale_config_default(&cfg);
  cfg.aot_opt = 1; /* as the suites do, so the cache keys match */
  if (!scale_engine_new(&cfg, &j.engine)) {
    if (threads < 1) threads = 1;
    if (threads > 16) threads = 16;
    pthread_t th[16];
    unsigned started = 0;
    for (; started < threads; started++)
      if (pthread_create(&th[started], NULL, worker, &j) != 0) break;
    if (started == 0) worker(&j);
    for (unsigned i = 0; i < started; i++)
      pthread_join(th[i], NULL);
    scale_engine_delete(j.engine);
  }
  for (size_t i = 0; i < j.count; i++)
    free(j.paths[i]);
  free(j.paths);
}
