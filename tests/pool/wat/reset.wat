;; A module whose snapshot has 3 MiB of memory (48 pages, more than a reset
;; copies back before it drops pages instead), data in scattered places, and
;; exports to write, read and grow it from the host's side of the test.
(module
  (memory (export "memory") 48 100)
  (data (i32.const 0) "start of the image")
  (data (i32.const 70000) "in page one")
  (data (i32.const 1048576) "one mebibyte")
  (data (i32.const 3145700) "near the end of the image")
  (global $g (export "g") (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $g (i32.const 5))
    (i32.store (i32.const 2000000) (i32.const 0x74696e69)))
  (func (export "set_g") (param i32) local.get 0 global.set $g)
  (func (export "get_g") (result i32) global.get $g)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  ;; one byte written in every host page of [from, to), as guest code (AOT writes in place)
  (func (export "stripe") (param $from i32) (param $to i32) (param $step i32) (param $v i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (i32.store8 (local.get $from) (local.get $v))
        (local.set $from (i32.add (local.get $from) (local.get $step)))
        (br $l))))
  (func (export "spin") (loop $l br $l)))
