/*
 * The AOT tier's Wasm-to-Wasm pass: it rewrites a validated module into
 * the *prepared* module that wasm2c compiles. Only function code goes to
 * wasm2c; everything else (imports, memories, tables, globals, segment
 * initialisation, exports, start) stays with the runtime, so the prepared
 * module imports all of it.
 *
 * Output contract (the AOT glue depends on every point):
 *  - All index spaces (functions, tables, memories, globals, types, element
 *    and data segments) are preserved: index i in the output is index i in
 *    the input, so no immediate is renumbered.
 *  - Type section copied unchanged.
 *  - Imports, in this order: every original import in original order,
 *    renamed module "s", field "<k><i>" (k = f/t/m/g for func/table/memory/
 *    global, i = decimal index in that kind's index space), descriptor
 *    unchanged; then every defined table "s" "t<i>", every defined memory
 *    "s" "m<i>", every defined global "s" "g<i>" (type and mutability kept);
 *    then, always (generated code reaches the store through them, checks
 *    or not), "s" "fuel" (mut i64) and "s" "stop" (mut i32), which are
 *    global indices G and G+1, G = the original total global count.
 *  - Function and code sections kept (same types, same locals). No table,
 *    memory, global, export, start or custom sections.
 *  - Element segments, same count and order: active ones become
 *    declarative (same element type and items), passive and declarative
 *    ones are kept; then one extra declarative funcref segment lists every
 *    function index 0..total-1, so each ref.func in a body stays valid.
 *    Segments whose items are all ref.func of type funcref use the
 *    function-index encoding, the others the expression encoding. In
 *    declarative segments a `global.get` item becomes `ref.null <type>`:
 *    wasm2c 1.0.32 accepts only ref.null / ref.func element expressions,
 *    and a declarative segment's items are never read. A passive segment
 *    with a `global.get` item is kept as it is (valid Wasm) and wasm2c
 *    1.0.32 rejects it: such a module stays on the interpreter.
 *  - Data count section kept if present. Data segments, same count and
 *    order: active ones become passive with zero bytes, passive ones kept.
 *  - With checks, at function entry and right after the block type of
 *    every `loop`, this stack-neutral sequence is inserted (F = fuel, S =
 *    stop global index, K = number of original instructions from this
 *    check up to the next one or the function end, in linear code order;
 *    a `loop` opcode counts towards the check before it; K >= 1):
 *      global.get F; i64.const K; i64.sub; global.set F;
 *      global.get F; i64.const 0; i64.lt_s; global.get S; i32.or;
 *      if (empty) unreachable end
 *    With checks and no_fuel, the sequence is only the stop test, and only
 *    after loop block types (not at entry: the runtime interrupts calls
 *    through the stack limit instead):
 *      global.get S; if (empty) unreachable end
 *    and not after the block type of a loop whose body starts with
 *    straight-line code (no control instruction before it) containing a
 *    `call` of a defined function: that callee's prologue is the check.
 *    Bodies are otherwise byte-identical (local declarations included);
 *    only their size LEB128 is re-encoded.
 */
#ifndef SCALE_AOT_PREPARE_H
#define SCALE_AOT_PREPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/module.h"

typedef struct scale__prepare_opts {
  bool checks;  /* insert checks at function entries and loop headers */
  bool no_fuel; /* with checks: test only the stop flag (no fuel metering), see instrument.c */
} scale__prepare_opts_t;

/*
 * Rewrite validated module `m` (decoded from bytes/len) for wasm2c. `bytes`
 * may be NULL to use the module's own copy; otherwise it must be the
 * binary `m` was decoded from. On success returns true and *out / *out_len
 * receive a malloc'd buffer the caller frees. On failure (out of memory,
 * an output beyond 1 GiB, or bytes that do not match `m`) returns false and
 * writes a NUL-terminated message into err (err_cap bytes; err may be NULL).
 * Thread-safe: touches nothing but its arguments.
 */
bool scale__aot_prepare(const wasm_module_t *m, const uint8_t *bytes, size_t len,
                        const scale__prepare_opts_t *opts, uint8_t **out, size_t *out_len,
                        char *err, size_t err_cap);

/*
 * Whether wasm2c 1.0.32 accepts the prepared form of validated module `m`.
 * False (with *why set to a static message) for a passive element segment
 * with a `global.get` item, the one Wasm 2.0 feature of the prepared form
 * that wabt 1.0.32 rejects. The caller keeps such a module on the interpreter.
 */
bool scale__aot_prepare_supported(const wasm_module_t *m, const char **why);

#endif
