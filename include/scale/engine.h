/**
 * @file scale/engine.h
 * @brief Engine configuration and the engine object.
 */
#ifndef SCALE_ENGINE_H
#define SCALE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Execution tier. INTERP: the interpreter only. AOT: modules are compiled to
 * native code (wasm2c + the system C compiler, cached) when created; if that
 * is impossible the engine warns once on stderr and interprets. AUTO:
 * modules start on the interpreter and compile in a background thread;
 * instances created after it finishes run native code.
 */
typedef enum scale_tier {
  SCALE_TIER_INTERP = 0,
  SCALE_TIER_AOT = 1,
  SCALE_TIER_AUTO = 2,
} scale_tier_t;

/**
 * Engine configuration. Initialise with scale_config_default() and change
 * the fields you care about; zero in a limit field means "the default".
 */
typedef struct scale_config {
  scale_tier_t tier;
  /** Largest memory any instance may have, in 64 KiB pages (default 65536 = 4 GiB). */
  uint32_t max_memory_pages;
  /** Deepest Wasm call nesting before "call stack exhausted" (default 10000). */
  uint32_t max_call_depth;
  /** Size of the value stack of one store, in 8-byte slots (default 1 Mi slots = 8 MiB). */
  uint32_t value_stack_slots;
  /** Largest table any instance may have, in elements (default 10 000 000). */
  uint32_t max_table_elems;
  /**
   * AOT build optimisation: 0 = default (-O2), 1 = quick build (-O0; for
   * test suites that compile many small modules), 2 = -O2, 3 = -O3.
   */
  uint32_t aot_opt;
  /**
   * Build AOT code without the fuel, deadline and interrupt checks at loop
   * headers and function entries. Only for measuring their cost: such code
   * can be stopped only when it calls the host.
   */
  bool aot_unchecked;
} scale_config_t;

/** Fill @p cfg with the defaults. */
void scale_config_default(scale_config_t *cfg);

typedef struct scale_engine scale_engine_t;

/**
 * Create an engine.
 * @param cfg configuration, copied; NULL for the defaults.
 * @param out receives the engine on success.
 * @return NULL on success; an error for an invalid configuration or
 *         out-of-memory.
 * The engine is thread-safe and must outlive every module and store made
 * from it.
 */
scale_error_t *scale_engine_new(const scale_config_t *cfg, scale_engine_t **out);
/** Delete an engine. NULL is a no-op. */
void scale_engine_delete(scale_engine_t *engine);
/** The engine's configuration (borrowed). */
const scale_config_t *scale_engine_config(const scale_engine_t *engine);

#ifdef __cplusplus
}
#endif
#endif
