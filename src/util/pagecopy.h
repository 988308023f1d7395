/*
 * Restore whole 4 KiB pages from an image, both sides page-aligned: what a
 * reset does for every page a call wrote. Two things make it cheaper than
 * memcpy, measured on the virtual machines this runs on:
 *  - the C library's memcpy and the compiler's inline `rep movs` took about
 *    twice as long per cache-hot page as an unrolled AVX2 loop;
 *  - most of a written page is usually zero in the image (the unused part
 *    of the stack's top page; the end of the statics' page), and checking
 *    that a range still is zero reads one stream instead of copying two, so
 *    a restore copies only the image's non-zero span and zero-checks the
 *    rest (rewriting only what is not zero).
 */
#ifndef SCALE_UTIL_PAGECOPY_H
#define SCALE_UTIL_PAGECOPY_H

#include <stdint.h>

#define SCALE__PAGE_BYTES 4096u
/* Spans are in these units: lo and hi are multiples of it. */
#define SCALE__PAGE_LINE 128u

/* Copy one page from @p src to @p dst; both 4096-byte aligned, not overlapping. Thread-safe. */
void scale__page_copy(void *dst, const void *src);

/*
 * The span [*lo, *hi) of @p page (4096-byte aligned) outside which every
 * byte is zero, rounded out to SCALE__PAGE_LINE; *lo == *hi when the page
 * is all zero. Thread-safe.
 */
void scale__page_span(const void *page, uint32_t *lo, uint32_t *hi);

/*
 * Make @p dst equal to @p src, given that @p src is zero outside [lo, hi)
 * (a span from scale__page_span): copies [lo, hi) and clears whatever is
 * not zero outside it. Both pages 4096-byte aligned. Thread-safe.
 */
void scale__page_restore(void *dst, const void *src, uint32_t lo, uint32_t hi);

#endif
