/*
 * WASI calls about the process rather than descriptors: args and
 * environment (only what the host set), clocks, random bytes, poll_oneoff
 * (clock waits only, capped), sched_yield, proc_exit and proc_raise.
 *
 * Every guest pointer is checked before anything is written, so a call
 * either fails with EFAULT having written nothing or succeeds whole.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "runtime/runtime.h"
#include "wasi/context.h"
#include "wasi/limits.h"

/* ---- args and environment ----------------------------------------- */

/* Lay out n strings as wasi-libc expects: n pointers at ptrs, bytes at buf. */
static int strings_get(scale_caller_t *caller, scale_trap_t **trap, char *const *v, size_t n,
                       size_t bytes, uint32_t ptrs, uint32_t buf) {
  scale__wasi_mem_t m;
  if ((*trap = scale__wasi_mem(caller, &m))) return WASI_ESUCCESS;
  uint8_t *p = scale__wasi_at(&m, ptrs, (uint64_t)n * 4);
  uint8_t *b = scale__wasi_at(&m, buf, bytes);
  if (!p || !b) return WASI_EFAULT;
  uint32_t at = buf;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(v[i]) + 1;
    scale__wasi_store32(p + 4 * i, at);
    memcpy(m.data + at, v[i], len);
    at += (uint32_t)len;
  }
  return WASI_ESUCCESS;
}

static int sizes_get(scale_caller_t *caller, scale_trap_t **trap, size_t n, size_t bytes,
                     uint32_t count_ptr, uint32_t size_ptr) {
  scale__wasi_mem_t m;
  if ((*trap = scale__wasi_mem(caller, &m))) return WASI_ESUCCESS;
  if (!scale__wasi_at(&m, count_ptr, 4) || !scale__wasi_at(&m, size_ptr, 4)) return WASI_EFAULT;
  scale__wasi_put32(&m, count_ptr, (uint32_t)n);
  scale__wasi_put32(&m, size_ptr, (uint32_t)bytes);
  return WASI_ESUCCESS;
}

SCALE__WASI_FN(args_get) {
  scale_wasi_t *w = env;
  scale_trap_t *trap = NULL;
  int e = strings_get(caller, &trap, w->argv, w->argc, w->args_bytes, scale__wasi_u32(args, 0),
                      scale__wasi_u32(args, 1));
  return trap ? trap : scale__wasi_ret(results, e);
}

SCALE__WASI_FN(args_sizes_get) {
  scale_wasi_t *w = env;
  scale_trap_t *trap = NULL;
  int e = sizes_get(caller, &trap, w->argc, w->args_bytes, scale__wasi_u32(args, 0),
                    scale__wasi_u32(args, 1));
  return trap ? trap : scale__wasi_ret(results, e);
}

SCALE__WASI_FN(environ_get) {
  scale_wasi_t *w = env;
  scale_trap_t *trap = NULL;
  int e = strings_get(caller, &trap, w->env, w->envc, w->env_bytes, scale__wasi_u32(args, 0),
                      scale__wasi_u32(args, 1));
  return trap ? trap : scale__wasi_ret(results, e);
}

SCALE__WASI_FN(environ_sizes_get) {
  scale_wasi_t *w = env;
  scale_trap_t *trap = NULL;
  int e = sizes_get(caller, &trap, w->envc, w->env_bytes, scale__wasi_u32(args, 0),
                    scale__wasi_u32(args, 1));
  return trap ? trap : scale__wasi_ret(results, e);
}

/* ---- clocks ------------------------------------------------------- */

/* WASI clock ids 0-3 are realtime, monotonic, process and thread CPU time. */
static bool host_clock(uint32_t id, clockid_t *out) {
  static const clockid_t ids[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                  CLOCK_THREAD_CPUTIME_ID};
  if (id >= sizeof ids / sizeof ids[0]) return false;
  *out = ids[id];
  return true;
}

