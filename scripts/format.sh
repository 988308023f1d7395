#!/usr/bin/env bash
# Format the C sources with clang-format-14 and the repository's .clang-format.
#   scripts/format.sh          rewrite files in place
#   scripts/format.sh --check  list files that need formatting; exit 1 if any
# Generated files (a "DO NOT EDIT" line near the top) are left alone: their generator owns them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
CLANG_FORMAT=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format || true)}
if [ -z "$CLANG_FORMAT" ]; then
  echo "format: clang-format-14 not found (scripts/setup.sh installs it)" >&2
  exit 2
fi

files=()
while IFS= read -r -d '' f; do
  head -n 5 "$f" | grep -q 'DO NOT EDIT' && continue
  files+=("$f")
done < <(find src include tests bench fuzz examples -type f \( -name '*.c' -o -name '*.h' \) \
           -print0 2>/dev/null | sort -z)

if [ ${#files[@]} -eq 0 ]; then
  echo "format: no files"
  exit 0
fi

if [ "${1:-}" = "--check" ]; then
  bad=()
  for f in "${files[@]}"; do
    "$CLANG_FORMAT" --style=file "$f" | cmp -s - "$f" || bad+=("$f")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    echo "format: ${#bad[@]} of ${#files[@]} files need formatting (run 'make format'):"
    printf '  %s\n' "${bad[@]}"
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  "$CLANG_FORMAT" --style=file -i "${files[@]}"
  echo "format: formatted ${#files[@]} files"
fi
