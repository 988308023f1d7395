;; Loops in the shapes the interpreter runs as one fused instruction, plus
;; twins that do the same work in a shape it does not fuse (tests/interp/loops_test.c).
(module
  (memory (export "memory") 1)

  ;; The strided byte store loop, as clang emits sieve's inner loop:
  ;; do { mem[p] = 0; p += i; t = q; q += i } while (t < l). Returns p, q, t.
  (func (export "stride") (param $p i32) (param $i i32) (param $q i32) (param $l i64)
        (result i32 i32 i64)
    (local $t i64)
    loop
      local.get $p
      i32.const 0
      i32.store8 offset=3
      local.get $p
      local.get $i
      i32.add
      local.set $p
      local.get $q
      i64.extend_i32_u
      local.set $t
      local.get $q
      local.get $i
      i32.add
      local.set $q
      local.get $t
      local.get $l
      i64.lt_u
      br_if 0
    end
    local.get $p
    local.get $q
    local.get $t)

  ;; The same loop with a second step slot $j for q (allowed: it is read only).
  (func (export "stride2") (param $p i32) (param $i i32) (param $q i32) (param $j i32)
        (param $l i64) (result i32 i32 i64)
    (local $t i64)
    loop
      local.get $p
      i32.const 0
      i32.store8 offset=3
      local.get $p
      local.get $i
      i32.add
      local.set $p
      local.get $q
      i64.extend_i32_u
      local.set $t
      local.get $q
      local.get $j
      i32.add
      local.set $q
      local.get $t
      local.get $l
      i64.lt_u
      br_if 0
    end
    local.get $p
    local.get $q
    local.get $t)

  ;; The step is p itself: the shape check must refuse it (p doubles every turn).
  (func (export "stride_self") (param $p i32) (param $q i32) (param $l i64)
        (result i32 i32 i64)
    (local $t i64)
    loop
      local.get $p
      i32.const 0
      i32.store8 offset=3
      local.get $p
      local.get $p
      i32.add
      local.set $p
      local.get $q
      i64.extend_i32_u
      local.set $t
      local.get $q
      local.get $p
      i32.add
      local.set $q
      local.get $t
      local.get $l
      i64.lt_u
      br_if 0
    end
    local.get $p
    local.get $q
    local.get $t)

  (func (export "fill") (param $p i32) (param $n i32) (param $v i32)
    local.get $p
    local.get $v
    local.get $n
    memory.fill)
)
