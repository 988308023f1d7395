#!/usr/bin/env python3
"""Command-line tests of `scale`: exit codes, stdout and error wording.

Usage: run.py --scale BIN --dir DIR (DIR holds add.wasm; scratch files go there too)
"""
import argparse
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    a.scale = os.path.abspath(a.scale)
    os.chdir(a.dir)  # messages quote paths as given: keep them short
    with open("bad.wasm", "wb") as f:
        f.write(b"\x00asn\x01\x00\x00\x00")
    os.makedirs("adir.wasm", exist_ok=True)

    # (argv, expected exit code, expected stdout or None, text expected in stderr or None)
    cases = [
        (["--version"], 0, None, None),
        (["help"], 0, None, None),
        (["help", "wasm"], 0, None, None),
        (["frobnicate"], 2, "", "error: unknown command 'frobnicate'"),
        (["wasm", "run"], 2, "", "error: missing FILE.wasm"),
        (["wasm", "run", "--bogus", "add.wasm"], 2, "", "error: unknown option '--bogus'"),
        (["wasm", "run", "--fuel", "lots", "add.wasm"], 2, "", "--fuel needs a non-negative integer"),
        (["wasm", "run", "missing.wasm"], 1, "", "error: cannot open 'missing.wasm': no such file\n"),
        (["wasm", "run", "adir.wasm"], 1, "", "error: cannot open 'adir.wasm': is a directory\n"),
        (["wasm", "run", "bad.wasm"], 1, "", "error: invalid module 'bad.wasm': "),
        (["wasm", "run", "add.wasm"], 1, "", "error: 'add.wasm' has no export '_start'\n"),
        (["wasm", "run", "--invoke", "add", "add.wasm", "2", "3"], 0, "5\n", None),
        (["wasm", "run", "--invoke=add", "add.wasm", "0xffffffff", "1"], 0, "0\n", None),
        (["wasm", "run", "--invoke", "add", "add.wasm", "-2147483648", "-1"], 0, "2147483647\n", None),
        (["wasm", "run", "--invoke", "add", "add.wasm", "4294967296", "1"], 2, "",
         "error: argument 1 of 'add' is not an i32: '4294967296'\n"),
        (["wasm", "run", "--invoke", "add", "add.wasm", "2"], 2, "", "error: 'add' takes 2 arguments, got 1\n"),
        (["wasm", "run", "--invoke", "add", "add.wasm", "2", "abc"], 2, "",
         "error: argument 2 of 'add' is not an i32: 'abc'\n"),
        (["wasm", "run", "--invoke", "add64", "add.wasm", "9223372036854775807", "1"], 0,
         "-9223372036854775808\n", None),
        (["wasm", "run", "--invoke", "div", "add.wasm", "1", "3"], 0, "0.3333333333333333\n", None),
        (["wasm", "run", "--invoke", "div", "add.wasm", "1", "0"], 0, "inf\n", None),
        (["wasm", "run", "--invoke", "div", "add.wasm", "-1", "0"], 0, "-inf\n", None),
        (["wasm", "run", "--invoke", "id32", "add.wasm", "nan"], 0, "nan\n", None),
        (["wasm", "run", "--invoke", "id32", "add.wasm", "0.1"], 0, "0.1\n", None),
        (["wasm", "run", "--invoke", "id32", "add.wasm", "1e39"], 0, "inf\n", None),
        (["wasm", "run", "--invoke", "id64", "add.wasm", "-0"], 0, "-0\n", None),
        (["wasm", "run", "--invoke", "id64", "add.wasm", "0x1p-1074"], 0, "5e-324\n", None),
        (["wasm", "run", "--invoke", "id64", "add.wasm", "1.5x"], 2, "",
         "error: argument 1 of 'id64' is not an f64: '1.5x'\n"),
        (["wasm", "run", "--invoke", "multi", "add.wasm"], 0, "-1\n9223372036854775807\n0.1\n0.1\n", None),
        (["wasm", "run", "--invoke", "none", "add.wasm"], 0, "", None),
        (["wasm", "run", "--invoke", "nope", "add.wasm"], 1, "", "error: no export named 'nope' in 'add.wasm'\n"),
        (["wasm", "run", "--invoke", "answer", "add.wasm"], 1, "",
         "error: export 'answer' of 'add.wasm' is not a function\n"),
        (["wasm", "run", "--invoke", "crash", "add.wasm"], 134, "", "error: 'add.wasm': trap: unreachable\n"),
        (["wasm", "run", "--fuel", "10000", "--invoke", "spin", "add.wasm"], 134, "",
         "error: 'add.wasm': trap: fuel exhausted\n"),
    ]
    failures = 0
    for argv, rc, out, err in cases:
        p = subprocess.run([a.scale, *argv], capture_output=True, timeout=60)
        got_out, got_err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
        problems = []
        if p.returncode != rc:
            problems.append(f"exit code {p.returncode}, want {rc}")
        if out is not None and got_out != out:
            problems.append(f"stdout {got_out!r}, want {out!r}")
        if err is not None and (got_err != err if err.endswith("\n") else err not in got_err):
            problems.append(f"stderr {got_err!r}, want {err!r}")
        if err is None and got_err:
            problems.append(f"unexpected stderr {got_err!r}")
        if problems:
            failures += 1
            print(f"FAIL scale {' '.join(argv)}: " + "; ".join(problems))
    p = subprocess.run([a.scale, "--version"], capture_output=True)
    if not p.stdout.decode().startswith("scale "):
        failures += 1
        print(f"FAIL --version printed {p.stdout!r}")
    p = subprocess.run([a.scale, "help", "wasm"], capture_output=True)
    for opt in ("--invoke", "--env", "--stdin", "--fuel", "--seed"):
        if opt not in p.stdout.decode():
            failures += 1
            print(f"FAIL 'scale help wasm' does not document {opt}")
    print(f"{len(cases)} cases, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
