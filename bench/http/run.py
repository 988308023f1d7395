#!/usr/bin/env python3
"""HTTP benchmarks of `scale run` (bench/http/README.md).

Two workloads: (a) hello world (GET, 13-byte answer) and (b) the classic Scale demo: POST a
16 KiB text, every 4-letter word replaced by "wasm" in the answer. For each, the same server
(`scale run`, same adapter, same options) runs
  (i)   the Wasm function on tier 1 (--tier aot),
  (ii)  the Wasm function on tier 0 (--tier interp),
  (iii) a native C handler built from the same C source (--native LIB.so),
and nginx serves static files (the 13 bytes, the 16 KiB text) as the ceiling of the machine.
wrk drives each on loopback; variants are interleaved over --rounds rounds and the best
requests/s of each is kept (the machine is shared: the best run is the least disturbed).

Usage: run.py --scale BIN [--seconds 5] [--rounds 3] [--connections 32] [--workers 1]
              [--threads 1] [--json OUT]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORDS = ("the wasm code runs fast when each function is small and every call gets a fresh "
         "instance from the pool so state never leaks from one request into another one "
         "while native code just runs").split()


def text_body(size):
    out, i = [], 0
    while sum(len(w) + 1 for w in out) < size:
        out.append(WORDS[i % len(WORDS)])
        i += 3  # 3 is prime to the 35 words: every word comes up, the 4-letter ones too
    s = " ".join(out)
    return (s[:size - 1] + "\n").encode()


def replace4(data):
    return re.sub(rb"(?<![A-Za-z])[A-Za-z]{4}(?![A-Za-z])", b"wasm", data)


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        sys.exit("failed: %s\n%s%s" % (" ".join(cmd), p.stdout.decode(), p.stderr.decode()))
    return p.stdout.decode()


class Proc:
    def __init__(self, cmd, env, ready, log):
        self.log = open(log, "wb")
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT)
        self.logpath = log
        deadline = time.time() + 300
        self.port = None
        while time.time() < deadline and self.p.poll() is None:
            with open(log, "rb") as f:
                m = re.search(ready, f.read().decode(errors="replace"))
            if m:
                self.port = int(m.group(1)) if m.groups() and m.group(1) else None
                return
            time.sleep(0.1)
        sys.exit("did not start: %s\n%s" % (" ".join(cmd), open(log).read()))

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.log.close()


def cpu_seconds(pids):
    """User + system CPU time of processes (and their threads) so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def wrk(url, a, script=None, pid=None):
    """(requests/s, server CPU microseconds per request)."""
    cmd = ["wrk", "-t", str(a.threads), "-c", str(a.connections), "-d", "%ds" % a.seconds, url]
    if script:
        cmd[1:1] = ["-s", script]
    pids = [pid] + children(pid) if pid else []
    before = cpu_seconds(pids) if pids else 0
    out = sh(cmd)
    after = cpu_seconds(pids) if pids else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    n = re.search(r"(\d+) requests in", out)
    if not m or not n or "Non-2xx" in out or "Socket errors" in out:
        sys.exit("wrk reported a problem:\n" + out)
    cpu_us = (after - before) * 1e6 / int(n.group(1)) if pids else 0
    return float(m.group(1)), cpu_us


