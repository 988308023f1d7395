/*
 * Tier selection for modules and instances (engine config `tier`):
 * INTERP never compiles; AOT compiles when the module is created; AUTO
 * compiles in a background thread while instances run on the interpreter.
 * When the AOT tier cannot work here (no C compiler, no wasm2c, unusable
 * cache), the engine says so once on stderr and interprets.
 */
#ifndef SCALE_AOT_TIER_H
#define SCALE_AOT_TIER_H

#include "runtime/runtime.h"

/* Called by scale_module_new once the module is complete. Never fails. */
void scale__tier_module_created(scale_module_t *m);
/* Called by scale_module_delete first: waits for a background build, unloads. */
void scale__tier_module_deleting(scale_module_t *m);
/* Give a bare instance the module's AOT code if it is ready. NULL or an error. */
scale_error_t *scale__tier_attach(scale_instance_t *inst);

#endif
