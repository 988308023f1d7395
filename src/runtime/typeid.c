/*
 * Process-wide ids for function signatures. Engines intern types per
 * engine, but AOT code is loaded once per process (dlopen shares a loaded
 * object between engines) and compares type ids in call_indirect, so the
 * ids must mean the same signature everywhere in the process. Entries are
 * never freed: there are few distinct signatures in any real program.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"
#include "util/hash.h"

typedef struct sig {
  struct sig *next;
  uint32_t id, hash, nparams, nresults;
  uint8_t kinds[];
} sig_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sig_t *buckets[512];
static uint32_t next_id = 1;

uint32_t scale__type_id(const uint8_t *kinds, uint32_t np, uint32_t nr) {
  uint32_t n = np + nr;
  uint32_t h = scale__fnv1a(SCALE_FNV_SEED ^ np ^ (nr << 16), kinds, n);
  sig_t **b = &buckets[h % (sizeof buckets / sizeof buckets[0])];
  uint32_t id = 0;
  pthread_mutex_lock(&lock);
  for (sig_t *s = *b; s; s = s->next)
    if (s->hash == h && s->nparams == np && s->nresults == nr &&
        (n == 0 || memcmp(s->kinds, kinds, n) == 0)) {
      id = s->id;
      break;
    }
  if (!id && next_id != 0) {
    sig_t *s = malloc(sizeof *s + n);
    if (s) {
      s->hash = h;
      s->nparams = np;
      s->nresults = nr;
      if (n) memcpy(s->kinds, kinds, n);
      s->id = id = next_id++;
      s->next = *b;
      *b = s;
    }
  }
  pthread_mutex_unlock(&lock);
  return id;
}
