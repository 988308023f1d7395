/**
 * @file scale/limits.h
 * @brief Hard caps on inputs. A module past one is refused with an error
 * naming the limit; nothing is silently truncated.
 */
#ifndef SCALE_LIMITS_H
#define SCALE_LIMITS_H

/** Largest module binary accepted, in bytes (256 MiB). */
#define SCALE_MAX_MODULE_BYTES (256u * 1024u * 1024u)
/** Most parameters of one function type. */
#define SCALE_MAX_FUNC_PARAMS 1000u
/** Most results of one function type. */
#define SCALE_MAX_FUNC_RESULTS 1000u
/** Most locals (parameters included) of one function. */
#define SCALE_MAX_FUNC_LOCALS 50000u
/** Most entries in any one section (types, imports, functions, ...). */
#define SCALE_MAX_SECTION_ENTRIES 1000000u
/** Deepest nesting of blocks in one function. */
#define SCALE_MAX_BLOCK_DEPTH 10000u
/** Most targets of one br_table. */
#define SCALE_MAX_BR_TABLE 65520u
/** Longest name (import, export, custom section), in bytes. */
#define SCALE_MAX_NAME_BYTES 100000u
/** Wasm page size. */
#define SCALE_PAGE_SIZE 65536u

#endif
