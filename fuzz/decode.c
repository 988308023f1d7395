/*
 * libFuzzer target: decode and validate arbitrary bytes.
 *
 * scale_module_validate() and scale_module_new() must never crash, leak or
 * hang on any input, and must agree: validate documents that it gives the
 * same verdict module_new would. A disagreement aborts so libFuzzer keeps
 * the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static scale_engine_t *engine;

static void touch_desc(const scale_externdesc_t *d) {
  /* Reading every described byte lets ASan catch a bad pointer or length. */
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < d->module_len; i++)
    sink ^= (uint8_t)d->module[i];
  for (size_t i = 0; i < d->name_len; i++)
    sink ^= (uint8_t)d->name[i];
  if (d->kind == SCALE_EXTERN_FUNC && d->type.func) {
    size_t n = scale_functype_param_count(d->type.func);
    for (size_t i = 0; i < n; i++)
      sink ^= (uint8_t)scale_functype_param(d->type.func, i);
    n = scale_functype_result_count(d->type.func);
    for (size_t i = 0; i < n; i++)
      sink ^= (uint8_t)scale_functype_result(d->type.func, i);
  }
  (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) {
    scale_error_t *err = scale_engine_new(NULL, &engine);
    if (err) {
      fprintf(stderr, "fuzz_decode: cannot create engine: %s\n", scale_error_message(err));
      abort();
    }
  }
  scale_error_t *verr = scale_module_validate(engine, data, size);
  scale_module_t *module = NULL;
  scale_error_t *merr = scale_module_new(engine, data, size, &module);

  if ((verr == NULL) != (merr == NULL) || (merr == NULL) != (module != NULL)) {
    fprintf(stderr, "fuzz_decode: validate says %s, module_new says %s\n",
            verr ? scale_error_message(verr) : "valid",
            merr     ? scale_error_message(merr)
            : module ? "valid"
                     : "valid but no module");
    abort();
  }
  if (verr && strlen(scale_error_message(verr)) == 0) abort(); /* every refusal must say why */
  scale_error_delete(verr);
  scale_error_delete(merr);

  if (module) {
    scale_externdesc_t desc;
    size_t n = scale_module_import_count(module);
    for (size_t i = 0; i < n; i++) {
      scale_module_import(module, i, &desc);
      touch_desc(&desc);
    }
    n = scale_module_export_count(module);
    for (size_t i = 0; i < n; i++) {
      scale_module_export(module, i, &desc);
      touch_desc(&desc);
    }
    scale_module_delete(module);
  }
  return 0;
}
