;; Breaks the ABI: run returns a buffer past the end of memory.
(module
  (memory (export "memory") 1)
  (func (export "resize") (param i32) (result i32) (i32.const 16))
  (func (export "run") (result i64) (i64.const 0x0001000000000010)))
