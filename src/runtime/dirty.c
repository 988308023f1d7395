/*
 * Finding the pages of a snapshot-restored memory that differ from the
 * image, so a reset copies just those back instead of dropping every
 * private page (which made the next call fault each of them in again).
 *
 * A restored memory is a MAP_PRIVATE mapping of the snapshot's memfd: a
 * page the instance wrote became an anonymous copy, a page it only read
 * is the file's page. So "present (or swapped) and not a file page" is
 * exactly "differs from the image or may", which the kernel reports
 * without any write tracking: no write-protect faults during calls.
 * Pages stay anonymous after a reset copied them back, so the set only
 * grows; the caller drops pages past a budget with MADV_DONTNEED.
 *
 * Ways to ask, best first, chosen once per process (SCALE_RESET in the
 * environment forces one: "scan", "pagemap" or "madvise"):
 *   scan     the PAGEMAP_SCAN ioctl (Linux 6.7+): runs of matching pages;
 *   pagemap  reading /proc/self/pagemap: one 64-bit entry per page;
 *   madvise  no scanning: the caller drops every private page.
 * Each scanning way is checked on a scratch mapping before it is trusted;
 * a failure at run time makes the caller fall back to madvise for that
 * reset. Userfaultfd write-protection was measured and not used: a
 * write-protect fault costs about 0.8 us on the virtual machines this
 * runs on, against about 80 ns to copy a page back.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "util/sanitizer.h"

/*
 * The PAGEMAP_SCAN ABI (include/uapi/linux/fs.h, Linux 6.7), spelled out
 * so the build does not depend on the installed kernel headers.
 */
struct pm_region {
  uint64_t start, end, categories;
};
struct pm_scan {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PM_SCAN_IOCTL _IOWR('f', 16, struct pm_scan)
#define PM_IS_FILE (1u << 2)
#define PM_IS_PRESENT (1u << 3)
#define PM_IS_SWAPPED (1u << 4)
#define PM_IS_PFNZERO (1u << 5)

/* /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_SWAPPED (1ull << 62)
#define PAGEMAP_FILE (1ull << 61)

#define HOST_PAGE 4096u
#define REGIONS 64u  /* per PAGEMAP_SCAN call */
#define ENTRIES 512u /* per pagemap read */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static scale__reset_mode_t mode = SCALE__RESET_MADVISE;
/* The best scan (or MADVISE): the way itself, or track mode's way for untracked memories. */
static scale__reset_mode_t scan_mode = SCALE__RESET_MADVISE;
/* /proc/self/pagemap, opened once. A forked child must not read its parent's
 * (the file is bound to the address space that opened it): see forked(). */
static _Atomic int pagemap_fd = -1;

static void forked(void) {
  int fd = atomic_exchange(&pagemap_fd, -1);
  if (fd >= 0) close(fd);
}

static int pagemap(void) {
  int fd = atomic_load_explicit(&pagemap_fd, memory_order_acquire);
  if (fd >= 0) return fd;
  fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int expected = -1;
  if (!atomic_compare_exchange_strong(&pagemap_fd, &expected, fd)) {
    close(fd); /* another thread opened it first */
    return expected;
  }
  return fd;
}

/* ---- the two ways to scan -------------------------------------------- */

static bool scan_ioctl(uint8_t *base, size_t len, scale__dirty_fn fn, void *ctx) {
  int fd = pagemap();
  if (fd < 0) return false;
  struct pm_region vec[REGIONS];
  uint64_t start = (uint64_t)(uintptr_t)base, end = start + len;
  while (start < end) {
    struct pm_scan a = {
        .size = sizeof a,
        .start = start,
        .end = end,
        .vec = (uint64_t)(uintptr_t)vec,
        .vec_len = REGIONS,
        /* not a file page, not the zero page, and present or swapped out */
        .category_inverted = PM_IS_FILE | PM_IS_PFNZERO,
        .category_mask = PM_IS_FILE | PM_IS_PFNZERO,
        .category_anyof_mask = PM_IS_PRESENT | PM_IS_SWAPPED,
        .return_mask = PM_IS_PRESENT | PM_IS_SWAPPED,
    };
    int n = ioctl(fd, PM_SCAN_IOCTL, &a);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (uint64_t)n > REGIONS || a.walk_end <= start || a.walk_end > end) return false;
    for (int i = 0; i < n; i++) {
      if (vec[i].start < start || vec[i].end > a.walk_end || vec[i].start >= vec[i].end)
        return false;
      if (!fn(ctx, (size_t)(vec[i].start - (uint64_t)(uintptr_t)base),
              (size_t)(vec[i].end - vec[i].start)))
        return false;
    }
    start = a.walk_end;
  }
  return true;
}

static bool scan_pagemap(uint8_t *base, size_t len, scale__dirty_fn fn, void *ctx) {
  int fd = pagemap();
  if (fd < 0) return false;
  uint64_t e[ENTRIES];
  size_t pages = len / HOST_PAGE, first = (uintptr_t)base / HOST_PAGE;
  size_t run = 0, run_len = 0; /* pending run, in pages */
  for (size_t at = 0; at < pages;) {
    size_t want = pages - at < ENTRIES ? pages - at : ENTRIES;
    ssize_t got = pread(fd, e, want * sizeof *e, (off_t)((first + at) * sizeof *e));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || (size_t)got % sizeof *e) return false;
    size_t n = (size_t)got / sizeof *e;
    for (size_t i = 0; i < n; i++) {
      bool dirty = (e[i] & (PAGEMAP_PRESENT | PAGEMAP_SWAPPED)) && !(e[i] & PAGEMAP_FILE);
      if (dirty && run_len && run + run_len == at + i) {
        run_len++;
      } else if (dirty) {
        if (run_len && !fn(ctx, run * HOST_PAGE, run_len * HOST_PAGE)) return false;
        run = at + i;
        run_len = 1;
      }
    }
    at += n;
  }
  return !run_len || fn(ctx, run * HOST_PAGE, run_len * HOST_PAGE);
}

