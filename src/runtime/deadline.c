/*
 * Wall-clock deadlines. One process-wide watchdog thread, started on the
 * first armed deadline, sleeps on a condition variable until the earliest
 * entry of a min-heap of stores, then sets a due store's interrupt flag to
 * SCALE__INTERRUPT_DEADLINE; the tiers' existing interrupt checks turn it
 * into a trap. It never polls, and never touches a store that is not in
 * its heap: stores leave the heap under the lock before they are freed.
 *
 * Arming and clearing are on every pooled call's path, so they avoid the
 * process-wide lock. A store's deadline lives in an atomic the owner
 * writes (store->deadline_at); the heap keeps each store under a key no
 * later than that deadline, and the watchdog, waking at a key, reads the
 * deadline and fires, re-queues the store under its real deadline, or
 * drops it if it was cleared. So arming a deadline later than the store's
 * key (each call's deadline is later than the last one's) and clearing
 * one take no lock and wake nobody; only an earlier deadline, or a store
 * not queued yet, takes the lock, and only a new earliest one signals the
 * watchdog.
 *
 * The owner writes deadline_at and then reads deadline_key; the watchdog
 * writes deadline_key and then reads deadline_at (all sequentially
 * consistent), so one of them always sees the other's change: an owner
 * that reads a key no later than its deadline knows the watchdog will
 * look at the store in time. A firing marks deadline_at FIRING under the
 * lock while it sets the interrupt; an owner that finds the mark waits for
 * the lock, so a cleared or re-armed deadline is never fired afterwards.
 */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/runtime.h"

#define FIRING 1u /* deadline_at while the watchdog fires it (no real deadline is 1 ns) */

struct entry {
  uint64_t key;
  scale_store_t *store;
};

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;  /* set up once by init_wake */
  clockid_t wake_clock; /* the clock its timed waits measure */
  bool started;         /* the thread was started (or tried: see failed) */
  bool failed;          /* no thread: deadlines fire at once rather than never */
  uint64_t sleep_until; /* the watchdog's next wake-up (UINT64_MAX: none); valid while waiting */
  struct entry *heap;   /* min-heap on key; heap[i].store->deadline_slot == i + 1 */
  uint32_t count;
  uint32_t cap;
} wd = {.lock = PTHREAD_MUTEX_INITIALIZER, .sleep_until = UINT64_MAX};

static pthread_once_t wd_once = PTHREAD_ONCE_INIT;

static uint64_t clock_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- heap (callers hold wd.lock) ------------------------------------ */

static void place(uint32_t i, struct entry e) {
  wd.heap[i] = e;
  e.store->deadline_slot = i + 1;
}

static void sift_up(uint32_t i) {
  struct entry e = wd.heap[i];
  while (i > 0) {
    uint32_t parent = (i - 1) / 2;
    if (wd.heap[parent].key <= e.key) break;
    place(i, wd.heap[parent]);
    i = parent;
  }
  place(i, e);
}

static void sift_down(uint32_t i) {
  struct entry e = wd.heap[i];
  for (;;) {
    uint32_t child = 2 * i + 1;
    if (child >= wd.count) break;
    if (child + 1 < wd.count && wd.heap[child + 1].key < wd.heap[child].key) child++;
    if (e.key <= wd.heap[child].key) break;
    place(i, wd.heap[child]);
    i = child;
  }
  place(i, e);
}

static void heap_remove(scale_store_t *s) {
  uint32_t i = s->deadline_slot - 1;
  s->deadline_slot = 0;
  atomic_store(&s->deadline_key, 0);
  wd.count--;
  if (i == wd.count) return;
  place(i, wd.heap[wd.count]);
  if (i > 0 && wd.heap[i].key < wd.heap[(i - 1) / 2].key)
    sift_up(i);
  else
    sift_down(i);
}

/* Queue @p s under @p key, or move it earlier if it is queued later. False on OOM. */
static bool heap_put(scale_store_t *s, uint64_t key) {
  if (s->deadline_slot) {
    uint32_t i = s->deadline_slot - 1;
    if (wd.heap[i].key > key) {
      wd.heap[i].key = key;
      sift_up(i);
    }
  } else {
    if (wd.count == wd.cap) {
      uint32_t cap = wd.cap ? wd.cap * 2 : 64;
      struct entry *h = realloc(wd.heap, (size_t)cap * sizeof *h);
      if (!h) return false;
      wd.heap = h;
      wd.cap = cap;
    }
    wd.heap[wd.count] = (struct entry){key, s};
    wd.count++;
    sift_up(wd.count - 1);
  }
  atomic_store(&s->deadline_key, wd.heap[s->deadline_slot - 1].key);
  return true;
}

