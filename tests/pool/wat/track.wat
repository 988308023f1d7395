;; Guest memory that system calls write into: random_get (getrandom(2)) and fd_read (the
;; host's reader uses read(2)) into pages of a pooled instance that nothing wrote before,
;; which write tracking maps read-only until their first write.
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 0) "tracked image")
  (data (i32.const 200000) "far page")
  (func (export "random") (param $at i32) (param $len i32) (result i32)
    (call $random_get (local.get $at) (local.get $len)))
  ;; fd_read(0) of $len bytes to $at; the iovec and the count live at 1024 (page 0)
  (func (export "read") (param $at i32) (param $len i32) (result i32)
    (i32.store (i32.const 1024) (local.get $at))
    (i32.store (i32.const 1028) (local.get $len))
    (if (call $fd_read (i32.const 0) (i32.const 1024) (i32.const 1) (i32.const 1032))
      (then (return (i32.const -1))))
    (i32.load (i32.const 1032)))
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8))
