/*
 * libFuzzer target: the AOT prepare pass on arbitrary valid modules.
 *
 * Bytes that decode and validate are prepared without checks, with checks
 * and with stop-only checks;
 * the pass must succeed (inputs are far below its 1 GiB limit) and its
 * output must decode and validate with our own decoder and validator, with
 * the index spaces of the contract (aot/prepare.h). Anything else aborts so
 * libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aot/prepare.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_prepared(const wasm_module_t *m, const uint8_t *data, size_t size, bool checks,
                           bool no_fuel) {
  scale__prepare_opts_t opts = {.checks = checks, .no_fuel = no_fuel};
  uint8_t *out = NULL;
  size_t out_len = 0;
  char err[256];
  if (!scale__aot_prepare(m, data, size, &opts, &out, &out_len, err, sizeof err)) {
    fprintf(stderr, "fuzz_prepare: prepare failed (checks=%d): %s\n", checks, err);
    abort();
  }
  wasm_module_t *o = NULL;
  wasm_diag_t diag;
  if (!wasm_module_decode(out, out_len, &o, &diag) || !wasm_module_validate(o, &diag)) {
    fprintf(stderr, "fuzz_prepare: prepared module invalid (checks=%d): %s at %zu %s\n", checks,
            diag.message ? diag.message : "?", diag.offset, diag.detail);
    abort();
  }
  uint32_t extra = 2; /* fuel and stop */
  if (wasm_module_total_funcs(o) != wasm_module_total_funcs(m) ||
      wasm_module_total_tables(o) != wasm_module_total_tables(m) ||
      wasm_module_total_memories(o) != wasm_module_total_memories(m) ||
      wasm_module_total_globals(o) != wasm_module_total_globals(m) + extra ||
      o->func_count != m->func_count || o->elem_count != m->elem_count + 1 ||
      o->data_seg_count != m->data_seg_count || o->type_count != m->type_count ||
      o->export_count != 0 || o->has_start) {
    fprintf(stderr, "fuzz_prepare: index spaces differ (checks=%d)\n", checks);
    abort();
  }
  wasm_module_free(o);
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wasm_module_t *m = NULL;
  wasm_diag_t diag;
  if (!wasm_module_decode(data, size, &m, &diag)) return 0;
  if (wasm_module_validate(m, &diag)) {
    check_prepared(m, data, size, false, false);
    check_prepared(m, data, size, true, false);
    check_prepared(m, data, size, true, true);
  }
  wasm_module_free(m);
  return 0;
}