/* ---- the watchdog thread -------------------------------------------- */

static void fire(scale_store_t *s) {
  atomic_store_explicit(&s->exec.interrupt, SCALE__INTERRUPT_DEADLINE, memory_order_relaxed);
  scale__exec_poke(&s->exec);
}

/* The top store is due: fire it, or re-queue it under its real deadline, or drop it. */
static void due(scale_store_t *s, uint64_t now) {
  uint64_t at = atomic_load(&s->deadline_at);
  if (at > FIRING && at <= now) {
    if (!atomic_compare_exchange_strong(&s->deadline_at, &at, FIRING)) return; /* look again */
    fire(s);
    heap_remove(s);
    uint64_t firing = FIRING;
    atomic_compare_exchange_strong(&s->deadline_at, &firing, 0); /* unless re-armed meanwhile */
    return;
  }
  /* Off the heap first (key 0), then read the deadline again: an owner arming meanwhile
   * either sees key 0 and queues the store itself, or is seen here. */
  heap_remove(s);
  at = atomic_load(&s->deadline_at);
  if (at > FIRING) heap_put(s, at); /* cannot fail: the entry just freed has room */
}

static void *watchdog(void *arg) {
  (void)arg;
  pthread_mutex_lock(&wd.lock);
  for (;;) {
    if (wd.count == 0) {
      wd.sleep_until = UINT64_MAX;
      pthread_cond_wait(&wd.wake, &wd.lock);
      continue;
    }
    uint64_t now = clock_ns(CLOCK_MONOTONIC), at = wd.heap[0].key;
    if (at <= now) {
      due(wd.heap[0].store, now);
      continue;
    }
    wd.sleep_until = at;
    if (wd.wake_clock != CLOCK_MONOTONIC) { /* only if the monotonic clock was refused */
      uint64_t left = at - now, then = clock_ns(wd.wake_clock);
      at = left > UINT64_MAX - then ? UINT64_MAX : then + left;
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

/* Forget the store's deadline and a fired one, not a pending interrupt (owner thread). */
void scale__deadline_clear(scale_store_t *store) {
  if (atomic_load(&store->deadline_at) && atomic_exchange(&store->deadline_at, 0) == FIRING) {
    pthread_mutex_lock(&wd.lock); /* the watchdog fires under it: wait until it is done */
    pthread_mutex_unlock(&wd.lock);
  }
  int fired = SCALE__INTERRUPT_DEADLINE;
  atomic_compare_exchange_strong(&store->exec.interrupt, &fired, SCALE__INTERRUPT_NONE);
}

void scale__deadline_disarm(scale_store_t *store) {
  atomic_store(&store->deadline_at, 0);
  pthread_mutex_lock(&wd.lock);
  if (store->deadline_slot) heap_remove(store);
  pthread_mutex_unlock(&wd.lock);
  int fired = SCALE__INTERRUPT_DEADLINE;
  atomic_compare_exchange_strong(&store->exec.interrupt, &fired, SCALE__INTERRUPT_NONE);
}

void scale_store_set_deadline(scale_store_t *store, uint64_t timeout_ns) {
  if (!store) return;
  scale__deadline_clear(store);
  if (!timeout_ns) return;
  uint64_t now = clock_ns(CLOCK_MONOTONIC);
  uint64_t at = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
  if (at <= FIRING) at = FIRING + 1;
  atomic_store(&store->deadline_at, at);
  uint64_t key = atomic_load(&store->deadline_key);
  if (key && key <= at) return; /* the watchdog looks at the store by then */
  pthread_once(&wd_once, init_wake);
  pthread_mutex_lock(&wd.lock);
  if (!wd.started) start();
  /* Without a watchdog (or room to queue) a deadline could never fire: fire it now. */
  if (wd.failed || !heap_put(store, at)) {
    atomic_store(&store->deadline_at, 0);
    fire(store);
  } else if (at < wd.sleep_until) {
    pthread_cond_signal(&wd.wake); /* earlier than the watchdog's wake-up: recompute it */
  }
  pthread_mutex_unlock(&wd.lock);
}