static uint64_t to_ns(const struct timespec *ts) {
  if (ts->tv_sec < 0) /* before 1970: WASI timestamps are unsigned */
    return 0;
  return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Current time of a WASI clock; false for an unknown id. */
static bool clock_now(uint32_t id, uint64_t *ns) {
  clockid_t c;
  struct timespec ts;
  if (!host_clock(id, &c) || clock_gettime(c, &ts) != 0) return false;
  *ns = to_ns(&ts);
  return true;
}

SCALE__WASI_FN(clock_res_get) {
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  clockid_t c;
  struct timespec ts;
  if (!host_clock(scale__wasi_u32(args, 0), &c) || clock_getres(c, &ts) != 0)
    return scale__wasi_ret(results, WASI_EINVAL);
  if (!scale__wasi_put64(&m, scale__wasi_u32(args, 1), to_ns(&ts)))
    return scale__wasi_ret(results, WASI_EFAULT);
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

SCALE__WASI_FN(clock_time_get) {
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  uint64_t ns;
  if (!clock_now(scale__wasi_u32(args, 0), &ns)) return scale__wasi_ret(results, WASI_EINVAL);
  if (!scale__wasi_put64(&m, scale__wasi_u32(args, 2), ns))
    return scale__wasi_ret(results, WASI_EFAULT);
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

/* ---- random ------------------------------------------------------- */

/* splitmix64: small, fast and good enough for reproducible test runs. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

SCALE__WASI_FN(random_get) {
  scale_wasi_t *w = env;
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  uint32_t len = scale__wasi_u32(args, 1);
  uint8_t *p = scale__wasi_at(&m, scale__wasi_u32(args, 0), len);
  if (!p) return scale__wasi_ret(results, WASI_EFAULT);
  if (w->seeded) {
    for (uint32_t i = 0; i < len; i += 8) {
      uint64_t r = splitmix64(&w->rng);
      for (uint32_t j = 0; j < 8 && i + j < len; j++)
        p[i + j] = (uint8_t)(r >> (8 * j));
    }
    return scale__wasi_ret(results, WASI_ESUCCESS);
  }
  scale__memory_prepare_write(p, len); /* getrandom(2) would see a tracked page as EFAULT */
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(p + done, len - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return scale__wasi_ret(results, WASI_EIO);
    done += (size_t)n;
  }
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

/* ---- process ------------------------------------------------------ */

SCALE__WASI_FN(proc_exit) {
  scale_trap_t *trap = scale_trap_new_exit((int32_t)scale__wasi_u32(args, 0));
  /* Out of memory: stop the guest anyway; proc_exit must not return. */
  return trap ? trap : scale_trap_new("out of memory");
}

SCALE__WASI_FN(proc_raise) {
  /* Removed from WASI after preview1; a sandboxed guest gets no signals. */
  return scale__wasi_ret(results, WASI_ENOSYS);
}

SCALE__WASI_FN(sched_yield) {
  sched_yield();
  return scale__wasi_ret(results, WASI_ESUCCESS);
}

/* ---- poll_oneoff -------------------------------------------------- */

enum { SUB_SIZE = 48, EVENT_SIZE = 32 };
enum { EVENTTYPE_CLOCK = 0, EVENTTYPE_FD_READ = 1, EVENTTYPE_FD_WRITE = 2 };
enum { SUBCLOCK_ABSTIME = 1 };

static void put_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type) {
  memset(ev, 0, EVENT_SIZE);
  scale__wasi_store64(ev, userdata);
  scale__wasi_store16(ev + 8, error);
  ev[10] = type;
}

static void sleep_ns(uint64_t ns) {
  struct timespec left = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  while (nanosleep(&left, &left) != 0 && errno == EINTR)
    ;
}

/*
 * Descriptor subscriptions are answered at once: fd 1/2 are always
 * writable, fd 0 counts as readable when input is granted (a read then
 * waits on the host callback), anything else is EBADF. Only when no
 * descriptor event is ready does the call sleep, until the earliest clock
 * subscription, never longer than SCALE_WASI_MAX_SLEEP_NS.
 */
SCALE__WASI_FN(poll_oneoff) {
  scale_wasi_t *w = env;
  scale__wasi_mem_t m;
  scale_trap_t *trap = scale__wasi_mem(caller, &m);
  if (trap) return trap;
  uint32_t nsubs = scale__wasi_u32(args, 2);
  if (nsubs == 0 || nsubs > SCALE_WASI_MAX_SUBSCRIPTIONS)
    return scale__wasi_ret(results, WASI_EINVAL);
  const uint8_t *in = scale__wasi_at(&m, scale__wasi_u32(args, 0), (uint64_t)nsubs * SUB_SIZE);
  uint8_t *out = scale__wasi_at(&m, scale__wasi_u32(args, 1), (uint64_t)nsubs * EVENT_SIZE);
  uint32_t nevents_ptr = scale__wasi_u32(args, 3);
  if (!in || !out || !scale__wasi_at(&m, nevents_ptr, 4))
    return scale__wasi_ret(results, WASI_EFAULT);
  /* Events may overlap the subscriptions in guest memory: read them first. */
  uint8_t *subs = malloc((size_t)nsubs * SUB_SIZE);
  uint64_t *wait = malloc((size_t)nsubs * sizeof(uint64_t));
  if (!subs || !wait) {
    free(subs);
    free(wait);
    return scale__wasi_ret(results, WASI_ENOMEM);
  }
  memcpy(subs, in, (size_t)nsubs * SUB_SIZE);

  uint32_t nevents = 0;
  uint64_t soonest = UINT64_MAX;
  int err = WASI_ESUCCESS;
  for (uint32_t i = 0; i < nsubs && err == WASI_ESUCCESS; i++) {
    const uint8_t *s = subs + (size_t)i * SUB_SIZE;
    uint64_t userdata = scale__wasi_load64(s);
    uint8_t tag = s[8];
    wait[i] = UINT64_MAX;
    if (tag == EVENTTYPE_CLOCK) {
      uint32_t id = scale__wasi_load32(s + 16);
      uint64_t timeout = scale__wasi_load64(s + 24), now;
      uint16_t flags = scale__wasi_load16(s + 40);
      if (!clock_now(id, &now)) {
        put_event(out + (size_t)nevents++ * EVENT_SIZE, userdata, WASI_EINVAL, tag);
        continue;
      }
      if (flags & SUBCLOCK_ABSTIME) timeout = timeout > now ? timeout - now : 0;
      wait[i] = timeout;
      if (timeout < soonest) soonest = timeout;
    } else if (tag == EVENTTYPE_FD_READ || tag == EVENTTYPE_FD_WRITE) {
      uint32_t fd = scale__wasi_load32(s + 16);
      bool ready = tag == EVENTTYPE_FD_READ ? (fd == 0 && w->in_fn) : (fd == 1 || fd == 2);
      put_event(out + (size_t)nevents++ * EVENT_SIZE, userdata, ready ? 0 : WASI_EBADF, tag);
    } else {
      err = WASI_EINVAL;
    }
  }
  if (err == WASI_ESUCCESS && nevents == 0) {
    /* Only clock subscriptions: sleep until the first one is due. */
    uint64_t ns = soonest < SCALE_WASI_MAX_SLEEP_NS ? soonest : SCALE_WASI_MAX_SLEEP_NS;
    if (ns > 0) sleep_ns(ns);
    for (uint32_t i = 0; i < nsubs; i++)
      if (wait[i] == soonest)
        put_event(out + (size_t)nevents++ * EVENT_SIZE,
                  scale__wasi_load64(subs + (size_t)i * SUB_SIZE), 0, EVENTTYPE_CLOCK);
  }
  free(subs);
  free(wait);
  if (err == WASI_ESUCCESS) scale__wasi_put32(&m, nevents_ptr, nevents);
  return scale__wasi_ret(results, err);
}