/* ---- choosing, with a check on a scratch mapping --------------------- */

struct probe {
  size_t off[4], len[4];
  unsigned count;
};

static bool probe_note(void *ctx, size_t off, size_t len) {
  struct probe *p = ctx;
  if (p->count == 4) return false;
  p->off[p->count] = off;
  p->len[p->count++] = len;
  return true;
}

/*
 * Four pages of a private memfd mapping: page 0 read, pages 1 and 2
 * written, page 3 untouched. A trustworthy scan reports pages 1-2 only.
 */
static bool works(bool (*scan)(uint8_t *, size_t, scale__dirty_fn, void *)) {
  int fd = memfd_create("scale-probe", MFD_CLOEXEC);
  if (fd < 0) return false;
  bool ok = false;
  uint8_t *m = MAP_FAILED;
  if (ftruncate(fd, 4 * HOST_PAGE) == 0 && pwrite(fd, "x", 1, 0) == 1)
    m = mmap(NULL, 4 * HOST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (m != MAP_FAILED) {
    volatile uint8_t sink = m[0];
    (void)sink;
    m[HOST_PAGE] = 1;
    m[2 * HOST_PAGE] = 2;
    struct probe p = {.count = 0};
    ok = scan(m, 4 * HOST_PAGE, probe_note, &p) && p.count == 1 && p.off[0] == HOST_PAGE &&
         p.len[0] == 2 * HOST_PAGE;
    munmap(m, 4 * HOST_PAGE);
  }
  close(fd);
  return ok;
}

/*
 * Under valgrind? Its tools other than memcheck do not keep registers exact at a faulting
 * access, so an instruction cannot be resumed after the handler made its page writable
 * (seen with callgrind: a jump to garbage). valgrind.h is a header-only client request.
 */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define HAVE_VALGRIND_H 1
#endif
#endif

static bool under_valgrind(void) {
#ifdef HAVE_VALGRIND_H
  if (RUNNING_ON_VALGRIND) return true;
#endif
  const char *preload = getenv("LD_PRELOAD"); /* valgrind preloads its vgpreload_*.so */
  return preload && strstr(preload, "vgpreload");
}

bool scale__track_supported(void) {
  /* ThreadSanitizer's signal handling delays the faults tracking lives on. */
  return !SCALE__UNDER_TSAN && !under_valgrind();
}

/* Write tracking on a scratch mapping: pages 1 and 2 written must be noted, and only they. */
static bool tracking_works(void) {
  if (!scale__track_supported()) return false;
  int fd = memfd_create("scale-probe", MFD_CLOEXEC);
  if (fd < 0) return false;
  bool ok = false;
  uint8_t *m = MAP_FAILED;
  if (ftruncate(fd, 4 * HOST_PAGE) == 0)
    m = mmap(NULL, 4 * HOST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (m != MAP_FAILED) {
    scale_memory_t mem;
    memset(&mem, 0, sizeof mem);
    mem.data = m;
    mem.size = 4 * HOST_PAGE;
    if (scale__memory_track(&mem, 4 * HOST_PAGE)) {
      volatile uint8_t *v = m;
      v[HOST_PAGE] = 1;
      v[2 * HOST_PAGE + 5] = 2;
      v[HOST_PAGE + 7] = 3;
      ok = scale__memory_tracked_bytes(&mem) == 2 * HOST_PAGE && v[HOST_PAGE] == 1 &&
           v[2 * HOST_PAGE + 5] == 2 && v[0] == 0;
      scale__memory_untrack(&mem);
    }
    munmap(m, 4 * HOST_PAGE);
  }
  close(fd);
  return ok;
}

static void choose(void) {
  const char *want = getenv("SCALE_RESET");
  bool any = !want || !*want || strcmp(want, "auto") == 0;
  if (sysconf(_SC_PAGESIZE) != HOST_PAGE) return; /* the scans assume 4 KiB pages */
  pthread_atfork(NULL, NULL, forked);
  bool track = any || strcmp(want, "track") == 0;
  if ((track || strcmp(want, "scan") == 0) && works(scan_ioctl))
    scan_mode = SCALE__RESET_SCAN;
  else if ((track || strcmp(want, "pagemap") == 0) && works(scan_pagemap))
    scan_mode = SCALE__RESET_PAGEMAP;
  mode = track && tracking_works() ? SCALE__RESET_TRACK : scan_mode;
}

scale__reset_mode_t scale__reset_mode(void) {
  pthread_once(&once, choose);
  return mode;
}

scale__reset_mode_t scale__reset_scan_mode(void) {
  pthread_once(&once, choose);
  return scan_mode;
}

const char *scale__reset_mode_name(scale__reset_mode_t m) {
  return m == SCALE__RESET_TRACK     ? "track"
         : m == SCALE__RESET_SCAN    ? "scan"
         : m == SCALE__RESET_PAGEMAP ? "pagemap"
                                     : "madvise";
}

bool scale__dirty_each(uint8_t *base, size_t len, scale__dirty_fn fn, void *ctx) {
  if ((uintptr_t)base % HOST_PAGE || len % HOST_PAGE) return false;
  scale__reset_mode();
  switch (scan_mode) {
  case SCALE__RESET_SCAN:
    return scan_ioctl(base, len, fn, ctx);
  case SCALE__RESET_PAGEMAP:
    return scan_pagemap(base, len, fn, ctx);
  default:
    return false;
  }
}
