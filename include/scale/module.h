/**
 * @file scale/module.h
 * @brief Modules: decode, validate and compile a Wasm binary; inspect it.
 */
#ifndef SCALE_MODULE_H
#define SCALE_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "error.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scale_module scale_module_t;

/**
 * Decode, validate and compile a module.
 * @param engine the engine; must outlive the module.
 * @param bytes  the binary; copied, the caller may free it afterwards.
 * @param len    its length in bytes (at most SCALE_MAX_MODULE_BYTES).
 * @param out    receives the module on success.
 * @return NULL on success. On failure an error whose message is worded as
 *         the spec test suite words it ("unexpected end", "type mismatch",
 *         ...) and whose offset (scale_error_offset) is the byte offset in
 *         @p bytes where the problem was found.
 * Thread-safe. The module is immutable and may be shared across threads.
 */
scale_error_t *scale_module_new(scale_engine_t *engine, const uint8_t *bytes, size_t len,
                                scale_module_t **out);

/**
 * Check that @p bytes is a valid module without compiling it.
 * @return NULL if valid, else the same error scale_module_new() would give.
 */
scale_error_t *scale_module_validate(scale_engine_t *engine, const uint8_t *bytes, size_t len);

/**
 * Compile @p module to native code now (the AOT tier: wasm2c and the system
 * C compiler, with the result cached by content hash), whatever the engine's
 * tier; waits for a background build the AUTO tier started. Instances
 * created afterwards run native code.
 * @return NULL, or an error naming what is missing or failed (no C
 *         compiler, no wasm2c, compiler diagnostics, unusable cache
 *         directory). Not to be called concurrently for the same module.
 */
scale_error_t *scale_module_compile(scale_module_t *module);
/**
 * Like scale_module_compile() for the fuel-metering build, which instances
 * get when their store has a fuel budget (scale_store_set_fuel) at
 * instantiation; it is otherwise built on first need.
 */
scale_error_t *scale_module_compile_metered(scale_module_t *module);
/** SCALE_TIER_AOT if new instances of @p module get native code, else SCALE_TIER_INTERP.
 * Thread-safe. */
scale_tier_t scale_module_tier(const scale_module_t *module);
/** Delete a module. Instances made from it stay valid. NULL is a no-op. */
void scale_module_delete(scale_module_t *module);

/** Number of imports. */
size_t scale_module_import_count(const scale_module_t *module);
/** Describe import @p i (i < count) into @p out. Names are borrowed from the module. */
void scale_module_import(const scale_module_t *module, size_t i, scale_externdesc_t *out);
/** Number of exports. */
size_t scale_module_export_count(const scale_module_t *module);
/** Describe export @p i (i < count) into @p out; out->module is NULL. */
void scale_module_export(const scale_module_t *module, size_t i, scale_externdesc_t *out);

#ifdef __cplusplus
}
#endif
#endif
