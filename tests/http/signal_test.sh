#!/usr/bin/env bash
# hello_server under a real signal: it serves, and SIGTERM (its handler calls
# scale_httpd_shutdown) stops it gracefully, closing an idle keep-alive connection, with exit 0.
# A request in flight during shutdown is checked in-process (server_test.c). Uses bash's
# /dev/tcp, no curl needed.
set -u
bin=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" 127.0.0.1:0 6 2 >"$out" 2>&1 &
pid=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$out")
  [ -n "$port" ] && break
  sleep 0.05
done
passed=0 failed=0
ok() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "failed: $*" >&2; fi; }
ok test -n "$port"
if [ -n "$port" ]; then
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' >&3
  reply=$(timeout 5 cat <&3)
  exec 3<&-
  ok grep -q '^HTTP/1.1 200 OK' <<<"$reply"
  ok grep -q 'Content-Length: 6' <<<"$reply"
  # An idle keep-alive connection open while the signal arrives: closed, not waited for.
  exec 4<>"/dev/tcp/127.0.0.1/$port"
fi
kill -TERM "$pid"
rc=0
timeout 10 tail --pid="$pid" -f /dev/null || rc=1
wait "$pid" || rc=$?
ok test "$rc" = 0
exec 4<&- 2>/dev/null || true
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
