/**
 * @file scale/function.h
 * @brief Scale functions and chains: run guests that speak the Scale ABI.
 *
 * A *function* is a Wasm module that exports `memory`, `resize(i32)->i32`
 * and `run()->i64`, optionally `initialize()->i64`, `hash()->i64` and
 * `_start()`, and may import `env.next(i32, i32)` and WASI preview1 (see
 * docs/reference/scale.md section 1). A *chain* is an ordered list of
 * functions run as middleware: the first gets the input; when a guest calls
 * `Next()` the next function runs on what it passed, and after the last one
 * the host's next callback runs. Every value that crosses the sandbox is
 * an encoded signature context (Polyglot bytes); this API works on those
 * bytes and leaves typed access to the signature codecs (for the built-in
 * HTTP signature, scale/http_signature.h).
 *
 * Each call of a chain runs every function it reaches on a fresh instance
 * leased from that function's pool: instances start from a snapshot taken
 * after `_start` and `initialize` ran once, so a call never sees another
 * call's state, and an instance that trapped or hit a limit is discarded.
 *
 * Errors name the function and the reason, e.g.
 * "function 'hello:latest': guest error: bad input",
 * "function 'hello:latest': trap: unreachable",
 * "function 'hello:latest': deadline exceeded"; scale_error_kind() tells
 * them apart (GUEST, TRAP, LIMIT, BAD_OUTPUT, GENERIC).
 */
#ifndef SCALE_FUNCTION_H
#define SCALE_FUNCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"
#include "module.h"
#include "wasi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest "name:tag" of a function, in bytes. */
#define SCALE_FUNCTION_MAX_NAME 256u
/** Most functions in one chain. */
#define SCALE_CHAIN_MAX_FUNCTIONS 64u
/** Default cap on one encoded context a guest returns or passes to Next (64 MiB). */
#define SCALE_CHAIN_DEFAULT_MAX_BYTES (64u * 1024u * 1024u)
/** Most environment variables of a chain. */
#define SCALE_CHAIN_MAX_ENV 1024u

/* ---- functions ------------------------------------------------------ */

/** A loaded function: its compiled module and its metadata. Immutable. */
typedef struct scale_function scale_function_t;

/**
 * Load a function from memory.
 *
 * @p bytes is either a raw Wasm module (it starts with "\0asm") or a
 * `.scale` file (anything else; decoded with scale/scalefile.h when the
 * library has it, otherwise refused with "'.scale' files are not supported
 * by this build"). The module is decoded, validated and compiled once, on
 * the engine's tier (see scale_config_t.tier), and its exports are checked:
 * `memory`, `resize` (i32)->(i32) and `run` ()->(i64) are required,
 * `initialize` ()->(i64), `hash` ()->(i64) and `_start` ()->() are optional
 * but must have those types when present, and the only imports allowed
 * are functions from "env" (only `next` (i32 i32)->()) and
 * "wasi_snapshot_preview1".
 *
 * @param engine the engine; must outlive the function.
 * @param bytes  module or `.scale` bytes; copied as needed, the caller may
 *               free them afterwards.
 * @param len    their length (at most SCALE_MAX_MODULE_BYTES for a module).
 * @param name   "name:tag" for a raw module (a missing ":tag" means
 *               ":latest"); NULL for a raw module gives "function:latest".
 *               For a `.scale` file NULL takes the name and tag recorded in
 *               it, anything else overrides them.
 * @param out    receives the function on success.
 * @return NULL on success; otherwise an error naming the function and the
 *         problem ("function 'x:latest': missing export 'resize'", or the
 *         decoder's or validator's message).
 * Thread-safe. The function starts with one reference, owned by the caller.
 */
scale_error_t *scale_function_new(scale_engine_t *engine, const uint8_t *bytes, size_t len,
                                  const char *name, scale_function_t **out);

/**
 * Load a function from the file at @p path, as scale_function_new() does
 * with its contents. When @p name is NULL and the file is a raw module, the
 * name is the file's base name without its extension, tag "latest".
 * @return NULL on success; an error "cannot open '<path>': <reason>" or any
 *         error of scale_function_new().
 */
scale_error_t *scale_function_load(scale_engine_t *engine, const char *path, const char *name,
                                   scale_function_t **out);

/**
 * Take another reference to @p fn (chains take one on each of their
 * functions, so a function may be released while chains still use it).
 * @return @p fn. Thread-safe.
 */
scale_function_t *scale_function_ref(scale_function_t *fn);

/**
 * Drop a reference; the last one frees the function and its module.
 * NULL is a no-op. Thread-safe.
 */
void scale_function_delete(scale_function_t *fn);

/** "name:tag" (borrowed, lives as long as the function). */
const char *scale_function_name(const scale_function_t *fn);

/** The compiled module (borrowed, lives as long as the function). */
const scale_module_t *scale_function_module(const scale_function_t *fn);

