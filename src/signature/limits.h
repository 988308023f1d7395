/*
 * Hard caps for the signature module: schema text, names, counts, and what
 * one decode may build. Inputs past a cap are refused with an error naming
 * it; nothing is truncated.
 */
#ifndef SCALE_SIGNATURE_LIMITS_H
#define SCALE_SIGNATURE_LIMITS_H

/* Schema text: see SCALE_SIGNATURE_MAX_TEXT in scale/signature.h. */
#define SIG_MAX_NESTING 8u           /* block nesting (the language needs 3) */
#define SIG_MAX_STRING (64u * 1024u) /* one string literal, decoded bytes */
#define SIG_MAX_IDENT 256u           /* identifiers and labels */
#define SIG_MAX_LIST 65536u          /* items in one list (enum values) */
#define SIG_MAX_MODELS 4096u
#define SIG_MAX_ENUMS 4096u
#define SIG_MAX_FIELDS 4096u  /* per model */
#define SIG_MAX_ITEMS 200000u /* attributes + blocks in one body */

/* One decode / JSON conversion. */
#define SIG_MAX_DEPTH 64u                         /* nested models */
#define SIG_MAX_ELEMENTS (1u << 22)               /* array elements + map entries, in total */
#define SIG_MAX_ALLOC ((size_t)256 * 1024 * 1024) /* bytes allocated for the tree */

#endif
