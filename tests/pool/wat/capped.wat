;; memory.grow against the engine's page cap (the test engine caps at 4 pages).
(module
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size))
