/**
 * @file scale/error.h
 * @brief Errors (the call was wrong) and traps (the guest failed).
 */
#ifndef SCALE_ERROR_H
#define SCALE_ERROR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * An error: a module that failed to decode or validate, a failed link, a
 * wrong argument, out-of-memory. Owned by whoever received it.
 */
typedef struct scale_error scale_error_t;

/** The message, lower-case, e.g. "type mismatch"; never NULL. */
const char *scale_error_message(const scale_error_t *err);
/**
 * Byte offset in the module binary the error refers to, or -1 when the
 * error is not about a position in a module.
 */
int64_t scale_error_offset(const scale_error_t *err);
/** Release an error. NULL is a no-op. */
void scale_error_delete(scale_error_t *err);
/**
 * Create an error with a copy of @p message and no module offset, for code
 * layered on the API (WASI, host libraries) that must report failure the
 * same way the library does.
 * @return an owned error, or NULL only on out-of-memory.
 */
scale_error_t *scale_error_new(const char *message);

/**
 * What kind of failure an error reports, for callers that map failures to
 * responses (an HTTP server answers a guest error differently from a
 * limit). Errors from the module, linker and store APIs are GENERIC; the
 * function and chain API (scale/function.h) sets the others.
 */
typedef enum scale_error_kind {
  SCALE_ERROR_GENERIC = 0, /**< anything else: bad input, out-of-memory, a failed system call */
  SCALE_ERROR_GUEST,       /**< the guest returned a Polyglot Error value (its own error) */
  SCALE_ERROR_TRAP,        /**< the guest trapped (unreachable, out of bounds access, ...) */
  SCALE_ERROR_LIMIT,       /**< a limit stopped the guest: fuel, deadline, memory cap */
  SCALE_ERROR_BAD_OUTPUT,  /**< the guest broke the ABI: bad pointer/length, run returned 0 */
} scale_error_kind_t;

/** The kind of @p err; SCALE_ERROR_GENERIC unless the producer set another. */
scale_error_kind_t scale_error_kind(const scale_error_t *err);
/**
 * Create an error of kind @p kind with a copy of @p message (at most 511
 * bytes are kept). @return an owned error, or the shared out-of-memory
 * error (kind GENERIC) when allocation fails; never NULL.
 */
scale_error_t *scale_error_new_kind(scale_error_kind_t kind, const char *message);

/** Why a guest stopped. One enum for both execution tiers. */
typedef enum scale_trap_code {
  SCALE_TRAP_UNREACHABLE = 1,       /**< "unreachable" */
  SCALE_TRAP_MEMORY_OOB,            /**< "out of bounds memory access" */
  SCALE_TRAP_TABLE_OOB,             /**< "out of bounds table access" */
  SCALE_TRAP_UNDEFINED_ELEMENT,     /**< "undefined element" (call_indirect index past the table) */
  SCALE_TRAP_UNINITIALIZED_ELEMENT, /**< "uninitialized element" (call_indirect of a null entry) */
  SCALE_TRAP_INDIRECT_TYPE,         /**< "indirect call type mismatch" */
  SCALE_TRAP_INT_OVERFLOW,          /**< "integer overflow" */
  SCALE_TRAP_INT_DIV_ZERO,          /**< "integer divide by zero" */
  SCALE_TRAP_INVALID_CONVERSION,    /**< "invalid conversion to integer" */
  SCALE_TRAP_STACK_EXHAUSTED,       /**< "call stack exhausted" */
  SCALE_TRAP_FUEL_EXHAUSTED,        /**< "fuel exhausted" */
  SCALE_TRAP_DEADLINE,              /**< "deadline exceeded" */
  SCALE_TRAP_MEMORY_LIMIT,          /**< "memory limit exceeded" */
  SCALE_TRAP_INTERRUPTED,           /**< "interrupted" (scale_store_interrupt) */
  SCALE_TRAP_HOST,                  /**< a host function failed; message is its text */
  SCALE_TRAP_EXIT,                  /**< WASI proc_exit; see scale_trap_exit_status */
} scale_trap_code_t;

/** A trap. Owned by whoever received it. */
typedef struct scale_trap scale_trap_t;

/**
 * Create a trap with code SCALE_TRAP_HOST and a copy of @p message, for a
 * host function to return. Returns NULL only on out-of-memory.
 */
scale_trap_t *scale_trap_new(const char *message);
/**
 * Create a trap with code SCALE_TRAP_EXIT carrying @p status, as WASI's
 * proc_exit does. Returns NULL only on out-of-memory.
 */
scale_trap_t *scale_trap_new_exit(int32_t status);
/** The trap's code. */
scale_trap_code_t scale_trap_code(const scale_trap_t *trap);
/** The message, worded as the spec suite words it (e.g. "unreachable"). */
const char *scale_trap_message(const scale_trap_t *trap);
/**
 * For SCALE_TRAP_EXIT, the exit status the guest passed to proc_exit, and
 * 1 returned; otherwise 0 returned and *status untouched.
 */
int scale_trap_exit_status(const scale_trap_t *trap, int32_t *status);
/** Release a trap. NULL is a no-op. */
void scale_trap_delete(scale_trap_t *trap);
/** Spec wording of a trap code ("unreachable", ...); never NULL. */
const char *scale_trap_code_message(scale_trap_code_t code);

#ifdef __cplusplus
}
#endif
#endif
