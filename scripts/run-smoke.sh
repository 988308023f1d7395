#!/usr/bin/env bash
# CI check of `make run`: it serves forever, so start it in the background,
# wait for the hello function to answer "Hello, World!" over HTTP, then stop it
# with SIGTERM (graceful shutdown) and require a clean exit.
#   scripts/run-smoke.sh [PORT]   (default 18080; a private SCALE_HOME is used)
set -euo pipefail

port=${1:-18080}
root=$(cd "$(dirname "$0")/.." && pwd)
home=$(mktemp -d)
log=$home/make-run.log
trap 'rm -rf "$home"' EXIT

SCALE_HOME=$home setsid make -C "$root" run LISTEN=127.0.0.1:$port >"$log" 2>&1 &
pid=$!

answer=""
for _ in $(seq 1 600); do # up to 10 minutes: the first run builds everything
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run-smoke: make run exited early; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  if answer=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/" 2>/dev/null); then
    break
  fi
  sleep 1
done

# Signal the server only: make then exits with the server's status (0 after a
# graceful shutdown).
pkill -TERM -f "scale run hello:latest --listen 127.0.0.1:$port" || kill -TERM -- "-$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
cat "$log"
if [ "$answer" != "Hello, World!" ]; then
  echo "run-smoke: expected 'Hello, World!', got '$answer'" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "run-smoke: make run did not shut down cleanly (status $status)" >&2
  exit 1
fi
echo "run-smoke: ok (answered 'Hello, World!', shut down cleanly)"
