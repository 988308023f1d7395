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

  ;; The multiply-add loop, as clang emits matmul's inner loop (unrolled twice):
  ;; c[p0 + s5] += k * m[p0 + s4], then the next element with factor k2, p0 += 16
  ;; until 4096. Returns p0, p1 and p3.
  (func (export "axpy") (param $p0 i32) (param $s5 i32) (param $s4 i32) (param $k f64)
        (param $k2 f64) (result i32 i32 i32)
    (local $p1 i32) (local $p3 i32)
    loop
      local.get $p0
      local.get $s5
      i32.add
      local.tee $p1
      local.get $k
      local.get $p0
      local.get $s4
      i32.add
      local.tee $p3
      f64.load
      f64.mul
      local.get $p1
      f64.load
      f64.add
      f64.store
      local.get $p1
      i32.const 8
      i32.add
      local.tee $p1
      local.get $k2
      local.get $p3
      i32.const 8
      i32.add
      f64.load
      f64.mul
      local.get $p1
      f64.load
      f64.add
      f64.store
      local.get $p0
      i32.const 16
      i32.add
      local.tee $p0
      i32.const 4096
      i32.ne
      br_if 0
    end
    local.get $p0
    local.get $p1
    local.get $p3)

  ;; The same with p3 = p0 + p0: a step that the loop writes, which the shape check refuses.
  (func (export "axpy_self") (param $p0 i32) (param $s5 i32) (param $s4 i32) (param $k f64)
        (param $k2 f64) (result i32 i32 i32)
    (local $p1 i32) (local $p3 i32)
    loop
      local.get $p0
      local.get $s5
      i32.add
      local.tee $p1
      local.get $k
      local.get $p0
      local.get $p0
      i32.add
      local.tee $p3
      f64.load
      f64.mul
      local.get $p1
      f64.load
      f64.add
      f64.store
      local.get $p1
      i32.const 8
      i32.add
      local.tee $p1
      local.get $k2
      local.get $p3
      i32.const 8
      i32.add
      f64.load
      f64.mul
      local.get $p1
      f64.load
      f64.add
      f64.store
      local.get $p0
      i32.const 16
      i32.add
      local.tee $p0
      i32.const 4096
      i32.ne
      br_if 0
    end
    local.get $p0
    local.get $p1
    local.get $p3)
)
