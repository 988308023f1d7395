#!/usr/bin/env python3
"""The AOT tier against native code, and the cost of its interruption checks.

For every workload, native (gcc -O2), `scale wasm run --tier aot` (stop-flag checks at loop
headers and function entries, the default build) and `--tier aot --unchecked` (no checks) run
interleaved N times; outputs must match native. Objects are compiled into a private cache once,
before timing, so the figures are run time (process start to exit), not compile time. The table
shows minimum wall-clock seconds, the AOT/native ratios and the checked/unchecked ratio (the cost
of the instrumentation); then the geometric means, with the target for AOT with checks on.

Usage: bench/aot.py [--build-dir build] [--runs 5] [--only fib,sieve]
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as base  # noqa: E402  (shares the workload list and the timing helpers)

TARGET = 1.25  # AOT/native geometric mean, checks on


def cmd(engine, name, build):
    if engine == "native":
        return base.command("native", name, build)
    wasm = os.path.join(build, "bench", "wasm", name + ".wasm")
    extra = ["--unchecked"] if engine == "unchecked" else []
    return [os.path.join(build, "scale"), "wasm", "run", "--tier", "aot"] + extra + [wasm]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    build = os.path.abspath(args.build_dir)
    names = [n for n in args.only.split(",") if n] or base.WORKLOADS
    engines = ["native", "aot", "unchecked"]
    cache = tempfile.mkdtemp(prefix="scale-aot-bench-")
    os.environ["SCALE_CACHE"] = os.path.join(cache, "cache")
    # Compile both builds of every module first (a warning here means no C compiler).
    for name in names:
        for e in ("aot", "unchecked"):
            subprocess.run(cmd(e, name, build), stdout=subprocess.DEVNULL, check=False)
    print("%d interleaved run(s); minimum wall-clock seconds, process start to exit" % args.runs)
    header = "%-10s %9s %9s %11s %12s %16s %15s" % (
        "workload", "native s", "aot s", "unchecked s", "aot/native", "unchecked/native",
        "checks cost")
    print(header)
    print("-" * len(header))
    broken = False
    ratios = {"aot": [], "unchecked": [], "cost": []}
    for name in names:
        times = {e: [] for e in engines}
        outs = {}
        for _ in range(max(1, args.runs)):
            for e in engines:
                dt, out, err = base.run_once(cmd(e, name, build), args.timeout)
                if err:
                    print("  %s on %s: %s" % (name, e, err), file=sys.stderr)
                    broken = True
                    continue
                if e in outs and outs[e] != out:
                    broken = True
                outs[e] = out
                times[e].append(dt[0])
        if any(outs.get(e) != outs.get("native") for e in engines):
            print("  %s: output differs from native" % name, file=sys.stderr)
            broken = True
        best = {e: min(t) if t else None for e, t in times.items()}
        r_a = best["aot"] / best["native"] if best["aot"] and best["native"] else None
        r_u = best["unchecked"] / best["native"] if best["unchecked"] and best["native"] else None
        cost = best["aot"] / best["unchecked"] if best["aot"] and best["unchecked"] else None
        ratios["aot"].append(r_a)
        ratios["unchecked"].append(r_u)
        ratios["cost"].append(cost)
        print("%-10s %9s %9s %11s %12s %16s %15s" % (
            name, base.fmt(best["native"]), base.fmt(best["aot"]), base.fmt(best["unchecked"]),
            base.fmt(r_a, "%.2fx"), base.fmt(r_u, "%.2fx"), base.fmt(cost, "%.2fx")))
    print("-" * len(header))
    gm = {k: base.geomean(v) for k, v in ratios.items()}
    print("%-10s %9s %9s %11s %12s %16s %15s" % (
        "geomean", "", "", "", base.fmt(gm["aot"], "%.2fx"), base.fmt(gm["unchecked"], "%.2fx"),
        base.fmt(gm["cost"], "%.2fx")))
    if gm["aot"]:
        print("\nAOT target: geomean aot/native %.2fx, target <= %g: %s" % (
            gm["aot"], TARGET, "PASS" if gm["aot"] <= TARGET else "MISS"))
    subprocess.run(["rm", "-rf", cache], check=False)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
