/**
 * @file scale/linker.h
 * @brief Linking imports by module and name, and instantiation.
 */
#ifndef SCALE_LINKER_H
#define SCALE_LINKER_H

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "error.h"
#include "module.h"
#include "store.h"
#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A linker: a table from (module name, field name) to an extern or a host
 * function definition. Not thread-safe. Externs defined in it belong to a
 * store; instantiate only into that store.
 */
typedef struct scale_linker scale_linker_t;

/** Create an empty linker; NULL on out-of-memory. */
scale_linker_t *scale_linker_new(scale_engine_t *engine);
/** Delete a linker (the externs it names are not affected). NULL is a no-op. */
void scale_linker_delete(scale_linker_t *linker);

/**
 * Define a host function that is created afresh in whichever store a
 * module is instantiated into. @p type is copied.
 * @return NULL, or an error if (module, name) is already defined.
 */
scale_error_t *scale_linker_define_func(scale_linker_t *linker, const char *module,
                                        const char *name, const scale_functype_t *type,
                                        scale_host_fn_t fn, void *env);
/** Define (module, name) as an existing store-owned extern. */
scale_error_t *scale_linker_define(scale_linker_t *linker, const char *module, const char *name,
                                   scale_extern_t ext);
/** Define every export of @p instance under module name @p module. */
scale_error_t *scale_linker_define_instance(scale_linker_t *linker, const char *module,
                                            scale_instance_t *instance);

/**
 * Resolve @p module's imports through the linker and instantiate it in
 * @p store: allocate memories, tables and globals, apply active element and
 * data segments in order, run the start function.
 * @param out   receives the store-owned instance on success.
 * @param trap  receives an owned trap if a segment was out of bounds or
 *              the start function trapped (then *out is NULL and the call
 *              returns NULL); set to NULL otherwise; must not be NULL.
 * @return NULL on success or trap; an error "unknown import" or
 *         "incompatible import type" (naming the import) when linking fails,
 *         or "memory limit exceeded" when a memory exceeds the engine's cap.
 */
scale_error_t *scale_linker_instantiate(scale_linker_t *linker, scale_store_t *store,
                                        const scale_module_t *module, scale_instance_t **out,
                                        scale_trap_t **trap);

/**
 * Look up an export by name.
 * @return true and fills @p out if the instance exports @p name.
 */
bool scale_instance_export(scale_instance_t *instance, const char *name, scale_extern_t *out);
/** Same as scale_instance_export() for a name that is not NUL-terminated. */
bool scale_instance_export_n(scale_instance_t *instance, const char *name, size_t name_len,
                             scale_extern_t *out);
/** The module the instance was made from (borrowed). */
const scale_module_t *scale_instance_module(const scale_instance_t *instance);

#ifdef __cplusplus
}
#endif
#endif
