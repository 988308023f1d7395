#!/usr/bin/env python3
"""`scale run` end to end: new, build, run, request with curl, answer; chains of store names,
.scale files and raw .wasm modules; every fault case; JSON contexts and the stdin mode; the
access log and --quiet; hot reload with --watch under load; graceful shutdown.

Usage: run_test.py --scale BIN --guests DIR --dir WORKDIR [--soak SECONDS]

Everything happens under WORKDIR/run-test (wiped first) with SCALE_HOME pointing there. Servers
listen on 127.0.0.1:0 and the port is read from the "serving ... on http://..." line. With
--soak, only the soak runs: 200 keep-alive connections (wrk) for SECONDS against a function,
then every answer must have been 200 and the server must stop cleanly (exit 0; under ASan
that includes LeakSanitizer's verdict).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

FAILS = []


def check(cond, what, detail=""):
    if cond:
        print("ok   " + what, flush=True)
    else:
        print("FAIL " + what + ("\n     " + str(detail).replace("\n", "\n     ") if detail else ""),
              flush=True)
        FAILS.append(what)
    return cond


class Env:
    def __init__(self, scale, work):
        self.scale = scale
        self.work = work
        self.env = dict(os.environ, SCALE_HOME=os.path.join(work, "home"))

    def run(self, *args, stdin=None, cwd=None):
        p = subprocess.run([self.scale, *args], cwd=cwd or self.work, env=self.env,
                           input=stdin, capture_output=True)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class Server:
    """`scale run ARGS --listen 127.0.0.1:0` with stdout/stderr to files."""

    def __init__(self, env, *args, listen=True):
        self.out_path = os.path.join(env.work, "server-%d.out" % id(self))
        self.err_path = os.path.join(env.work, "server-%d.err" % id(self))
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        extra = ["--listen", "127.0.0.1:0"] if listen else []
        self.p = subprocess.Popen([env.scale, "run", *args, *extra], cwd=env.work, env=env.env,
                                  stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and self.p.poll() is None:
            m = re.search(r"serving .* on http://127\.0\.0\.1:(\d+)/", self.stderr())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.05)
        if self.port is None:
            raise RuntimeError("scale run %s did not start:\n%s" % (" ".join(args), self.stderr()))

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -9
        self.out.close()
        self.err.close()
        err = self.stderr()
        check("Sanitizer" not in err and "runtime error:" not in err,
              "no sanitizer report from scale run (port %s)" % self.port, err[-4000:])
        return rc


def curl(url, *args, data=None):
    """(status, headers text, body text) of one request made with curl."""
    cmd = ["curl", "-sS", "-i", "--max-time", "30", *args, url]
    if data is not None:
        cmd += ["--data-binary", "@-", "-H", "Expect:"]
    p = subprocess.run(cmd, input=data, capture_output=True)
    raw = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        return 0, "", p.stderr.decode(errors="replace")
    head, _, body = raw.partition("\r\n\r\n")
    m = re.match(r"HTTP/1\.[01] (\d+)", head)
    return (int(m.group(1)) if m else 0), head, body


def header(head, name):
    m = re.search(r"^%s: (.*)\r?$" % re.escape(name), head, re.I | re.M)
    return m.group(1).strip() if m else None


def raw_request(port, data):
    """Send bytes on a fresh connection, return what comes back until close."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out.decode(errors="replace")


def new_and_build(env, name, source=None, sig=None):
    args = ["new", name] + (["--signature", sig] if sig else [])
    rc, out, err = env.run(*args)
    check(rc == 0, "scale %s" % " ".join(args), err)
    if source:
        shutil.copy(source, os.path.join(env.work, name, name + ".c"))
    rc, out, err = env.run("build", name)
    check(rc == 0 and "stored local/%s:latest" % name in out + err, "scale build %s" % name,
          out + err)


def expect_fault(srv, path, reason, function="faulty:latest", what=None, data=None, args=()):
    status, head, body = curl(srv.url(path), *args, data=data)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    ok = (status == 500 and doc.get("reason") == reason and doc.get("function") == function
          and function in doc.get("error", "") and
          header(head, "Content-Type") == "application/json")
    check(ok, what or "%s answers 500 (%s)" % (path, reason), "%d %s %s" % (status, head, body))
    status, _, body = curl(srv.url("/"))
    check(status in (200, 201), "  and the server keeps serving after %s" % path, body)


