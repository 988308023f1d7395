/*
 * What a guest built for plain wasm32 (no wasi-libc, -nostdlib) needs:
 * an allocator over memory.grow and the few memory functions compilers
 * emit calls to. Blocks come in power-of-two size classes with a free
 * list each, so a guest that serves one request after another reuses the
 * same blocks; memory is never given back (instances are short-lived).
 * Do not link this file with wasi-libc, which has its own.
 */
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;

#define CLASSES 32
#define HEADER 16 /* keeps payloads 16-byte aligned */

typedef struct block {
  uint32_t cls;
  uint32_t pad[3];
  struct block *next; /* in the free list; overlaps the payload */
} block_t;

static block_t *free_list[CLASSES];
static uintptr_t brk_ptr, brk_end;

void *scale_sdk_realloc(void *p, size_t n);
void scale_sdk_free(void *p);
void *malloc(size_t n);
void free(void *p);
void *realloc(void *p, size_t n);
void *calloc(size_t count, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

static void *carve(size_t bytes) {
  if (!brk_ptr) {
    /* The memory the module starts with past __heap_base is free: use it before growing. */
    brk_ptr = ((uintptr_t)&__heap_base + 15) & ~(uintptr_t)15;
    brk_end = __builtin_wasm_memory_size(0) * 65536;
    if (brk_end < brk_ptr) brk_end = brk_ptr;
  }
  if (bytes > brk_end - brk_ptr) {
    size_t need = bytes - (brk_end - brk_ptr);
    size_t pages = (need + 65535) / 65536;
    size_t cur = __builtin_wasm_memory_size(0) * 65536;
    if (brk_end != cur) brk_ptr = brk_end = cur; /* someone else grew memory: start at its end */
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
    brk_end += pages * 65536;
  }
  void *p = (void *)brk_ptr;
  brk_ptr += bytes;
  return p;
}

void *malloc(size_t n) {
  uint32_t cls = 4; /* 16-byte payloads at least */
  while (cls < CLASSES && ((size_t)1 << cls) < n)
    cls++;
  if (cls >= CLASSES - 1) return NULL;
  block_t *b = free_list[cls];
  if (b) {
    free_list[cls] = b->next;
  } else {
    b = carve(HEADER + ((size_t)1 << cls));
    if (!b) return NULL;
    b->cls = cls;
  }
  return (unsigned char *)b + HEADER;
}

void free(void *p) {
  if (!p) return;
  block_t *b = (block_t *)((unsigned char *)p - HEADER);
  b->next = free_list[b->cls];
  free_list[b->cls] = b;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  block_t *b = (block_t *)((unsigned char *)p - HEADER);
  size_t have = (size_t)1 << b->cls;
  if (n <= have) return p;
  void *q = malloc(n);
  if (!q) return NULL;
  memcpy(q, p, have);
  free(p);
  return q;
}

void *calloc(size_t count, size_t n) {
  if (n && count > (size_t)-1 / n) return NULL;
  void *p = malloc(count * n);
  if (p) memset(p, 0, count * n);
  return p;
}

void *scale_sdk_realloc(void *p, size_t n) {
  return realloc(p, n);
}
void scale_sdk_free(void *p) {
  free(p);
}

/*
 * With bulk memory (the SDK's builds enable it) these are one memory.copy or memory.fill
 * each, which run as a host memmove/memset; the loops are for builds without it.
 */
#ifdef __wasm_bulk_memory__
void *memcpy(void *d, const void *s, size_t n) {
  __builtin_memmove(d, s, n);
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  __builtin_memmove(d, s, n);
  return d;
}

void *memset(void *d, int c, size_t n) {
  __builtin_memset(d, c, n);
  return d;
}
#else
void *memcpy(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  while (n--)
    *dp++ = *sp++;
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp) {
    while (n--)
      *dp++ = *sp++;
  } else {
    while (n--)
      dp[n] = sp[n];
  }
  return d;
}

void *memset(void *d, int c, size_t n) {
  unsigned char *dp = d;
  while (n--)
    *dp++ = (unsigned char)c;
  return d;
}
#endif

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] - y[i];
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}