def curl(url, data=None):
    cmd = ["curl", "-sS", "--max-time", "30", url]
    if data is not None:
        cmd += ["--data-binary", "@-", "-H", "Expect:"]
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    for tool in ("wrk", "curl", "cc"):
        if not shutil.which(tool):
            sys.exit("bench/http needs %s" % tool)
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                      else None)
    scale = os.path.abspath(a.scale)
    tmp = tempfile.mkdtemp(prefix="scale-bench-http-")
    env = dict(os.environ, SCALE_HOME=os.path.join(tmp, "home"))
    body = text_body(16384)
    with open(os.path.join(tmp, "body16k.txt"), "wb") as f:
        f.write(body)
    with open(os.path.join(tmp, "hello.txt"), "wb") as f:
        f.write(b"Hello, World!")
    script = os.path.join(tmp, "post.lua")
    with open(script, "w") as f:
        f.write('wrk.method = "POST"\nlocal f = io.open("%s", "rb")\nwrk.body = f:read("*a")\n'
                'f:close()\nwrk.headers["Content-Type"] = "text/plain"\n'
                % os.path.join(tmp, "body16k.txt"))

    # The functions: `scale new` + the benchmark's source + `scale build`; the same source
    # built natively into a shared object with the SDK's native half (native.c).
    libs = {}
    for name in ("hello", "wordreplace"):
        proj = os.path.join(tmp, name)
        sh([scale, "new", name, "-d", proj], env=env)
        shutil.copy(os.path.join(HERE, name + ".c"), os.path.join(proj, name + ".c"))
        sh([scale, "build", proj], env=env)
        lib = os.path.join(tmp, "lib%s.so" % name)
        sh(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-shared", "-fPIC",
            "-I" + os.path.join(ROOT, "sdk/c/include"), "-I" + os.path.join(ROOT, "include"),
            "-I" + os.path.join(ROOT, "src"), "-o", lib, os.path.join(HERE, name + ".c"),
            os.path.join(HERE, "native.c"), os.path.join(ROOT, "src/function/http.c"),
            os.path.join(ROOT, "src/polyglot/encode.c"),
            os.path.join(ROOT, "src/polyglot/decode.c"), os.path.join(ROOT, "src/util/utf8.c")])
        libs[name] = lib

    ready = r"serving .* on http://127\.0\.0\.1:(\d+)/"
    common = ["--listen", "127.0.0.1:0", "--quiet", "--workers", str(a.workers)]
    variants = {
        "tier1": lambda n: [scale, "run", n, "--tier", "aot"] + common,
        "tier0": lambda n: [scale, "run", n, "--tier", "interp"] + common,
        "native": lambda n: [scale, "run", "--native", libs[n]] + common,
    }
    workloads = {
        "hello": dict(path="/", data=None, want=b"Hello, World!", script=None,
                      static="/hello.txt"),
        "wordreplace": dict(path="/", data=body, want=replace4(body), script=script,
                            static="/body16k.txt"),
    }
    best, cpu_best = {}, {}
    nginx_conf = os.path.join(tmp, "nginx.conf")
    if nginx:
        with open(nginx_conf, "w") as f:
            f.write("""daemon off; worker_processes %d; pid %s/nginx.pid; error_log stderr;
%s
events { worker_connections 4096; }
http { access_log off; client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;
  uwsgi_temp_path %s; scgi_temp_path %s; keepalive_requests 1000000;
  server { listen 127.0.0.1:18399; root %s; default_type text/plain; location / { } } }
""" % (a.workers, tmp, "user root;" if os.geteuid() == 0 else "", tmp, tmp, tmp, tmp, tmp, tmp))
    for rnd in range(a.rounds):
        for wname, w in workloads.items():
            for vname, cmd in variants.items():
                p = Proc(cmd(wname), env, ready, os.path.join(tmp, "%s-%s.log" % (wname, vname)))
                url = "http://127.0.0.1:%d%s" % (p.port, w["path"])
                got = curl(url, w["data"])
                if got != w["want"]:
                    p.stop()
                    sys.exit("%s/%s answered wrongly: %r..." % (wname, vname, got[:80]))
                rps, cpu = wrk(url, a, w["script"], p.p.pid)
                p.stop()
                key = (wname, vname)
                best[key] = max(best.get(key, 0), rps)
                cpu_best[key] = min(cpu_best.get(key, 1e12), cpu)
                print("round %d %-12s %-7s %10.0f req/s %8.1f us CPU/request" %
                      (rnd + 1, wname, vname, rps, cpu), flush=True)
            if nginx:
                p = Proc([nginx, "-c", nginx_conf, "-p", tmp], env, r"()", os.path.join(
                    tmp, "nginx.log"))
                time.sleep(0.5)
                url = "http://127.0.0.1:18399" + w["static"]
                rps, cpu = wrk(url, a, None, p.p.pid)
                p.stop()
                key = (wname, "nginx")
                best[key] = max(best.get(key, 0), rps)
                cpu_best[key] = min(cpu_best.get(key, 1e12), cpu)
                print("round %d %-12s %-7s %10.0f req/s %8.1f us CPU/request" %
                      (rnd + 1, wname, "nginx", rps, cpu), flush=True)

    print("\nbest of %d rounds, %ds each, wrk -t%d -c%d, %d server worker(s)\n" %
          (a.rounds, a.seconds, a.threads, a.connections, a.workers))
    print("| workload | tier 1 (aot) | tier 0 (interp) | native handler | nginx static | "
          "tier 1 / native | tier 0 / native |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    result = {}
    for wname in workloads:
        t1, t0, nat = (best[(wname, v)] for v in ("tier1", "tier0", "native"))
        ng = best.get((wname, "nginx"), 0)
        print("| %s | %.0f | %.0f | %.0f | %s | %.2fx | %.2fx |" % (
            wname, t1, t0, nat, "%.0f" % ng if ng else "-", t1 / nat, t0 / nat))
        result[wname] = dict(tier1=t1, tier0=t0, native=nat, nginx=ng, tier1_ratio=t1 / nat,
                             tier0_ratio=t0 / nat)
    # Server CPU time per request: unlike requests/s it barely moves with the load other
    # processes put on the machine, so its ratio is the steadier estimate of the throughput
    # ratio on a machine of one's own.
    print("\nserver CPU time per request (us, best round; ratio = native / Wasm)\n")
    print("| workload | tier 1 (aot) | tier 0 (interp) | native handler | nginx static | "
          "native / tier 1 | native / tier 0 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for wname in workloads:
        t1, t0, nat = (cpu_best[(wname, v)] for v in ("tier1", "tier0", "native"))
        ng = cpu_best.get((wname, "nginx"))
        print("| %s | %.1f | %.1f | %.1f | %s | %.2fx | %.2fx |" % (
            wname, t1, t0, nat, "%.1f" % ng if ng else "-", nat / t1, nat / t0))
        result[wname].update(cpu_us=dict(tier1=t1, tier0=t0, native=nat, nginx=ng),
                             cpu_ratio_tier1=nat / t1, cpu_ratio_tier0=nat / t0)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=2)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
