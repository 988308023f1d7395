/*
 * Functions packaged as .scale files: the container is decoded by the
 * scalefile module when this build has it; the module inside then goes
 * through the same checks as a raw one.
 */
#include <stdlib.h>
#include <string.h>

#include "function/function.h"
#include "runtime/runtime.h"

scale_error_t *scale__function_from_scalefile(scale_engine_t *engine, const uint8_t *bytes,
                                              size_t len, const char *name,
                                              scale_function_t **out) {
  (void)engine, (void)bytes, (void)len, (void)name, (void)out;
  return scale__error_new(-1, "'.scale' files are not supported by this build (not a Wasm "
                              "module: it does not start with \\0asm)");
}
