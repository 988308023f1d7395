#!/usr/bin/env python3
"""Run Scale's benchmark workloads natively, on Scale's interpreter and on Node (V8).

Each workload is a WASI command printing a checksum line. For every workload the three engines
run side by side (interleaved, N rounds), their outputs must agree, and the table shows the
minimum wall-clock seconds of each and the ratios to native, plus the interpreter's ratio in
CPU time (user+sys, also the minimum over the runs). The minimum is the figure least disturbed
by other load on a shared machine (noise only ever adds time); the CPU ratio is a companion
that ignores time spent waiting for a core. Then embed_bench reports start-up and call costs.
Figures are for reading, not asserting: targets print PASS or MISS, and only a broken run (a
crash or a checksum mismatch) gives a non-zero exit.

Usage: bench/run.py [--build-dir build] [--runs 5] [--only fib,sieve] [--engines native,scale,node]
"""
import argparse
import math
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = ["fib", "sieve", "matmul", "sha256", "quicksort", "textscan", "vm", "hashtab",
             "crc32", "nbody"]
ENGINES = ["native", "scale", "node"]
# Targets for the interpreter, as interp/native ratios (lower is better).
RATIO_TARGETS = {"geomean": 10.0, "textscan": 10.0, "sieve": 10.0}


# The start-up row runs a hello-world: what each engine costs before the guest does any work.
STARTUP = "start-up"


def command(engine, name, build):
    if engine == "native":
        return [os.path.join(build, "bench", "native", "hello" if name == STARTUP else name)]
    if name == STARTUP:
        wasm = os.path.join(build, "bench", "modules", "hello.wasm")
    else:
        wasm = os.path.join(build, "bench", "wasm", name + ".wasm")
    if engine == "scale":
        return [os.path.join(build, "scale"), "wasm", "run", wasm]
    return ["node", "--no-warnings", os.path.join(HERE, "node_wasi.mjs"), wasm]


