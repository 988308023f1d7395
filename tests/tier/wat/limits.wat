(module
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (import "host" "fail" (func $fail))
  (memory (export "mem") 1 100)
  (global $counter (export "counter") (mut i32) (i32.const 7))
  (table (export "table") 4 funcref)
  (elem (i32.const 0) $add $twice $sub)
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $sub (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub)
  (func (export "spin") (loop $l br $l))
  (func $one (result i32) i32.const 1)
  ;; stop-only builds leave out this loop's check: the callee's prologue (inlined or not) is it
  (func (export "spin_call") (loop $l call $one drop br $l))
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $deep)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "call_twice") (param i32) (result i32) local.get 0 call $twice)
  (func (export "call_fail") call $fail)
  (func (export "indirect") (param i32 i32 i32) (result i32)
    local.get 1 local.get 2 local.get 0 call_indirect (param i32 i32) (result i32))
  (func (export "indirect1") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect (param i32) (result i32))
  (func (export "bump") (result i32)
    global.get $counter i32.const 1 i32.add global.set $counter global.get $counter)
  (func (export "sum") (param i32) (result i32) (local i32)
    (loop $l
      local.get 1 local.get 0 i32.add local.set 1
      local.get 0 i32.const 1 i32.sub local.tee 0
      br_if $l)
    local.get 1)
  (func $fibr (export "fibr") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32)
      local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fibr
      local.get 0 i32.const 2 i32.sub call $fibr
      i32.add
    end)
)
