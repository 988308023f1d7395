/*
 * What the Polyglot codec needs from its surroundings, and nothing more:
 * an allocator (SCALE_PG_REALLOC / SCALE_PG_FREE) and byte copies. The C
 * guest SDK compiles these sources for wasm32 freestanding, where neither
 * <stdlib.h> nor <string.h> exist, so this header must never pull them in
 * when the allocator is supplied.
 */
#ifndef SCALE_POLYGLOT_ALLOC_H
#define SCALE_POLYGLOT_ALLOC_H

#include <stddef.h>

#if !defined(SCALE_PG_REALLOC) && !defined(SCALE_PG_FREE)
#include <stdlib.h>
#define SCALE_PG_REALLOC realloc
#define SCALE_PG_FREE free
#elif defined(SCALE_PG_REALLOC) && defined(SCALE_PG_FREE)
#ifndef SCALE_PG_NO_ALLOC_DECL
/* A freestanding build names its own allocator, e.g.
 * -DSCALE_PG_REALLOC=my_realloc; declare it so no header is needed.
 * Define SCALE_PG_NO_ALLOC_DECL when the names are function-like macros. */
void *SCALE_PG_REALLOC(void *p, size_t n);
void SCALE_PG_FREE(void *p);
#endif
#else
#error "define both SCALE_PG_REALLOC and SCALE_PG_FREE, or neither"
#endif

/* The builtins compile to inline code or to a memcpy call that every
 * wasm32 runtime (wasi-libc, the SDK's own) provides. */
#define PG_MEMCPY(d, s, n) __builtin_memcpy((d), (s), (n))

#endif