def test_hello(env):
    new_and_build(env, "hello")
    srv = Server(env, "hello:latest", "--tier", "interp")
    status, head, body = curl(srv.url("/"))
    check(status == 200 and body == "Hello, World!", "hello: GET / answers Hello, World!",
          "%d %r" % (status, body))
    check(header(head, "Content-Type") == "text/plain; charset=utf-8",
          "hello: default Content-Type", head)
    status, _, body = curl(srv.url("/any/path?q=1"), "-X", "POST", data=b"x" * 1000)
    check(status == 200 and body == "Hello, World!", "hello: POST with a body", body)
    time.sleep(0.2)
    log = srv.stdout()
    check(re.search(r"GET / 200 13 \d+us hello:latest", log) is not None,
          "access log: one line with status, bytes, duration and chain", log)
    check(log.count("\n") == 2, "access log: one line per request", log)
    rc = srv.stop()
    check(rc == 0 and "stopped" in srv.stderr(), "SIGTERM stops the server cleanly",
          "rc=%d %s" % (rc, srv.stderr()))


def test_chain_and_sources(env, guests):
    new_and_build(env, "faulty", os.path.join(guests, "faulty.c"))
    new_and_build(env, "world", os.path.join(guests, "world.c"))
    srv = Server(env, "faulty", "local/world:latest", "--tier", "interp")
    status, head, body = curl(srv.url("/p?x=1"), "-H", "X-Test: a,b, c", "-H", "x-test: d")
    check(status == 201 and body == "ok GET /p?x=1 len=0 cl=0 proto=HTTP/1.1 + world",
          "chain of 2: both functions ran, in order", "%d %r" % (status, body))
    check(header(head, "X-Chain") == "world", "chain: the second function's header", head)
    check(header(head, "X-Seen") == "a|b| c|d",
          "request headers: lower-cased, split on ',' into the list", head)
    status, _, body = curl(srv.url("/"), data=b"0123456789")
    check(status == 201 and "POST / len=10 cl=10" in body, "request body and ContentLength",
          body)
    status, _, body = curl(srv.url("/"), "-H", "Transfer-Encoding: chunked", data=b"abcdef")
    check(status == 201 and "len=6 cl=6" in body, "chunked body: ContentLength = body length",
          body)
    time.sleep(0.2)
    check("faulty:latest>world:latest" in srv.stdout(), "access log names the chain",
          srv.stdout())
    srv.stop()

    # .scale files and raw .wasm modules, mixed with a store name.
    rc, _, err = env.run("export", "faulty", "faulty.scale")
    rc2, _, err2 = env.run("export", "world", "world.wasm", "--raw")
    check(rc == 0 and rc2 == 0, "export a .scale file and a raw .wasm", err + err2)
    srv = Server(env, "./faulty.scale", "world.wasm", "--tier", "interp")
    status, head, body = curl(srv.url("/"))
    check(status == 201 and body.endswith("+ world"), "chain of a .scale file and a raw .wasm",
          body)
    time.sleep(0.2)
    check("faulty:latest>world:latest" in srv.stdout(), "raw module named after its file",
          srv.stdout())
    srv.stop()

    # The same chain on tier 1 (AOT: wasm2c + cc, cached in SCALE_CACHE).
    srv = Server(env, "faulty", "world", "--tier", "aot")
    status, _, body = curl(srv.url("/"))
    check(status == 201 and body.endswith("+ world"), "chain of 2 on tier 1 (aot)", body)
    expect_fault(srv, "/trap", "trap", what="a trap on tier 1 answers 500 (trap)")
    srv.stop()


