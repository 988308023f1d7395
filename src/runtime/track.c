/*
 * Write tracking of snapshot-restored memories, so a reset knows the pages
 * to copy back without asking the kernel.
 *
 * Asking costs: PAGEMAP_SCAN or /proc/self/pagemap take 1.5-2.5 us even
 * for a 128 KiB memory with four pages present, and about 35 ns more per
 * present page, on the virtual machines this runs on; a small call's whole
 * budget is under a microsecond. Instead the image is mapped read-only, the
 * first write to each page faults, and the fault handler makes that page
 * writable and appends it to the memory's list. The page then stays
 * writable for good (a reset copies the image back over it in place), so a
 * function that keeps writing the same pages, as request handlers do, takes
 * faults only on its first calls; after that a reset is a memcpy per page
 * on the list and no system call at all.
 *
 * The handler finds the memory through a fixed registry of address ranges
 * it can read without locks (a signal handler may take none). A memory
 * that cannot be tracked (registry full, an mprotect failing) is mapped
 * writable and reset by the scanning ways of dirty.c instead; a tracked
 * memory whose handler could not make one page writable makes the whole
 * image writable, marks itself broken and is reset by dropping all its
 * private pages, then tracked afresh.
 *
 * System calls that write into guest memory (getrandom, read) fail with
 * EFAULT on a read-only page instead of faulting: callers first touch the
 * range with scale__memory_prepare_write.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "aot/aot.h"
#include "runtime/runtime.h"
#include "util/pagecopy.h"

#define HOST_PAGE 4096u
_Static_assert(HOST_PAGE == SCALE__PAGE_BYTES, "tracked pages are the pages pagecopy restores");
/* Tracked memories at once; more are reset by scanning. Pools keep a few per module. */
#define SLOTS 4096u

struct scale__track {
  uint8_t *base;          /* the memory's data */
  size_t bytes;           /* image bytes, the tracked range */
  uint32_t pages;         /* host pages in it */
  _Atomic uint32_t count; /* pages on the list */
  _Atomic uint8_t *seen;  /* per host page: made writable */
  uint32_t *list;         /* pages made writable, in the order of their first write */
  uint32_t *span;         /* per list entry: the image page's non-zero span, lo | hi << 16 */
  uint32_t spans;         /* list entries whose span is known */
  _Atomic bool broken;    /* the handler made the whole image writable: list incomplete */
  uint32_t slot;
};

/* A registry slot: [lo, hi) belongs to `track` while lo != 0. */
struct slot {
  _Atomic uintptr_t lo, hi;
  _Atomic(struct scale__track *) track;
  atomic_flag used;
};

static struct slot slots[SLOTS];
static _Atomic uint32_t slot_top; /* slots at or past this were never used */

static bool claim(struct scale__track *t) {
  for (uint32_t i = 0; i < SLOTS; i++) {
    if (atomic_flag_test_and_set(&slots[i].used)) continue;
    atomic_store_explicit(&slots[i].track, t, memory_order_relaxed);
    atomic_store_explicit(&slots[i].hi, (uintptr_t)t->base + t->bytes, memory_order_relaxed);
    /* lo last: the handler reads lo (acquire) before hi and track. */
    atomic_store_explicit(&slots[i].lo, (uintptr_t)t->base, memory_order_release);
    uint32_t top = atomic_load(&slot_top);
    while (top < i + 1 && !atomic_compare_exchange_weak(&slot_top, &top, i + 1)) {
    }
    t->slot = i;
    return true;
  }
  return false;
}

static void unclaim(struct scale__track *t) {
  struct slot *s = &slots[t->slot];
  atomic_store_explicit(&s->lo, 0, memory_order_release);
  atomic_store_explicit(&s->hi, 0, memory_order_relaxed);
  atomic_store_explicit(&s->track, NULL, memory_order_relaxed);
  atomic_flag_clear(&s->used);
}

