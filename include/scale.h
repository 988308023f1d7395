/**
 * @file scale.h
 * @brief libscale: embed the Scale WebAssembly runtime in a C program.
 *
 * This umbrella header includes every public header. It is the
 * specification of the library; the conventions below hold for every
 * function unless its own documentation says otherwise.
 *
 * Objects
 * -------
 * - scale_engine_t   configuration and shared caches; thread-safe.
 * - scale_module_t   a decoded, validated and compiled module; immutable
 *                    and thread-safe (it may be instantiated from many
 *                    threads at once).
 * - scale_store_t    owns every instance, function, memory, table and
 *                    global created in it; they all live until the store
 *                    is deleted. A store and everything in it must be used
 *                    by one thread at a time.
 * - scale_linker_t   names host functions and other instances' exports so
 *                    modules can import them; not thread-safe.
 * - scale_instance_t an instantiated module, owned by its store.
 * - scale_pool_t     instances of one module restored from a snapshot, each
 *                    in its own store, leased to threads; thread-safe.
 *
 * Errors and traps
 * ----------------
 * A fallible call returns an owned `scale_error_t *`: NULL means success,
 * anything else must be released with scale_error_delete(). Results are
 * written through out-parameters only on success. Calls that run Wasm code
 * also report a trap separately through a `scale_trap_t **` out-parameter:
 * a trap is the guest failing (for example "integer divide by zero"), an
 * error is the call itself being wrong (for example a wrong argument count).
 *
 * Ownership
 * ---------
 * `_new` returns an object owned by the caller, to be released with the
 * matching `_delete`; `_delete(NULL)` is a no-op. Objects owned by a store
 * (instances, funcs, memories, tables, globals) have no `_delete`. Strings
 * passed in are copied unless documented otherwise; strings returned point
 * into the object that returned them and live as long as it does.
 *
 * Limits
 * ------
 * The library never aborts on bad input or out-of-memory; it returns an
 * error. Every input is bounded (see scale/limits.h).
 */
#ifndef SCALE_H
#define SCALE_H

#include "scale/engine.h"
#include "scale/error.h"
#include "scale/function.h"
#include "scale/http_signature.h"
#include "scale/limits.h"
#include "scale/linker.h"
#include "scale/module.h"
#include "scale/polyglot.h"
#include "scale/pool.h"
#include "scale/scalefile.h"
#include "scale/signature.h"
#include "scale/store.h"
#include "scale/types.h"
#include "scale/wasi.h"

#endif
