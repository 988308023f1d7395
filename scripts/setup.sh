#!/usr/bin/env bash
# Install the Debian packages that building, testing, fuzzing and benchmarking Scale need.
# Idempotent: it asks dpkg what is already there and installs only what is missing, so a
# second run does nothing and needs no network. Safe to run without a terminal (CI).
set -euo pipefail

# Required: the build and the test suite fail without these.
required=(
  build-essential cmake pkg-config libcjson-dev libssl-dev python3
  clang-14 clang lld-14 lld
  wasi-libc libclang-rt-14-dev-wasm32 # wasm32-wasi guests for tests, examples, benchmarks
  libclang-rt-14-dev                  # libFuzzer and the sanitizer runtimes for clang
  wabt binaryen                       # wat2wasm, wasm-validate, wasm-opt for tests and tools
  clang-format-14                     # make format / format-check
  libuv1-dev libhttp-parser-dev       # the HTTP server (src/http): event loops, request parser
)
# Optional: used when present, never a reason to fail.
optional=(ninja-build curl wrk nginx-light) # curl: HTTP tests; wrk, nginx: HTTP benchmarks

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for pkg in "${required[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
# Node (V8) is the benchmark's reference engine. It may come from somewhere other than Debian
# (nvm, a tarball), so a `node` on PATH is good enough.
if ! command -v node >/dev/null 2>&1 && ! installed nodejs; then
  missing+=(nodejs)
fi
opt_missing=()
for pkg in "${optional[@]}"; do
  installed "$pkg" || opt_missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ] && [ ${#opt_missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup: missing packages (${missing[*]} ${opt_missing[*]}) and not root; install them or run as root" >&2
    exit 1
  fi
  SUDO=(sudo -n)
fi

export DEBIAN_FRONTEND=noninteractive
apt=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 -y -q)
echo "setup: apt-get update"
"${apt[@]}" update
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null
fi
if [ ${#opt_missing[@]} -gt 0 ]; then
  echo "setup: installing optional ${opt_missing[*]}"
  "${apt[@]}" install --no-install-recommends "${opt_missing[@]}" </dev/null ||
    echo "setup: optional packages not installed (${opt_missing[*]}); continuing" >&2
fi
echo "setup: done"