bool scale__memory_write_fault(void *addr) {
  uintptr_t a = (uintptr_t)addr;
  uint32_t top = atomic_load_explicit(&slot_top, memory_order_acquire);
  for (uint32_t i = 0; i < top; i++) {
    uintptr_t lo = atomic_load_explicit(&slots[i].lo, memory_order_acquire);
    if (!lo || a < lo || a >= atomic_load_explicit(&slots[i].hi, memory_order_relaxed)) continue;
    /* The fault is in this memory, so it is alive (its holder is writing it). */
    struct scale__track *t = atomic_load_explicit(&slots[i].track, memory_order_relaxed);
    if (!t) return false;
    uint32_t page = (uint32_t)((a - lo) / HOST_PAGE);
    if (atomic_exchange(&t->seen[page], 1)) return true; /* another thread got here first: retry */
    if (mprotect(t->base + (size_t)page * HOST_PAGE, HOST_PAGE, PROT_READ | PROT_WRITE) != 0) {
      /* Out of mappings, most likely (each protection change may split one): stop
       * tracking this memory rather than fail the guest. */
      atomic_store(&t->broken, true);
      return mprotect(t->base, t->bytes, PROT_READ | PROT_WRITE) == 0;
    }
    uint32_t at = atomic_fetch_add(&t->count, 1);
    if (at < t->pages) t->list[at] = page;
    return true;
  }
  return false;
}

void scale__memory_prepare_write(void *p, size_t len) {
  if (!len) return;
  volatile uint8_t *b = p;
  uintptr_t first = (uintptr_t)p & ~(uintptr_t)(HOST_PAGE - 1);
  for (uintptr_t at = first; at < (uintptr_t)p + len; at += HOST_PAGE) {
    volatile uint8_t *q = at < (uintptr_t)p ? b : (volatile uint8_t *)at;
    *q = *q; /* a write of what is there: faults in user space if the page is tracked */
  }
}

void scale__memory_untrack(scale_memory_t *mem) {
  struct scale__track *t = mem->track;
  if (!t) return;
  unclaim(t);
  mem->track = NULL;
  free((void *)t->seen);
  free(t->list);
  free(t->span);
  free(t);
}

/* Make the whole image read-only and forget every page: the start of tracking. */
static bool protect_all(struct scale__track *t) {
  if (mprotect(t->base, t->bytes, PROT_READ) != 0) return false;
  memset((void *)t->seen, 0, t->pages);
  atomic_store(&t->count, 0);
  t->spans = 0;
  atomic_store(&t->broken, false);
  return true;
}

bool scale__memory_track(scale_memory_t *mem, size_t bytes) {
  scale__memory_untrack(mem);
  if (!bytes || bytes % HOST_PAGE || bytes > mem->size) return false;
  scale__aot_fault_handler_install();
  if (!scale__aot_fault_handler_active()) return false; /* someone replaced our handler */
  struct scale__track *t = calloc(1, sizeof *t);
  if (!t) return false;
  t->base = mem->data;
  t->bytes = bytes;
  t->pages = (uint32_t)(bytes / HOST_PAGE);
  t->seen = calloc(t->pages, 1);
  t->list = malloc((size_t)t->pages * sizeof *t->list);
  t->span = malloc((size_t)t->pages * sizeof *t->span);
  if (!t->seen || !t->list || !t->span || !claim(t)) {
    free((void *)t->seen);
    free(t->list);
    free(t->span);
    free(t);
    return false;
  }
  mem->track = t;
  if (!protect_all(t)) {
    scale__memory_untrack(mem);
    mprotect(mem->data, bytes, PROT_READ | PROT_WRITE);
    return false;
  }
  return true;
}

size_t scale__memory_tracked_bytes(const scale_memory_t *mem) {
  const struct scale__track *t = mem->track;
  if (!t || atomic_load(&t->broken)) return 0;
  return (size_t)atomic_load(&t->count) * HOST_PAGE;
}

int scale__memory_track_reset(scale_memory_t *mem, const uint8_t *image, size_t budget) {
  struct scale__track *t = mem->track;
  uint32_t n = atomic_load(&t->count);
  if (!atomic_load(&t->broken) && n <= t->pages && (size_t)n * HOST_PAGE <= budget) {
    /* The guest is not running: nothing appends to the list meanwhile. */
    for (; t->spans < n; t->spans++) {
      uint32_t lo, hi;
      scale__page_span(image + (size_t)t->list[t->spans] * HOST_PAGE, &lo, &hi);
      t->span[t->spans] = lo | hi << 16;
    }
    for (uint32_t i = 0; i < n; i++) {
      size_t off = (size_t)t->list[i] * HOST_PAGE;
      scale__page_restore(t->base + off, image + off, t->span[i] & 0xffff, t->span[i] >> 16);
    }
    return 1;
  }
  /* Broken, or a working set past the budget: drop the private pages (the image reappears)
   * and track from scratch. */
  if (madvise(t->base, t->bytes, MADV_DONTNEED) != 0) return -1;
  return protect_all(t) ? 0 : -1;
}