def test_faults(env):
    srv = Server(env, "faulty", "--tier", "interp", "--deadline", "300", "--max-memory", "2",
                 "--max-body", "4000000")
    expect_fault(srv, "/trap", "trap")
    expect_fault(srv, "/error", "guest error")
    expect_fault(srv, "/loop", "deadline exceeded")
    expect_fault(srv, "/grow", "trap", what="/grow (guest out of memory) answers 500 (trap)")
    expect_fault(srv, "/", "memory limit exceeded", data=b"m" * 3000000,
                 what="a body past the memory cap answers 500 (memory limit exceeded)")
    err = srv.stderr()
    for what in ("trap: unreachable", "guest error: bad input", "deadline exceeded",
                 "memory limit exceeded"):
        check(re.search(r"scale run: \w+ /\S*: 500: function 'faulty:latest': .*" + what, err),
              "fault logged in one line: " + what, err)
    status, _, _ = curl(srv.url("/"), data=b"z" * 4000001)
    check(status == 413, "a body over --max-body answers 413", status)
    reply = raw_request(srv.port, b"GARBAGE / NOT-HTTP\r\n\r\n")
    check(reply.startswith("HTTP/1.1 400"), "a malformed request answers 400", reply)
    status, _, body = curl(srv.url("/"))
    check(status == 200, "still serving after 413 and 400", body)
    rc = srv.stop()
    check(rc == 0, "clean stop after the faults", rc)

    # Graceful shutdown: a request in flight when SIGTERM arrives is still answered.
    srv = Server(env, "faulty", "--tier", "interp")
    got = []
    t = threading.Thread(target=lambda: got.append(curl(srv.url("/slow"))))
    t.start()
    time.sleep(0.3)
    rc = srv.stop()
    t.join()
    check(rc == 0 and got and got[0][0] == 200 and got[0][2] == "slow done",
          "SIGTERM: the request in flight is answered, then the server exits 0",
          "rc=%s %r" % (rc, got))

    srv = Server(env, "faulty", "--tier", "interp", "--fuel", "2000000")
    expect_fault(srv, "/loop", "fuel exhausted")
    srv.stop()

    # Start-up failures: clear messages, exit 1.
    rc, _, err = env.run("run", "nosuch:latest", "--listen", "127.0.0.1:0")
    check(rc == 1 and "cannot load 'nosuch:latest'" in err and "not found" in err,
          "a missing function stops start-up", err)
    with open(os.path.join(env.work, "bad.wasm"), "wb") as f:
        f.write(b"\0asm\1\0\0\0\x99")
    rc, _, err = env.run("run", "hello", "bad.wasm", "--listen", "127.0.0.1:0")
    check(rc == 1 and "cannot load 'bad.wasm'" in err, "an invalid module stops start-up", err)
    rc, _, err = env.run("run", "missing.scale", "--listen", "127.0.0.1:0")
    check(rc == 1 and "missing.scale" in err, "a missing file stops start-up", err)
    rc, _, err = env.run("run", "hello", "--listen", "nonsense")
    check(rc == 1 and "nonsense" in err, "a bad --listen address is refused", err)
    rc, _, err = env.run("run")
    check(rc == 2 and "no function" in err, "no function: usage error", err)


def test_json(env, guests):
    new_and_build(env, "upper", os.path.join(guests, "upper.c"),
                  sig=os.path.join(guests, "upper.signature"))
    rc, out, err = env.run("run", "upper", stdin=b'{"Context": {"Data": "hello"}}')
    check(rc == 0 and json.loads(out) == {"Context": {"Data": "HELLO"}},
          "stdin mode: one JSON context in, the result out", out + err)
    rc, out, err = env.run("run", "upper", stdin=b'{"Context": {"Data": "error"}}')
    check(rc == 1 and "upper: refused 'error'" in err, "stdin mode: a guest error", err)
    rc, out, err = env.run("run", "upper", stdin=b'{"Context": {"Nope": 1}}')
    check(rc == 1 and "Nope" in err, "stdin mode: a JSON context that does not fit", err)

    srv = Server(env, "upper", "--json", "--tier", "interp")
    status, head, body = curl(srv.url("/"), "-H", "Content-Type: application/json",
                              data=b'{"Context": {"Data": "abc"}}')
    check(status == 200 and json.loads(body) == {"Context": {"Data": "ABC"}} and
          header(head, "Content-Type") == "application/json", "--json: POST a context", body)
    status, head, body = curl(srv.url("/"))
    check(status == 405 and header(head, "Allow") == "POST", "--json: GET answers 405", body)
    status, _, body = curl(srv.url("/"), data=b'{"Context": ')
    check(status == 400 and "error" in json.loads(body), "--json: bad JSON answers 400", body)
    status, _, body = curl(srv.url("/"), data=b'{"Context": {"Data": "error"}}')
    check(status == 500 and json.loads(body).get("reason") == "guest error",
          "--json: a guest error answers 500", body)
    srv.stop()

    # A raw module with --signature FILE.
    env.run("export", "upper", "upper.wasm", "--raw")
    rc, out, err = env.run("run", "upper.wasm", "--signature",
                           os.path.join(guests, "upper.signature"),
                           stdin=b'{"Context": {"Data": "raw"}}')
    check(rc == 0 and json.loads(out) == {"Context": {"Data": "RAW"}},
          "a raw .wasm with --signature FILE", out + err)
    rc, out, err = env.run("run", "hello", "--json", "--listen", "127.0.0.1:0")
    check(rc == 1 and "--json needs a custom signature" in err,
          "--json on the HTTP signature is refused", err)


