;; Exports for `scale wasm run --invoke` tests: every value kind, several
;; results, a trap, a non-function export, an endless loop for --fuel.
(module
  (memory (export "memory") 1)
  (global (export "answer") i32 (i32.const 42))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "div") (param f64 f64) (result f64)
    (f64.div (local.get 0) (local.get 1)))
  (func (export "id32") (param f32) (result f32) (local.get 0))
  (func (export "id64") (param f64) (result f64) (local.get 0))
  (func (export "multi") (result i32 i64 f32 f64)
    (i32.const -1) (i64.const 0x7fffffffffffffff) (f32.const 0.1) (f64.const 0.1))
  (func (export "none"))
  (func (export "crash") (unreachable))
  (func (export "spin") (loop $l (br $l)))
)
