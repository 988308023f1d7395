#!/usr/bin/env python3
"""Run WASI guests through `scale wasm run` and check what they print.

Usage: run.py --scale BIN --wasm DIR [--native DIR] [--src DIR] CASE

Deterministic guests are also built natively with the host's gcc: both
builds must print the same and exit the same (a differential test that
needs no hand-written expectations). The deny-by-default and boundary
cases compare with expectations written here or in *.expected files.
"""
import argparse
import os
import subprocess
import sys

ARGS = None


def scale(*argv, stdin=b"", env=None):
    cmd = [ARGS.scale, "wasm", "run", *argv]
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=120, env=env)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def native(name, *argv, stdin=b"", env=None):
    p = subprocess.run([os.path.join(ARGS.native, name), *argv], input=stdin,
                       capture_output=True, timeout=120, env=env if env is not None else {})
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def wasm(name):
    return os.path.join(ARGS.wasm, name + ".wasm")


failures = []


def check(what, got, want):
    if got != want:
        failures.append(f"{what}:\n  got:  {got!r}\n  want: {want!r}")


def case_basic():
    argv = ["a", "b c", "--not-an-option"]
    got = scale("--env", "SCALE_TEST=hi there", "--", wasm("basic"), *argv)
    want = native("basic", *argv, env={"SCALE_TEST": "hi there"})
    check("basic (wasm vs native)", got, want)
    check("basic ends with done", got[1].endswith("done\n"), True)


def case_stdin():
    data = b"hello\nworld\nno newline at end"
    check("stdin granted (wasm vs native)", scale("--stdin", wasm("stdin"), stdin=data),
          native("stdin", stdin=data))
    check("stdin denied", scale(wasm("stdin"), stdin=data), (0, "bytes=0 error=1\n", ""))


def case_exit():
    check("exit(3)", scale(wasm("exit")), (3, "leaving with 3\n", ""))
    check("exit (native)", native("exit"), (3, "leaving with 3\n", ""))


def case_deny():
    with open(os.path.join(ARGS.src, "deny.expected")) as f:
        want = f.read()
    check("deny", scale(wasm("deny")), (0, want, ""))


