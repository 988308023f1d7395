;; The guest for embed.c: imports one host function, exports one function.
(module
  (import "env" "report" (func $report (param i32 i32)))
  ;; Sum of 1..n, reporting each partial sum to the host.
  (func (export "sum_to") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $sum (i32.add (local.get $sum) (local.get $i)))
        (call $report (local.get $i) (local.get $sum))
        (br $next)))
    (local.get $sum)))