def test_quiet(env):
    srv = Server(env, "hello", "--quiet", "--tier", "interp")
    for _ in range(3):
        curl(srv.url("/"))
    time.sleep(0.2)
    srv.stop()
    check(srv.stdout() == "", "--quiet: no access log", srv.stdout())


def test_watch(env):
    srv = Server(env, "hello", "--watch", "--tier", "interp")
    status, _, body = curl(srv.url("/"))
    check(body == "Hello, World!", "--watch: serves the stored version", body)
    stop = threading.Event()
    results = []

    def hammer():
        while not stop.is_set():
            s, _, b = curl(srv.url("/"))
            results.append((s, b))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    src = os.path.join(env.work, "hello", "hello.c")
    with open(src) as f:
        text = f.read()
    with open(src, "w") as f:
        f.write(text.replace("Hello, World!", "Hello, Reload!"))
    rc, out, err = env.run("build", "hello")
    check(rc == 0, "rebuild hello while serving", err)
    body = ""
    deadline = time.time() + 20
    while time.time() < deadline and body != "Hello, Reload!":
        _, _, body = curl(srv.url("/"))
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    check(body == "Hello, Reload!", "--watch: the rebuilt function answers", body)
    bad = [r for r in results if r[0] != 200 or r[1] not in ("Hello, World!", "Hello, Reload!")]
    check(results and not bad, "--watch: no request failed during the swap (%d requests)" %
          len(results), bad[:5])
    check("reloaded: now serving hello:latest" in srv.stderr(), "--watch: the reload is logged",
          srv.stderr())
    rc = srv.stop()
    check(rc == 0, "--watch: clean stop", rc)
    with open(src, "w") as f:
        f.write(text)
    env.run("build", "hello")


def soak(env, seconds):
    new_and_build(env, "hello")
    srv = Server(env, "hello", "--quiet", "--tier", "interp")
    wrk = shutil.which("wrk")
    if not wrk:
        check(False, "soak needs wrk (Debian package wrk)")
        return
    p = subprocess.run([wrk, "-t", "2", "-c", "200", "-d", "%ds" % seconds, "--timeout", "10s",
                        srv.url("/")], capture_output=True)
    out = p.stdout.decode(errors="replace")
    m = re.search(r"(\d+) requests in", out)
    n = int(m.group(1)) if m else 0
    check(p.returncode == 0 and n > 0, "soak: 200 connections for %ds, %d requests" %
          (seconds, n), out + p.stderr.decode(errors="replace"))
    check("Socket errors" not in out and "Non-2xx" not in out, "soak: no error, no non-2xx", out)
    status, _, body = curl(srv.url("/"))
    check(status == 200 and body == "Hello, World!", "soak: still answering afterwards", body)
    rc = srv.stop()
    err = srv.stderr()
    check(rc == 0 and "ERROR: AddressSanitizer" not in err and "LeakSanitizer" not in err,
          "soak: clean stop, no sanitizer report", "rc=%d\n%s" % (rc, err[-3000:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True)
    ap.add_argument("--guests", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--soak", type=int, default=0)
    a = ap.parse_args()
    a.guests = os.path.abspath(a.guests)
    if not shutil.which("curl"):
        print("FAIL: these tests need curl (Debian package curl)")
        return 1
    work = os.path.join(a.dir, "run-soak" if a.soak else "run-test")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = Env(os.path.abspath(a.scale), work)
    if a.soak:
        soak(env, a.soak)
    else:
        test_hello(env)
        test_chain_and_sources(env, a.guests)
        test_faults(env)
        test_json(env, a.guests)
        test_quiet(env)
        test_watch(env)
    print("%d failure(s)" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
