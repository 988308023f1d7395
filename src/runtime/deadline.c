/*
 * Wall-clock deadlines. One process-wide watchdog thread, started on the
 * first armed deadline, sleeps on a condition variable until the earliest
 * deadline in a min-heap of stores, then sets that store's interrupt flag
 * to SCALE__INTERRUPT_DEADLINE; the tiers' existing interrupt checks turn
 * it into a trap. It never polls and never touches a store that is not
 * queued: stores leave the heap under the lock before they are freed.
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/runtime.h"

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;  /* set up once by init_wake */
  clockid_t wake_clock; /* the clock its timed waits measure */
  bool started;         /* the thread was started (or tried: see failed) */
  bool failed;          /* no thread: deadlines fire at once rather than never */
  scale_store_t **heap; /* min-heap on deadline_at; heap[i]->deadline_slot == i + 1 */
  uint32_t count;
  uint32_t cap;
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t wd_once = PTHREAD_ONCE_INIT;

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- heap (callers hold wd.lock) ------------------------------------ */

static void place(uint32_t i, scale_store_t *s) {
  wd.heap[i] = s;
  s->deadline_slot = i + 1;
}

static void sift_up(uint32_t i) {
  scale_store_t *s = wd.heap[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (wd.heap[parent]->deadline_at <= s->deadline_at) break;
    place(i, wd.heap[parent]);
    i = parent;
  }
  place(i, s);
}

static void sift_down(uint32_t i) {
  scale_store_t *s = wd.heap[i];
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= wd.count) break;
    if (child + 1 < wd.count && wd.heap[child + 1]->deadline_at < wd.heap[child]->deadline_at)
      child++;
    if (s->deadline_at <= wd.heap[child]->deadline_at) break;
    place(i, wd.heap[child]);
    i = child;
  }
  place(i, s);
}

static void heap_remove(scale_store_t *s) {
  uint32_t i = s->deadline_slot - 1;
  s->deadline_slot = 0;
  wd.count--;
  if (i == wd.count) return;
  place(i, wd.heap[wd.count]);
  if (i > 0 && wd.heap[i]->deadline_at < wd.heap[(i - 1) / 2]->deadline_at)
    sift_up(i);
  else
    sift_down(i);
}

static bool heap_push(scale_store_t *s) {
  if (wd.count == wd.cap) {
    uint32_t cap = wd.cap ? wd.cap * 2 : 64;
    scale_store_t **h = realloc(wd.heap, (size_t)cap * sizeof *h);
    if (!h) return false;
    wd.heap = h;
    wd.cap = cap;
  }
  place(wd.count++, s);
  sift_up(wd.count - 1);
  return true;
}

/* ---- the watchdog thread -------------------------------------------- */

static void *watchdog(void *arg) {
  (void)arg;
  pthread_mutex_lock(&wd.lock);
  for (;;) {
    if (wd.count == 0) {
      pthread_cond_wait(&wd.wake, &wd.lock);
      continue;
    }
    scale_store_t *first = wd.heap[0];
    if (first->deadline_at <= clock_ns(CLOCK_MONOTONIC)) {
      heap_remove(first);
      atomic_store_explicit(&first->exec.interrupt, SCALE__INTERRUPT_DEADLINE,
                            memory_order_relaxed);
      scale__exec_poke(&first->exec);
      continue;
    }
    uint64_t at = first->deadline_at;
    if (wd.wake_clock != CLOCK_MONOTONIC) { /* only if the monotonic clock was refused */
      uint64_t left = at - clock_ns(CLOCK_MONOTONIC), now = clock_ns(wd.wake_clock);
      at = left > UINT64_MAX - now ? UINT64_MAX : now + left;
    }
    struct timespec until = {(time_t)(at / 1000000000u), (long)(at % 1000000000u)};
    pthread_cond_timedwait(&wd.wake, &wd.lock, &until);
  }
  return NULL;
}

/* Timed waits on the monotonic clock, so setting the wall clock moves no deadline. */
static void init_wake(void) {
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) == 0) {
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
        pthread_cond_init(&wd.wake, &attr) == 0) {
      wd.wake_clock = CLOCK_MONOTONIC;
      pthread_condattr_destroy(&attr);
      return;
    }
    pthread_condattr_destroy(&attr);
  }
  pthread_cond_init(&wd.wake, NULL); /* cannot fail for default attributes on Linux */
  wd.wake_clock = CLOCK_REALTIME;
}

/* Start the thread with every signal blocked: it must not take the host's signals. */
static void start(void) {
  wd.started = true;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_attr_t attr;
  pthread_t t;
  bool ok = pthread_attr_init(&attr) == 0;
  if (ok) {
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    ok = pthread_create(&t, &attr, watchdog, NULL) == 0;
    pthread_attr_destroy(&attr);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  wd.failed = !ok;
}

/* ---- API --------------------------------------------------------------- */

/* Clear a fired deadline but not a pending interrupt (caller holds wd.lock). */
static void unqueue(scale_store_t *store) {
  if (store->deadline_slot) heap_remove(store);
  int fired = SCALE__INTERRUPT_DEADLINE;
  atomic_compare_exchange_strong(&store->exec.interrupt, &fired, SCALE__INTERRUPT_NONE);
}

void scale__deadline_disarm(scale_store_t *store) {
  pthread_mutex_lock(&wd.lock);
  unqueue(store);
  pthread_mutex_unlock(&wd.lock);
}

void scale_store_set_deadline(scale_store_t *store, uint64_t timeout_ns) {
  if (!store) return;
  pthread_once(&wd_once, init_wake);
  pthread_mutex_lock(&wd.lock);
  unqueue(store);
  if (timeout_ns) {
    uint64_t now = clock_ns(CLOCK_MONOTONIC);
    store->deadline_at = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
    if (!wd.started) start();
    /* Without a watchdog (or room to queue) a deadline could never fire: fire it now. */
    if (wd.failed || !heap_push(store)) {
      atomic_store_explicit(&store->exec.interrupt, SCALE__INTERRUPT_DEADLINE,
                            memory_order_relaxed);
      scale__exec_poke(&store->exec);
    } else if (store->deadline_slot == 1)
      pthread_cond_signal(&wd.wake); /* the earliest changed: recompute the sleep */
  }
  pthread_mutex_unlock(&wd.lock);
}