/**
 * Initialise an instance of a function's module as a chain does before it
 * snapshots its pool: `_start` (a WASI command's exit status 0 counts as
 * success) or `_initialize`, then the Scale `initialize` export when
 * present. Its signature is scale_pool_config_t's init_fn, so an embedder
 * pooling the function's module (scale_pool_new with
 * scale_function_module(fn)) gets the instances a chain would:
 *
 *   pc.init_fn = scale_function_init_instance;
 *   pc.init_env = fn;
 *
 * @param env   the scale_function_t the instance belongs to; must outlive
 *              the pool.
 * @param store the instance's store; @p inst the instance of
 *              scale_function_module(env).
 * @param trap  unused: a trap becomes the returned error.
 * @return NULL on success; an error naming the function and the export for
 *         a trap (SCALE_ERROR_TRAP), an Error value returned by
 *         `initialize` (SCALE_ERROR_GUEST, with its message), or a result
 *         that is not one (SCALE_ERROR_BAD_OUTPUT). Thread-safe for
 *         distinct instances.
 */
scale_error_t *scale_function_init_instance(void *env, scale_store_t *store, scale_instance_t *inst,
                                            scale_trap_t **trap);

/** True if the module exports `initialize` (a Gen-2 guest). */
bool scale_function_has_initialize(const scale_function_t *fn);

/**
 * The signature hash recorded in the function's `.scale` file (lower-case
 * hex), or NULL for a raw module or a file without one. Borrowed.
 */
const char *scale_function_signature_hash(const scale_function_t *fn);

/**
 * The signature schema (HCL text, not NUL-terminated) embedded in the
 * function's `.scale` file, with its length in *@p len; NULL (and 0) for a
 * raw module or a file without one. Parse it with scale_signature_parse()
 * to decode the function's context. Borrowed; lives as long as @p fn.
 */
const char *scale_function_signature_schema(const scale_function_t *fn, size_t *len);

/* ---- chains --------------------------------------------------------- */

/** An ordered list of functions with their pools and limits. Thread-safe. */
typedef struct scale_chain scale_chain_t;

/**
 * Chain configuration. Initialise with scale_chain_config_default(); zero
 * in a numeric field means "none" or "the default" as documented.
 */
typedef struct scale_chain_config {
  /**
   * Instruction budget of each function invocation (every function a call
   * reaches gets its own); 0 = unlimited. Exceeding it fails the call with
   * "fuel exhausted" (kind LIMIT).
   */
  uint64_t fuel;
  /**
   * Wall-clock budget of a whole scale_chain_run(), nested functions
   * included, in nanoseconds; 0 = none. Exceeding it fails the call with
   * "deadline exceeded" (kind LIMIT). Time in the host's next callback
   * counts, but the callback is never interrupted.
   */
  uint64_t deadline_ns;
  /**
   * Most 64 KiB pages the memory of each instance may grow to (at most the
   * engine's max_memory_pages, which is used when this is 0). A guest
   * whose memory.grow is refused usually fails its call; when a buffer the
   * host asked for does not fit, the call fails with "memory limit
   * exceeded" (kind LIMIT). A function whose initial memory is already
   * larger is refused by scale_chain_new().
   */
  uint32_t max_memory_pages;
  /** Largest encoded context accepted from a guest (0 = SCALE_CHAIN_DEFAULT_MAX_BYTES). */
  uint32_t max_bytes;
  /** Idle instances kept per function (0 = 16). */
  uint32_t pool_max_idle;
  /**
   * Most instances of one function in existence at once (0 = unlimited);
   * past it a call fails with "pool exhausted" instead of waiting.
   */
  uint32_t pool_max_instances;
  /**
   * Receives what guests write to stdout and stderr (WASI fd 1 and 2);
   * NULL discards it. Called from whichever thread runs the call, possibly
   * from several at once: it must be thread-safe. @p output_env must
   * outlive the chain.
   */
  scale_wasi_write_fn_t output;
  void *output_env;
  /**
   * Environment the guests see through WASI: @p env_count pairs given as
   * 2 * env_count strings, key then value; copied. Keys must match
   * [A-Za-z0-9_]+ (as upstream checks), values must not contain NUL.
   */
  const char *const *env;
  size_t env_count;
  /** Make WASI random_get deterministic with this seed (tests); 0 = OS randomness. */
  uint64_t random_seed;
} scale_chain_config_t;

/** Fill @p cfg with the defaults: no limits but the engine's, pools of 16 idle instances. */
void scale_chain_config_default(scale_chain_config_t *cfg);

/**
 * Create a chain of @p count functions (run in array order).
 *
 * Creates one instance pool per position: instantiates each function once,
 * runs its `_start` if exported (a WASI exit with status 0 is accepted) and
 * its `initialize` if exported, and snapshots the result. The same
 * function may appear more than once; each position gets its own pool.
 *
 * @param fns   @p count functions (1 to SCALE_CHAIN_MAX_FUNCTIONS), all of
 *              one engine; the chain takes a reference on each.
 * @param cfg   configuration, copied; NULL for the defaults.
 * @param out   receives the chain.
 * @return NULL on success; an error for a bad configuration (naming the
 *         field), out-of-memory, a link failure, or a failed
 *         initialisation: "function 'x:latest': initialize: guest error:
 *         <message>" (kind GUEST) when `initialize` returned an Error
 *         value, "... initialize: trap: <message>" (kind TRAP) when it or
 *         `_start` trapped.
 * Thread-safe.
 */
