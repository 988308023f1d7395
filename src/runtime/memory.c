/*
 * Linear memories. Each reserves its largest possible size of address
 * space up front (PROT_NONE) and makes pages accessible as it grows, so the
 * base address never moves: compiled code may cache it across calls that
 * do not grow memory, and host pointers stay valid.
 *
 * Snapshot-restored memories have a private file mapping of the image over
 * [0, image size) and the original anonymous reservation beyond it: a
 * reset copies back the pages the instance made private (or, without a
 * way to find them, drops them all so the image reappears) and makes
 * whatever grew past the image inaccessible and zero again.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "runtime/runtime.h"

/*
 * AOT code checks no bounds: it relies on every address a 32-bit index
 * plus a 32-bit offset can form (below 2^33) faulting past the memory's
 * size, so every memory reserves that much (address space only), plus a
 * page for accesses wider than one byte at the very end.
 */
#define AOT_RESERVE (((size_t)8 << 30) + SCALE_PAGE_SIZE)

static void memory_release(void *arg) {
  scale_memory_t *m = arg;
  scale__memory_untrack(m); /* before the range can be reused by another mapping */
  if (m->data) munmap(m->data, m->reserved);
}

/* Create a memory of `min` pages growable to `max_pages` (already capped). */
static scale_memory_t *memory_create(scale_store_t *store, uint32_t min, uint32_t max_pages,
                                     bool has_max) {
  scale_memory_t *m = scale__store_alloc(store, sizeof *m);
  if (!m) return NULL;
  /* Any module may be compiled later (scale_module_compile), whatever the
   * engine's tier, so every memory reserves what AOT code needs. */
  size_t reserve = AOT_RESERVE;
  void *p = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (min && mprotect(p, (size_t)min * SCALE_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
    munmap(p, reserve);
    return NULL;
  }
  m->data = p;
  m->reserved = reserve;
  m->pages = min;
  m->size = (uint64_t)min * SCALE_PAGE_SIZE;
  m->max_pages = max_pages;
  m->has_max = has_max;
  m->declared_max = has_max ? max_pages : 0;
  if (!scale__store_on_delete(store, memory_release, m)) {
    munmap(p, reserve);
    m->data = NULL;
    return NULL;
  }
  return m;
}

scale_error_t *scale__memory_create(scale_store_t *store, wasm_limits_t limits,
                                    scale_memory_t **out) {
  uint32_t cap = store->engine->config.max_memory_pages;
  if (limits.min > 65536 || (limits.has_max && limits.max > 65536))
    return scale__error_new(-1, "memory size must be at most 65536 pages (4GiB)");
  if (limits.has_max && limits.min > limits.max)
    return scale__error_new(-1, "size minimum must not be greater than maximum");
  if (limits.min > cap)
    return scale__error_new(-1, "memory limit exceeded: %u pages requested, the cap is %u",
                            limits.min, cap);
  uint32_t max = limits.has_max && limits.max < cap ? limits.max : cap;
  scale_memory_t *m = memory_create(store, limits.min, max, limits.has_max);
  if (!m) return scale__error_new(-1, "out of memory reserving a linear memory");
  m->declared_max = limits.has_max ? limits.max : 0;
  *out = m;
  return NULL;
}

scale_error_t *scale_memory_new(scale_store_t *store, const scale_memorytype_t *type,
                                scale_memory_t **out) {
  wasm_limits_t l = {type->limits.min, type->limits.max, type->limits.has_max};
  return scale__memory_create(store, l, out);
}

int64_t scale__memory_grow(scale_memory_t *mem, uint32_t delta) {
  uint32_t old = mem->pages;
  if (delta == 0) return old;
  if ((uint64_t)old + delta > mem->max_pages) return -1;
  if (mprotect(mem->data + mem->size, (size_t)delta * SCALE_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
    return -1;
  mem->pages = old + delta;
  mem->size = (uint64_t)mem->pages * SCALE_PAGE_SIZE;
  return old;
}

uint8_t *scale_memory_data(const scale_memory_t *mem) {
  return mem->data;
}
bool scale_memory_prepare_write(scale_memory_t *mem, size_t offset, size_t len) {
  if (!mem || offset > mem->size || len > mem->size - offset) return false;
  if (mem->track) scale__memory_prepare_write(mem->data + offset, len);
  return true;
}

size_t scale_memory_size(const scale_memory_t *mem) {
  return (size_t)mem->size;
}
uint32_t scale_memory_pages(const scale_memory_t *mem) {
  return mem->pages;
}

scale_memorytype_t scale_memory_type(const scale_memory_t *mem) {
  scale_memorytype_t t;
  t.limits.min = mem->pages;
  t.limits.has_max = mem->has_max;
  t.limits.max = mem->has_max ? mem->declared_max : 0;
  return t;
}

bool scale_memory_grow(scale_memory_t *mem, uint32_t delta, uint32_t *old_pages) {
  int64_t r = scale__memory_grow(mem, delta);
  if (r < 0) return false;
  if (old_pages) *old_pages = (uint32_t)r;
  return true;
}

/*
 * Make everything past @p bytes inaccessible and zero again. Inaccessible
 * first, so a failure cannot leave grown pages readable past the size.
 */
static bool shrink(scale_memory_t *mem, size_t bytes) {
  if (mem->size <= bytes) return true;
  size_t extra = (size_t)(mem->size - bytes);
  if (mprotect(mem->data + bytes, extra, PROT_NONE) != 0) return false;
  mem->pages = (uint32_t)(bytes / SCALE_PAGE_SIZE);
  mem->size = bytes;
  return madvise(mem->data + bytes, extra, MADV_DONTNEED) == 0;
}

bool scale__memory_map_image(scale_memory_t *mem, int fd, uint32_t pages) {
  size_t bytes = (size_t)pages * SCALE_PAGE_SIZE;
  if (pages > mem->max_pages || bytes > mem->reserved) return false;
  if (pages &&
      mmap(mem->data, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
    return false; /* the range may be unmapped now: the caller discards the memory */
  if (!shrink(mem, bytes)) return false;
  mem->pages = pages;
  mem->size = bytes;
  /* Untracked when tracking cannot be set up: resets then scan instead. */
  if (pages && scale__reset_mode() == SCALE__RESET_TRACK) scale__memory_track(mem, bytes);
  return true;
}

bool scale__memory_reset_image(scale_memory_t *mem, uint32_t pages) {
  size_t bytes = (size_t)pages * SCALE_PAGE_SIZE;
  if (bytes > mem->size) return false; /* memories never shrink below their image */
  /* Private copies go; pages only read were never copied and cost nothing here. */
  if (bytes && madvise(mem->data, bytes, MADV_DONTNEED) != 0) return false;
  return shrink(mem, bytes);
}

/*
 * Past this many private pages a reset drops the rest instead of copying
 * them back: the private set only grows, and a call that once wrote
 * megabytes should not make every later reset copy them (about 80 ns per
 * page copied against 1-2 us per page faulted in again, so 2 MiB keeps a
 * reset within ~40 us while sparing any steady working set its faults).
 */
#define COPY_BUDGET ((size_t)2 << 20)

struct restore {
  uint8_t *data;
  const uint8_t *image;
  size_t image_bytes; /* past this the memory grew: anonymous pages that must read zero */
  size_t budget;      /* bytes still to copy or zero before dropping pages instead */
};

static bool restore_run(void *ctx, size_t off, size_t len) {
  struct restore *r = ctx;
  if (len > r->budget) return madvise(r->data + off, len, MADV_DONTNEED) == 0;
  r->budget -= len;
  size_t copy = off >= r->image_bytes ? 0 : len < r->image_bytes - off ? len : r->image_bytes - off;
  memcpy(r->data + off, r->image + off, copy);
  memset(r->data + off + copy, 0, len - copy);
  return true;
}

/*
 * Zero what memory.grow added past the image and make it inaccessible, keeping the pages
 * resident (within the copy budget) so growing again costs an mprotect and no faults.
 */
static bool zero_grown(scale_memory_t *mem, size_t bytes) {
  size_t extra = (size_t)(mem->size - bytes);
  if (extra > COPY_BUDGET) return shrink(mem, bytes);
  memset(mem->data + bytes, 0, extra);
  if (mprotect(mem->data + bytes, extra, PROT_NONE) != 0) return false;
  mem->pages = (uint32_t)(bytes / SCALE_PAGE_SIZE);
  mem->size = bytes;
  return true;
}

bool scale__memory_restore_image(scale_memory_t *mem, const uint8_t *image, uint32_t pages) {
  size_t bytes = (size_t)pages * SCALE_PAGE_SIZE;
  if (bytes > mem->size) return false;
  if (mem->track && image && bytes) {
    /* Written pages are known: copy them back; no system call unless memory grew. */
    if (scale__memory_track_reset(mem, image, COPY_BUDGET) < 0) return false;
    return mem->size == bytes || zero_grown(mem, bytes);
  }
  scale__reset_mode_t mode = scale__reset_scan_mode();
  if (!image || !bytes || mode == SCALE__RESET_MADVISE)
    return scale__memory_reset_image(mem, pages);
  /*
   * With PAGEMAP_SCAN, the pages memory.grow added are scanned too (it
   * tells written pages from the shared zero page there): they are zeroed
   * in place and stay resident behind PROT_NONE, so growing again costs an
   * mprotect and no faults. Reading /proc/self/pagemap cannot tell the zero
   * page apart, so that mode drops grown pages as before.
   */
  bool grown = mode == SCALE__RESET_SCAN && mem->size > bytes;
  size_t scan = grown ? (size_t)mem->size : bytes;
  struct restore r = {mem->data, image, bytes, COPY_BUDGET};
  /* A scan that fails part-way leaves some pages restored: dropping them all is still right. */
  if (!scale__dirty_each(mem->data, scan, restore_run, &r))
    return scale__memory_reset_image(mem, pages);
  if (!grown) return shrink(mem, bytes);
  if (mprotect(mem->data + bytes, (size_t)mem->size - bytes, PROT_NONE) != 0) return false;
  mem->pages = pages;
  mem->size = bytes;
  return true;
}
