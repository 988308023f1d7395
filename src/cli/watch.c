/*
 * `scale run --watch`: hot reload. A thread polls what the chain was loaded from — the
 * store's index.json (every `scale build`, `tag` or `delete` rewrites it by rename) and the
 * files named on the command line — and when one changed, reads the functions again. If any
 * function's bytes differ it builds a new chain (unchanged functions are shared with the old
 * one), swaps it in under run->lock, and drops the old chain's reference: requests in flight
 * finish on the old chain, the last one deletes it (run.h). A function that fails to load
 * or start is logged and the old chain keeps serving.
 *
 * Polling instead of inotify: the store replaces index.json by rename (a watch on the file
 * would go stale) and the sources may be files anywhere; a stat() per source every 250 ms
 * costs nothing next to serving requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cli/run.h"
#include "registry/store.h"

typedef struct stamp {
  bool ok;
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} stamp_t;

static stamp_t stamp_of(const char *path) {
  stamp_t s;
  memset(&s, 0, sizeof s);
  struct stat st;
  if (path && stat(path, &st) == 0) {
    s.ok = true;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtime = st.st_mtim;
  }
  return s;
}

static bool stamp_equal(const stamp_t *a, const stamp_t *b) {
  return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

typedef struct watcher {
  scale__run_t *run;
  char *index; /* $SCALE_HOME/functions/index.json, or NULL */
  stamp_t index_stamp;
  stamp_t *file_stamps; /* one per source (files only) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
} watcher_t;

static watcher_t the_watcher;

/* Loads the sources marked in @p dirty again; swaps in a new chain when bytes changed. */
static void reload(watcher_t *w, const bool *dirty) {
  scale__run_t *run = w->run;
  size_t n = run->count;
  uint8_t **bytes = calloc(n, sizeof *bytes);
  size_t *lens = calloc(n, sizeof *lens);
  scale_function_t **fns = calloc(n, sizeof *fns);
  bool changed = false, ok = bytes && lens && fns;
  for (size_t i = 0; ok && i < n; i++) {
    if (!dirty[i]) continue;
    if (!scale__run_read(&run->sources[i], &bytes[i], &lens[i])) {
      scale__run_logf(run, "reload of '%s' failed; still serving the previous version",
                      run->sources[i].arg);
      ok = false;
      break;
    }
    if (lens[i] == run->sources[i].len && memcmp(bytes[i], run->sources[i].bytes, lens[i]) == 0) {
      free(bytes[i]);
      bytes[i] = NULL;
    } else {
      changed = true;
    }
  }
  scale__run_live_t *old = run->live; /* only this thread changes run->live */
  for (size_t i = 0; ok && changed && i < n; i++) {
    if (!bytes[i]) {
      fns[i] = scale_function_ref(scale_chain_function(old->chain, i));
      continue;
    }
    scale_error_t *e = scale__run_function(run, &run->sources[i], bytes[i], lens[i], &fns[i]);
    if (e) {
      scale__run_logf(run, "reload of '%s' failed: %s; still serving the previous version",
                      run->sources[i].arg, scale_error_message(e));
      scale_error_delete(e);
      ok = false;
    }
  }
  scale__run_live_t *live = ok && changed ? scale__run_live_new(run, fns) : NULL;
  if (live) {
    pthread_mutex_lock(&run->lock);
    run->live = live;
    pthread_mutex_unlock(&run->lock);
    scale__run_release(run, old);
    for (size_t i = 0; i < n; i++) {
      if (bytes[i]) {
        free(run->sources[i].bytes);
        run->sources[i].bytes = bytes[i];
        run->sources[i].len = lens[i];
        bytes[i] = NULL;
      }
    }
    scale__run_logf(run, "reloaded: now serving %s", live->name);
  } else if (ok && changed) {
    scale__run_logf(run, "reload failed; still serving the previous version");
  }
  for (size_t i = 0; i < n; i++) {
    if (fns) scale_function_delete(fns[i]);
    if (bytes) free(bytes[i]);
  }
  free(bytes);
  free(lens);
  free(fns);
}

static void poll_once(watcher_t *w) {
  scale__run_t *run = w->run;
  bool *dirty = calloc(run->count, sizeof *dirty);
  if (!dirty) return;
  bool any = false;
  if (w->index) {
    stamp_t s = stamp_of(w->index);
    if (!stamp_equal(&s, &w->index_stamp)) {
      w->index_stamp = s;
      for (size_t i = 0; i < run->count; i++)
        if (run->sources[i].kind == SCALE_RUN_STORE) dirty[i] = any = true;
    }
  }
  for (size_t i = 0; i < run->count; i++) {
    if (run->sources[i].kind != SCALE_RUN_FILE) continue;
    stamp_t s = stamp_of(run->sources[i].arg);
    if (!stamp_equal(&s, &w->file_stamps[i])) {
      w->file_stamps[i] = s;
      if (s.ok) dirty[i] = any = true;
    }
  }
  if (any) reload(w, dirty);
  free(dirty);
}

static void *watch_main(void *arg) {
  watcher_t *w = arg;
  pthread_mutex_lock(&w->mu);
  while (!w->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(w->run->watch_ms % 1000u) * 1000000L;
    until.tv_sec += w->run->watch_ms / 1000u + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&w->cv, &w->mu, &until);
    if (w->stop) break;
    pthread_mutex_unlock(&w->mu);
    poll_once(w);
    pthread_mutex_lock(&w->mu);
  }
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

bool scale__run_watch_start(scale__run_t *run, pthread_t *thread) {
  watcher_t *w = &the_watcher;
  memset(w, 0, sizeof *w);
  w->run = run;
  bool store = false;
  for (size_t i = 0; i < run->count; i++)
    store |= run->sources[i].kind == SCALE_RUN_STORE;
  char *home = NULL;
  scale_error_t *e = store ? scale__registry_home(false, &home) : NULL;
  if (e) {
    scale__run_logf(run, "--watch: %s", scale_error_message(e));
    scale_error_delete(e);
  } else if (home) {
    size_t n = strlen(home) + sizeof "/functions/index.json";
    w->index = malloc(n);
    if (w->index) snprintf(w->index, n, "%s/functions/index.json", home);
    free(home);
    w->index_stamp = stamp_of(w->index);
  }
  w->file_stamps = calloc(run->count, sizeof *w->file_stamps);
  if (!w->file_stamps) {
    free(w->index);
    return false;
  }
  for (size_t i = 0; i < run->count; i++)
    if (run->sources[i].kind == SCALE_RUN_FILE) w->file_stamps[i] = stamp_of(run->sources[i].arg);
  pthread_mutex_init(&w->mu, NULL);
  pthread_cond_init(&w->cv, NULL);
  int rc = pthread_create(thread, NULL, watch_main, w);
  if (rc != 0) {
    scale__run_logf(run, "--watch: cannot start the watcher thread: %s", scale__errno_text(rc));
    free(w->index);
    free(w->file_stamps);
    return false;
  }
  return true;
}

void scale__run_watch_stop(scale__run_t *run, pthread_t thread) {
  watcher_t *w = &the_watcher;
  pthread_mutex_lock(&w->mu);
  w->stop = true;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
  pthread_join(thread, NULL);
  pthread_mutex_destroy(&w->mu);
  pthread_cond_destroy(&w->cv);
  free(w->index);
  free(w->file_stamps);
}