scale_error_t *scale_chain_new(scale_function_t *const *fns, size_t count,
                               const scale_chain_config_t *cfg, scale_chain_t **out);

/**
 * Delete a chain: its pools, its WASI context and its references to the
 * functions. No scale_chain_run() may be running on it. NULL is a no-op.
 */
void scale_chain_delete(scale_chain_t *chain);

/** Number of functions in the chain. */
size_t scale_chain_count(const scale_chain_t *chain);

/** Function at position @p i (borrowed), or NULL if @p i is out of range. */
scale_function_t *scale_chain_function(const scale_chain_t *chain, size_t i);

/** Bytes owned by the caller: release with scale_bytes_free(). */
typedef struct scale_bytes {
  uint8_t *data; /**< malloc'd; NULL when len is 0 */
  size_t len;
} scale_bytes_t;

/** Free @p b's data and set it to empty. NULL is a no-op. */
void scale_bytes_free(scale_bytes_t *b);

/**
 * The host's end of the chain: runs when the last function calls Next().
 *
 * @param env  the pointer given to scale_chain_run().
 * @param in   the encoded context the guest passed, @p len bytes; valid
 *             only during the callback.
 * @param out  initially {NULL, 0}. To reply with other bytes, set
 *             out->data to a malloc'd buffer (the library frees it with
 *             free()) and out->len to its length; leaving out->data NULL
 *             replies with @p in unchanged (identity, the default Next of
 *             upstream hosts).
 * @return NULL on success; an owned error to fail Next(): its message is
 *         handed to the guest as a Polyglot Error value, so the guest's
 *         Next() returns an error it may propagate.
 * Called on the thread that runs scale_chain_run(), inside the guest's
 * call; it must not call scale_chain_run() on the same thread.
 */
typedef scale_error_t *(*scale_next_fn_t)(void *env, const uint8_t *in, size_t len,
                                          scale_bytes_t *out);

/**
 * Run the chain once on an encoded context.
 *
 * For the first function: lease an instance, `resize(len)`, write @p in
 * into the buffer it returns, call `run()`, and read the packed
 * `ptr<<32|len` result (0 is "failed to run function"), checked against
 * the memory's bounds and max_bytes. When a guest calls `env.next(ptr,
 * len)`, the bytes it passed go to the next function the same way (or to
 * @p next after the last one); the result is written back through the
 * caller's `resize`. A failure of a next function or of @p next reaches the
 * calling guest as a Polyglot Error value, which it may return.
 *
 * @param in   the encoded input context, @p len bytes (at most max_bytes).
 * @param next the host's next; NULL = identity.
 * @param out  receives the first function's output on success (a
 *             malloc'd copy; release with scale_bytes_free()); untouched on
 *             failure.
 * @return NULL on success. An error of kind GUEST when the first function
 *         returned a Polyglot Error value ("function 'f:t': guest error:
 *         <its message>"; when the guest propagated an error of a function
 *         later in the chain, that function's original error and kind);
 *         TRAP for a trap ("function 'f:t': trap: unreachable"); LIMIT for
 *         fuel, deadline or memory cap; BAD_OUTPUT for "failed to run
 *         function" or a result outside the guest's memory ("malformed
 *         output: ..."); GENERIC for "pool exhausted", out-of-memory.
 * Thread-safe: any number of threads may run the same chain at once.
 * Re-entrant across chains only from a host callback of another chain's
 * guest on another thread; not on the same thread from @p next.
 */
scale_error_t *scale_chain_run(scale_chain_t *chain, const uint8_t *in, size_t len,
                               scale_next_fn_t next, void *next_env, scale_bytes_t *out);

/**
 * Receives a chain's output where it lies (see scale_chain_run_view()).
 *
 * @param env   the pointer given to scale_chain_run_view().
 * @param data  the first function's output, @p len bytes, inside its
 *              instance's memory: read-only, and valid only until the
 *              callback returns (the instance is reset right after).
 * @return NULL; or an owned error, which scale_chain_run_view() returns.
 * Called at most once, on the thread running the chain, and only when the
 * output is not a Polyglot Error value.
 */
typedef scale_error_t *(*scale_output_fn_t)(void *env, const uint8_t *data, size_t len);

/**
 * scale_chain_run() without its copy of the output: @p take reads the
 * first function's output in place, before the instance goes back to its
 * pool. For a host that turns the output into something else anyway (the
 * HTTP server decodes it into a response), this saves a malloc and a copy
 * of the whole output per call.
 *
 * @param take  called once with the output on success; not called when
 *              the chain fails or the output is an Error value.
 * @return as scale_chain_run(), or the error @p take returned. "invalid
 *         argument" for a NULL @p chain or @p take, or NULL @p in with
 *         @p len > 0.
 * Thread-safe as scale_chain_run().
 */
scale_error_t *scale_chain_run_view(scale_chain_t *chain, const uint8_t *in, size_t len,
                                    scale_next_fn_t next, void *next_env, scale_output_fn_t take,
                                    void *take_env);

#ifdef __cplusplus
}
#endif
#endif
