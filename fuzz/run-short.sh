#!/usr/bin/env bash
# Build the libFuzzer targets with clang + ASan/UBSan and run each one for a
# short while on the spec-suite seed corpus.
#   fuzz/run-short.sh [SECONDS]      (default 60 per target)
# Exits non-zero if a target crashed, leaked, hung or ran out of memory; the
# input is then copied into tests/regress/ as fuzz-<target>-<kind>-<hash>.wasm
# and its name printed. Build dir: build-fuzz (override with SCALE_FUZZ_BUILD).
set -euo pipefail

secs=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SCALE_FUZZ_BUILD:-$root/build-fuzz}
targets=()
for src in "$root"/fuzz/*.c; do
  name=$(basename "$src" .c)
  targets+=("fuzz_$name")
done

if ! command -v clang >/dev/null; then
  echo "run-short: clang not found (libFuzzer needs it)" >&2
  exit 2
fi
CC=clang cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSCALE_FUZZ=ON -DSCALE_SANITIZE=ON -DSCALE_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}"

seed=$build/corpus-seed
"$root/fuzz/make-corpus.sh" "$seed"

status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus-$t     # grows across runs; the seeds stay untouched
  art=$build/artifacts-$t
  mkdir -p "$corpus" "$art"
  rm -f "$art"/*
  echo "== $t for ${secs}s"
  timeout=10 # a hang; fuzz_diff compiles C per input, which a loaded machine can make slow
  [ "$t" = fuzz_diff ] && timeout=60
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$build/fuzz/$t" -max_total_time="$secs" -max_len=65536 -timeout="$timeout" \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art/" \
      "$corpus" "$seed" >"$build/$t.log" 2>&1 || rc=$?
  tail -n 15 "$build/$t.log"
  found=0
  for f in "$art"/*; do
    [ -e "$f" ] || continue
    base=$(basename "$f")                 # crash-<sha1>, leak-..., timeout-..., oom-...
    dest=$root/tests/regress/fuzz-${t#fuzz_}-${base}.wasm
    mkdir -p "$root/tests/regress"
    cp "$f" "$dest"
    echo "run-short: $t found a problem; input saved as ${dest#$root/}"
    found=1
  done
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    echo "run-short: $t FAILED (exit $rc); full log: $build/$t.log"
    status=1
  else
    echo "run-short: $t ok"
  fi
done
exit $status