# (invoke NAME, args, expected stdout, expected exit code, extra options)
FAULT = [
    ("fd_write", ["1", "8", "1", "16"], "hello\n0\n", 0, []),
    ("fd_write", ["1", "65535", "1", "16"], "21\n", 0, []),      # iovec array past the end
    ("fd_write", ["1", "65532", "1", "16"], "21\n", 0, []),      # iovec straddles the end
    ("fd_write", ["1", "0", "1", "16"], "21\n", 0, []),          # iovec buffer past the end
    ("fd_write", ["1", "8", "1", "65533"], "21\n", 0, []),       # nwritten past the end
    ("fd_write", ["1", "8", "1", "-1"], "21\n", 0, []),          # nwritten at 4 GiB - 1
    ("fd_write", ["1", "8", "0x20000000", "16"], "21\n", 0, []), # huge iovec count
    ("fd_write", ["0", "8", "1", "16"], "8\n", 0, []),           # stdin is not writable
    ("fd_write", ["3", "8", "1", "16"], "8\n", 0, []),
    ("fd_read", ["0", "8", "1", "16"], "8\n", 0, []),            # stdin not granted
    ("fd_read", ["0", "0", "1", "16"], "21\n", 0, ["--stdin"]),  # granted, buffer past the end
    ("random_get", ["65500", "100"], "21\n", 0, []),
    ("random_get", ["100", "16"], "0\n", 0, []),
    ("random_get", ["65536", "0"], "0\n", 0, []),                # empty range at the very end
    ("random_get", ["65537", "0"], "21\n", 0, []),
    ("args_get", ["65534", "0"], "21\n", 0, []),
    ("args_get", ["0", "65535"], "21\n", 0, []),
    ("args_sizes_get", ["65534", "0"], "21\n", 0, []),
    ("environ_sizes", [], "2017\n", 0, ["--env", "A=1", "--env", "LONGER=value"]),
    ("environ_sizes", [], "0\n", 0, []),
    ("clock_time_get", ["4", "0", "0"], "28\n", 0, []),
    ("clock_time_get", ["-1", "0", "0"], "28\n", 0, []),
    ("clock_time_get", ["0", "0", "65529"], "21\n", 0, []),
    ("clock_time_get", ["1", "0", "65528"], "0\n", 0, []),
    ("clock_res_get", ["9", "0"], "28\n", 0, []),
    ("clock_res_get", ["0", "0"], "0\n", 0, []),
    ("clock_nonzero", ["0"], "1\n", 0, []),
    ("clock_nonzero", ["1"], "1\n", 0, []),
    ("clock_nonzero", ["2"], "1\n", 0, []),
    ("clock_nonzero", ["3"], "1\n", 0, []),
    ("fdstat", ["1"], "2001\n", 0, []),       # character device, no FD_SEEK/FD_TELL
    ("fdstat", ["2"], "2001\n", 0, []),
    ("fdstat", ["0"], "2001\n", 0, []),
    ("fdstat", ["3"], "-8\n", 0, []),
    ("fd_fdstat_get", ["1", "65530"], "21\n", 0, []),
    ("fd_seek", ["1", "0", "1", "0"], "70\n", 0, []),
    ("fd_seek", ["9", "0", "1", "0"], "8\n", 0, []),
    ("fd_prestat_get", ["3", "0"], "8\n", 0, []),
    ("fd_close", ["1"], "0\n", 0, []),
    ("fd_close", ["3"], "8\n", 0, []),
    ("path_open", ["3"], "8\n", 0, []),
    ("path_open", ["0"], "54\n", 0, []),
    ("sock_send", ["3"], "8\n", 0, []),
    ("sock_send", ["1"], "57\n", 0, []),
    ("poll_oneoff", ["64", "256", "0", "512"], "28\n", 0, []),
    ("poll_oneoff", ["65500", "256", "1", "512"], "21\n", 0, []),
    ("poll_check", [], "10100\n", 0, []),
    ("sched_yield", [], "0\n", 0, []),
    ("proc_exit", ["7"], "", 7, []),
    ("proc_exit", ["0"], "", 0, []),
]


def case_fault():
    for name, args, out, rc, opts in FAULT:
        got = scale(*opts, "--invoke", name, wasm("fault"), *args)
        check(f"--invoke {name} {' '.join(args)}", got[:2], (rc, out))
    # argv is just the path as given (--invoke values are the export's).
    path = wasm("fault")
    check("args_sizes", scale("--invoke", "args_sizes", path)[1], f"{1000 + len(path) + 1}\n")
    check("args_byte 0", scale("--invoke", "args_byte", path, "0")[1], f"{ord(path[0])}\n")


def case_seed():
    a = scale("--seed", "42", "--invoke", "random64", wasm("fault"))
    b = scale("--seed", "42", "--invoke", "random64", wasm("fault"))
    c = scale("--seed", "43", "--invoke", "random64", wasm("fault"))
    d = scale("--invoke", "random64", wasm("fault"))
    e = scale("--invoke", "random64", wasm("fault"))
    check("same seed, same bytes", a, b)
    check("other seed, other bytes", a[1] != c[1], True)
    check("no seed, fresh bytes", d[1] != e[1], True)
    check("seeded run succeeds", a[0], 0)


def case_nomem():
    rc, out, err = scale(wasm("nomem"))
    check("no memory export: exit code", rc, 134)
    check("no memory export: message",
          "trap: wasi: the module does not export its memory as 'memory'" in err, True)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True)
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--native", default="")
    ap.add_argument("--src", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("case")
    ARGS = ap.parse_args()
    fn = globals().get("case_" + ARGS.case)
    if not fn:
        print(f"unknown case {ARGS.case}", file=sys.stderr)
        return 2
    fn()
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
