#!/usr/bin/env bash
# Build a libFuzzer seed corpus from the spec suite's .wasm files.
#   fuzz/make-corpus.sh [OUT_DIR] [SPECTEST_DIR]
# OUT_DIR defaults to build-fuzz/corpus-seed; SPECTEST_DIR to ../shared/spectest
# beside the repository. Files are named by their SHA-256, so duplicates
# collapse into one entry and re-running adds nothing new.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-fuzz/corpus-seed}
spec=${2:-$root/../shared/spectest}

if [ ! -d "$spec" ]; then
  echo "make-corpus: spec test folder '$spec' not found" >&2
  exit 1
fi
mkdir -p "$out"
n=0
while IFS= read -r -d '' f; do
  h=$(sha256sum "$f" | cut -d' ' -f1)
  if [ ! -e "$out/$h" ]; then
    cp "$f" "$out/$h"
    n=$((n + 1))
  fi
done < <(find "$spec" -mindepth 2 -maxdepth 2 -name '*.wasm' -print0)
echo "make-corpus: $n new inputs, $(find "$out" -type f | wc -l) in $out"