def child_cpu():
    """User+sys CPU seconds of all reaped children so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd, timeout):
    """(wall seconds, CPU seconds), stdout of one run, or an error string.

    Runs are sequential, so the growth of RUSAGE_CHILDREN across one run is that child's CPU
    time (all its threads)."""
    c0 = child_cpu()
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None, "timeout after %gs" % timeout
    except OSError as e:
        return None, None, str(e)
    dt = time.perf_counter() - t0
    cpu = child_cpu() - c0
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        return None, None, "exit %d%s" % (p.returncode, (": " + err[-1][:120]) if err else "")
    return (dt, cpu), p.stdout.decode(errors="replace"), None


def geomean(values):
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(os.path.dirname(HERE), "build"))
    ap.add_argument("--runs", type=int, default=5, help="runs per engine; the minimum is shown")
    ap.add_argument("--only", default="", help="comma-separated workloads (default: all)")
    ap.add_argument("--engines", default=",".join(ENGINES), help="subset of native,scale,node")
    ap.add_argument("--timeout", type=float, default=300, help="seconds allowed for one run")
    ap.add_argument("--no-embed", action="store_true", help="skip embed_bench")
    ap.add_argument("--embed-args", default="", help="extra arguments for embed_bench")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr lines in order

    build = os.path.abspath(args.build_dir)
    names = [n for n in args.only.split(",") if n] or WORKLOADS
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        sys.exit("run.py: unknown workload(s): %s" % ", ".join(unknown))
    engines = [e for e in args.engines.split(",") if e]
    if "native" not in engines or any(e not in ENGINES for e in engines):
        sys.exit("run.py: --engines must include native and name only %s" % ",".join(ENGINES))
    if "scale" in engines and not os.access(os.path.join(build, "scale"), os.X_OK):
        print("run.py: %s/scale not built; skipping the scale column" % build, file=sys.stderr)
        engines.remove("scale")
    if "node" in engines and not shutil.which("node"):
        print("run.py: node not found; skipping the node column", file=sys.stderr)
        engines.remove("node")

    broken = False
    rows = []
    print("%d interleaved run(s) per engine; seconds are the minimum wall-clock time (process start"
          " to exit);" % args.runs)
    print("'cpu' is scale/native in minimum user+sys CPU seconds")
    for name in [STARTUP] + names:
        times = {e: [] for e in engines}
        cpus = {e: [] for e in engines}
        outputs = {}
        errors = {}
        for _ in range(max(1, args.runs)):
            for e in engines:  # interleaved, so drift in machine load hits all engines alike
                if e in errors:
                    continue
                dt, out, err = run_once(command(e, name, build), args.timeout)
                if err:
                    errors[e] = err
                    continue
                if e in outputs and outputs[e] != out:
                    errors[e] = "output differs between runs"
                    continue
                outputs[e] = out
                times[e].append(dt[0])
                cpus[e].append(dt[1])
        ref = outputs.get("native")
        for e in engines:
            if e != "native" and e in outputs and ref is not None and outputs[e] != ref:
                errors[e] = "checksum mismatch: %r vs native %r" % (
                    outputs[e].strip().splitlines()[-1:], ref.strip().splitlines()[-1:])
        for e, err in errors.items():
            print("  %s on %s: %s" % (name, e, err), file=sys.stderr, flush=True)
            broken = True
        best = {e: (min(times[e]) if times[e] and e not in errors else None) for e in engines}
        best_cpu = {e: (min(cpus[e]) if cpus[e] and e not in errors else None) for e in engines}
        rows.append((name, best, best_cpu))

    def ratio(t, e):
        if t.get(e) is None or not t.get("native"):
            return None
        return t[e] / t["native"]

    header = "%-10s %9s %9s %9s %13s %12s %8s" % ("workload", "native s", "scale s", "node s",
                                                   "scale/native", "node/native", "cpu")
    print(header)
    print("-" * len(header))
    for name, best, cpu in rows:
        if name == STARTUP:
            print("%-10s %9s %9s %9s   (process start-up, not in the geomean)" % (
                name, fmt(best.get("native")), fmt(best.get("scale")), fmt(best.get("node"))))
            continue
        print("%-10s %9s %9s %9s %13s %12s %8s" % (
            name, fmt(best.get("native")), fmt(best.get("scale")), fmt(best.get("node")),
            fmt(ratio(best, "scale"), "%.2fx"), fmt(ratio(best, "node"), "%.2fx"),
            fmt(ratio(cpu, "scale"), "%.2fx")))
    print("-" * len(header))
    work = [(n, best) for n, best, _ in rows if n != STARTUP]
    work_cpu = [(n, cpu) for n, _, cpu in rows if n != STARTUP]
    gm = {e: geomean([ratio(t, e) for _, t in work]) for e in ("scale", "node")}
    gm_cpu = geomean([ratio(t, "scale") for _, t in work_cpu])
    print("%-10s %9s %9s %9s %13s %12s %8s" % ("geomean", "", "", "", fmt(gm["scale"], "%.2fx"),
                                               fmt(gm["node"], "%.2fx"), fmt(gm_cpu, "%.2fx")))

    if "scale" in engines:
        print()
        print("interpreter targets (scale/native, minimum wall-clock; CPU-time ratio beside):")
        by_name = dict(work)
        by_name_cpu = dict(work_cpu)
        for key, target in RATIO_TARGETS.items():
            value = gm["scale"] if key == "geomean" else (
                ratio(by_name[key], "scale") if key in by_name else None)
            value_cpu = gm_cpu if key == "geomean" else (
                ratio(by_name_cpu[key], "scale") if key in by_name_cpu else None)
            if value is None:
                print("  %-9s %8s   target <= %-5g -" % (key, "-", target))
            else:
                print("  %-9s %7.2fx   target <= %-5g %s   (cpu %s)" % (
                    key, value, target, "PASS" if value <= target else "MISS",
                    fmt(value_cpu, "%.2fx")))

    if not args.no_embed:
        print()
        embed = os.path.join(build, "bench", "embed_bench")
        hello = os.path.join(build, "bench", "modules", "hello.wasm")
        wasm_dir = os.path.join(build, "bench", "wasm")
        modules = [os.path.join(wasm_dir, f) for f in os.listdir(wasm_dir)] \
            if os.path.isdir(wasm_dir) else []
        largest = max(modules, key=os.path.getsize) if modules else None
        if not os.access(embed, os.X_OK) or not os.path.exists(hello):
            print("embed_bench not built; skipping start-up and call costs", file=sys.stderr)
        else:
            cmd = [embed] + args.embed_args.split() + [hello] + ([largest] if largest else [])
            print("embed_bench (libscale, median of repetitions):")
            sys.stdout.flush()
            rc = subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
            if rc != 0:
                print("embed_bench failed (exit %d)" % rc, file=sys.stderr)
                broken = True
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
