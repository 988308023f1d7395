#!/usr/bin/env python3
"""`scale new`, `scale build` and the local store (list/inspect/export/tag/delete), end to end.

Usage: store.py --scale BIN --dir DIR [--wasm-validate PATH] [--http-call BIN]

Everything happens under DIR/store-test (wiped first) with SCALE_HOME pointing there, so the
user's own store is never touched. Needs clang (wasm32-wasi) and wasi-libc, as `scale build` does.
The .scale files are decoded here with an independent Polyglot reader (reference/scale.md 4.1).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys

FAILS = []


def check(cond, what, detail=""):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what + ("\n     " + detail.replace("\n", "\n     ") if detail else ""))
        FAILS.append(what)


class Scale:
    def __init__(self, binary, env):
        self.binary = binary
        self.env = env

    def __call__(self, *args, cwd=None):
        p = subprocess.run([self.binary, *args], cwd=cwd, env=self.env, capture_output=True)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def popen(self, *args, cwd=None):
        return subprocess.Popen([self.binary, *args], cwd=cwd, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def expect(scale, args, code, out_has=None, err_has=None, cwd=None, what=None):
    rc, out, err = scale(*args, cwd=cwd)
    ok = rc == code and (out_has is None or out_has in out) and (err_has is None or err_has in err)
    check(ok, what or "scale " + " ".join(args),
          "exit %d (want %d)\nstdout: %s\nstderr: %s" % (rc, code, out, err))
    return out, err


# ---- an independent v1beta reader ---------------------------------------------------------

class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def byte(self):
        b = self.d[self.p]
        self.p += 1
        return b

    def varint(self):
        shift = value = 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    def u32(self):
        assert self.byte() == 0x0A, "want u32"
        return self.varint()

    def blob(self, kind):
        assert self.byte() == kind, "want kind %d at %d" % (kind, self.p - 1)
        n = self.u32()
        v = self.d[self.p:self.p + n]
        assert len(v) == n, "truncated"
        self.p += n
        return v

    def string(self):
        return self.blob(0x05).decode()

    def boolean(self):
        assert self.byte() == 0x07
        return self.byte() == 1


def decode_scale(data):
    r = Reader(data)
    f = {"version": r.string()}
    assert f["version"] == "v1beta", f["version"]
    for k in ("name", "tag", "sig_name", "sig_org", "sig_tag"):
        f[k] = r.string()
    f["schema"] = r.blob(0x04)
    f["sig_hash"] = r.string()
    assert r.byte() == 0x01 and r.byte() == 0x03, "extensions slice"
    f["extensions"] = r.u32()
    assert f["extensions"] == 0
    f["language"] = r.string()
    f["manifest"] = r.blob(0x04)
    f["stateless"] = r.boolean()
    f["function"] = r.blob(0x04)
    size_at = r.p
    f["size"] = r.u32()
    f["hash"] = r.string()
    assert r.p == len(data), "trailing bytes"
    assert f["size"] == size_at, "size field %d, data %d" % (f["size"], size_at)
    assert f["hash"] == hashlib.sha256(data[:size_at]).hexdigest(), "hash trailer"
    return f


# ---- the store on disk ----------------------------------------------------------------------

def layout(home):
    root = os.path.join(home, "functions")
    with open(os.path.join(root, "index.json")) as fh:
        index = json.load(fh)
    return root, index


def blob(root, digest):
    with open(os.path.join(root, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as fh:
        return fh.read()


def blob_names(root):
    return sorted(os.listdir(os.path.join(root, "blobs", "sha256")))


def check_layout(home, refs):
    """index.json names exactly refs; every blob reachable from it is there and hashes right."""
    root, index = layout(home)
    with open(os.path.join(root, "oci-layout")) as fh:
        check(json.load(fh) == {"imageLayoutVersion": "1.0.0"}, "oci-layout is version 1.0.0")
    check(index.get("schemaVersion") == 2 and
          index.get("mediaType") == "application/vnd.oci.image.index.v1+json",
          "index.json is an OCI image index")
    names = sorted(m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"])
    check(names == sorted(refs), "index.json names %s" % sorted(refs), "has %s" % names)
    reachable = set()
    for m in index["manifests"]:
        man_bytes = blob(root, m["digest"])
        check(hashlib.sha256(man_bytes).hexdigest() == m["digest"][7:] and len(man_bytes) == m["size"],
              "manifest %s matches its descriptor" % m["digest"][:19])
        man = json.loads(man_bytes)
        check(man["schemaVersion"] == 2 and
              man["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and
              man["config"]["mediaType"] == "application/vnd.scale.function.config.v1+json" and
              len(man["layers"]) == 1 and
              man["layers"][0]["mediaType"] == "application/vnd.scale.function.v1beta",
              "manifest %s has the scale media types" % m["digest"][:19])
        for d in [man["config"]] + man["layers"]:
            b = blob(root, d["digest"])
            check(hashlib.sha256(b).hexdigest() == d["digest"][7:] and len(b) == d["size"],
                  "blob %s matches its descriptor" % d["digest"][:19])
            reachable.add(d["digest"][7:])
        reachable.add(m["digest"][7:])
    check(blob_names(root) == sorted(reachable), "no unreferenced blobs",
          "on disk %s\nreachable %s" % (blob_names(root), sorted(reachable)))
    return root, index


def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--wasm-validate")
    ap.add_argument("--http-call", help="tests/cli/http_call.c: runs a function on a GET request")
    a = ap.parse_args()
    work = os.path.join(os.path.abspath(a.dir), "store-test")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    home = os.path.join(work, "home", "scale")
    env = dict(os.environ, SCALE_HOME=home)
    env.pop("SCALE_SDK_DIR", None)
    scale = Scale(os.path.abspath(a.scale), env)

    # -- scale new: names, languages, refusal to overwrite
    expect(scale, ["new", "Hello"], 2, err_has="invalid function name 'Hello': upper-case 'H'", cwd=work)
    expect(scale, ["new", "my-fn"], 2, err_has="invalid function name 'my-fn': '-' is not allowed", cwd=work)
    expect(scale, ["new", "a..b"], 2, err_has="'.' at the start, the end or twice in a row", cwd=work)
    expect(scale, ["new", "ok:-x"], 2, err_has="invalid tag '-x': '-' cannot come first", cwd=work)
    expect(scale, ["new", "ok:a_b"], 2, err_has="invalid tag 'a_b': '_' is not allowed", cwd=work)
    expect(scale, ["new", "org/fn"], 2, err_has="new functions are local", cwd=work)
    expect(scale, ["new", "x" * 129], 2, err_has="function name too long", cwd=work)
    expect(scale, ["new", "fn", "--language", "rust"], 2,
           err_has="language 'rust' is not supported yet (only c)", cwd=work)
    expect(scale, ["new", "fn", "--language", "cobol"], 2, err_has="unknown language 'cobol'", cwd=work)
    expect(scale, ["new"], 2, err_has="missing NAME[:TAG]", cwd=work)
    check(not os.path.exists(os.path.join(work, "fn")), "failed `new` creates nothing")

    out, _ = expect(scale, ["new", "hello"], 0, out_has="created hello:latest in ./hello", cwd=work)
    proj = os.path.join(work, "hello")
    check(sorted(os.listdir(proj)) == ["hello.c", "scalefile"], "new writes scalefile and hello.c")
    with open(os.path.join(proj, "scalefile")) as fh:
        sf = fh.read()
    for line in ('version  = "v1alpha"', 'name     = "hello"', 'tag      = "latest"',
                 'language = "c"', 'organization = "scale"', 'name         = "http"',
                 'stateless   = true', 'function    = "scale"'):
        check(line in sf, "scalefile has %s" % line, sf)
    with open(os.path.join(proj, "hello.c")) as fh:
        check('"Hello, World!"' in fh.read(), "template answers Hello, World!")
    expect(scale, ["new", "hello"], 1, err_has="directory './hello' exists and is not empty", cwd=work)
    os.makedirs(os.path.join(work, "empty"))
    expect(scale, ["new", "v2:1.0", "-d", "empty"], 0, out_has="created v2:1.0 in empty", cwd=work)

    # -- scale build
    out, err = expect(scale, ["build", "hello"], 0, out_has="stored local/hello:latest", cwd=work)
    for step in ("compiling hello.c", "compiling the C SDK", "linking", "validating", "packaging"):
        check(step in out, "build shows '%s'" % step, out)
    st = os.stat(home)
    check(stat.S_IMODE(st.st_mode) == 0o700, "SCALE_HOME created with mode 0700")
    check(os.listdir(os.path.join(home, "builds")) == [], "build directory removed afterwards")
    check_layout(home, ["local/hello:latest"])

    # -- the compiled SDK is cached, checked and repaired
    out, _ = expect(scale, ["build", "hello", "--tag", "cached"], 0, cwd=work)
    check("using the compiled C SDK from the cache (6 files)" in out, "second build uses the SDK cache", out)
    cache = os.path.join(home, "cache", "sdk")
    entries = os.listdir(cache)
    check(len(entries) == 1 and "objects" in os.listdir(os.path.join(cache, entries[0])),
          "one SDK cache entry with its digests", repr(entries))
    with open(os.path.join(cache, entries[0], "0.o"), "ab") as fh:
        fh.write(b"x")
    out, _ = expect(scale, ["build", "hello", "--tag", "cached"], 0, cwd=work)
    check("compiling the C SDK (6 files)" in out, "a damaged SDK cache entry is not used", out)
    out, _ = expect(scale, ["build", "hello", "--tag", "cached"], 0, cwd=work)
    check("from the cache" in out, "the damaged SDK cache entry was replaced", out)
    out, _ = expect(scale, ["build", "hello", "--tag", "cached", "--no-cache"], 0, cwd=work)
    check("compiling the C SDK" in out, "--no-cache compiles the SDK", out)
    expect(scale, ["delete", "hello:cached"], 0, out_has="deleted hello:cached (3 blobs removed)")
    check_layout(home, ["local/hello:latest"])

    # -- list and inspect
    out, _ = expect(scale, ["list"], 0, out_has="hello:latest")
    check(re.search(r"hello:latest +[0-9a-f]{12} +[0-9.]+ KiB +scale/http +\d{4}-\d\d-\d\dT", out),
          "list row: name, digest, size, signature, created", out)
    out, _ = expect(scale, ["inspect", "hello"], 0, out_has="reference:      local/hello:latest")
    for text in ("language:       c", "signature:      scale/http:latest", "stateless:      true",
                 "env.next: func (i32, i32) -> ()", "run: func () -> (i64)",
                 "resize: func (i32) -> (i32)", "memory: memory"):
        check(text in out, "inspect shows '%s'" % text, out)
    expect(scale, ["inspect", "nothere:1"], 1,
           err_has="function 'local/nothere:1' not found in %s/functions" % home)
    expect(scale, ["inspect", "Bad"], 1, err_has="invalid function name 'Bad'")

    # -- export: the .scale decodes, the raw module is the one inside and validates
    scale_out = os.path.join(work, "hello.scale")
    wasm_out = os.path.join(work, "hello.wasm")
    expect(scale, ["export", "hello:latest", scale_out], 0, out_has="exported hello:latest")
    expect(scale, ["export", "hello", wasm_out, "--raw"], 0, out_has="raw Wasm")
    with open(scale_out, "rb") as fh:
        data = fh.read()
    try:
        f = decode_scale(data)
        check(True, ".scale decodes as v1beta with a valid trailer")
        check(f["name"] == "hello" and f["tag"] == "latest" and f["language"] == "c" and
              f["sig_name"] == "http" and f["sig_org"] == "scale" and f["stateless"],
              ".scale fields", repr({k: v for k, v in f.items() if k != "function"}))
        with open(wasm_out, "rb") as fh:
            check(fh.read() == f["function"], "export --raw is the module inside the .scale")
        root, index = layout(home)
        man = json.loads(blob(root, index["manifests"][0]["digest"]))
        check(hashlib.sha256(data).hexdigest() == man["layers"][0]["digest"][7:],
              "exported .scale is the stored layer")
        cfg = json.loads(blob(root, man["config"]["digest"]))
        check(cfg["name"] == "hello" and cfg["tag"] == "latest" and cfg["language"] == "c" and
              cfg["signature"]["name"] == "http" and cfg["module_size"] == len(f["function"]),
              "config blob metadata", json.dumps(cfg))
    except (AssertionError, IndexError, UnicodeDecodeError) as e:
        check(False, ".scale decodes as v1beta with a valid trailer", repr(e))
    check(data[:4] != b"\0asm" and open(wasm_out, "rb").read(4) == b"\0asm", "raw export is Wasm")
    if a.wasm_validate:
        p = subprocess.run([a.wasm_validate, wasm_out], capture_output=True)
        check(p.returncode == 0, "wasm-validate accepts the exported module", p.stderr.decode())
    if a.http_call:
        p = subprocess.run([a.http_call, wasm_out], capture_output=True)
        check(p.stdout == b"status=200 body=Hello, World!\n",
              "the built function answers Hello, World!", repr((p.stdout, p.stderr)))
    os.makedirs(os.path.join(work, "outdir"))
    expect(scale, ["export", "hello", os.path.join(work, "outdir")], 0,
           out_has="local-hello-latest.scale")
    expect(scale, ["export", "hello", "/nonexistent/dir/x.scale"], 1, err_has="cannot write")

    # -- tag shares blobs; delete collects only what nobody uses
    root, _ = layout(home)
    before = blob_names(root)
    expect(scale, ["tag", "hello", "hello:v2"], 0, out_has="tagged hello:latest as hello:v2")
    expect(scale, ["tag", "nothere", "x:y"], 1, err_has="function 'local/nothere:latest' not found")
    check(blob_names(root) == before, "tag adds no blobs")
    check_layout(home, ["local/hello:latest", "local/hello:v2"])
    expect(scale, ["inspect", "hello:v2"], 0, out_has="name:           hello")
    expect(scale, ["delete", "hello:latest"], 0, out_has="deleted hello:latest (0 blobs removed)")
    check_layout(home, ["local/hello:v2"])
    expect(scale, ["delete", "hello:latest"], 1, err_has="function 'local/hello:latest' not found")
    expect(scale, ["delete", "hello:v2"], 0, out_has="(3 blobs removed)")
    check_layout(home, [])
    expect(scale, ["list"], 0, out_has="no functions in")

    # -- a C syntax error: clang's own message, non-zero exit, store untouched
    bad = os.path.join(work, "bad")
    expect(scale, ["new", "bad"], 0, cwd=work)
    write(os.path.join(bad, "bad.c"), "int broken(void) { return 1 }\n")
    rc, out, err = scale("build", "bad", cwd=work)
    check(rc == 1, "build with a syntax error fails with status 1", "exit %d" % rc)
    check("bad.c:1:28: error: expected ';'" in err, "clang's error is shown verbatim", err)
    check("error: compiling 'bad/bad.c' failed" in err, "build names the file that failed", err)
    check("stored" not in out, "nothing stored after a failed build", out)
    check_layout(home, [])

    # -- scalefile errors carry file:line:col
    write(os.path.join(bad, "scalefile"), 'version = "v1alpha"\nname = "bad"\nnmae = "x"\n')
    expect(scale, ["build", "bad"], 1, err_has="bad/scalefile:3:1: unknown attribute 'nmae' in scalefile",
           cwd=work)
    write(os.path.join(bad, "scalefile"), sf.replace('"hello"', '"bad"').replace('"c"', '"rust"'))
    expect(scale, ["build", "bad"], 1, err_has="language 'rust' is not supported yet", cwd=work)
    write(os.path.join(bad, "scalefile"), sf.replace('"hello"', '"Bad"'))
    expect(scale, ["build", "bad"], 1, err_has="bad/scalefile:2:12: invalid function name 'Bad'", cwd=work)
    expect(scale, ["build", "nowhere"], 1, err_has="cannot open 'nowhere/scalefile': no such file",
           cwd=work)

    # -- entry points named in the scalefile, --tag, custom signature
    os.remove(os.path.join(bad, "bad.c"))
    write(os.path.join(bad, "bad.c"),
          '#include "scale_http.h"\n'
          'static int ready;\n'
          'const char *setup(void) { ready = 1; return 0; }\n'
          'scale_http_context_t *handle(scale_http_context_t *ctx) {\n'
          '  ctx->response.status_code = ready ? 201 : 500;\n'
          '  return ctx;\n'
          '}\n')
    write(os.path.join(bad, "scalefile"),
          sf.replace('"hello"', '"bad"').replace('function    = "scale"', 'function    = "handle"')
            .replace('initialize  = ""', 'initialize  = "setup"'))
    expect(scale, ["build", "bad", "--tag", "entry"], 0, out_has="stored local/bad:entry", cwd=work)
    expect(scale, ["build", "bad", "--tag", "-x"], 2, err_has="invalid tag '-x'", cwd=work)
    if a.http_call:
        entry_wasm = os.path.join(work, "entry.wasm")
        expect(scale, ["export", "bad:entry", entry_wasm, "--raw"], 0)
        p = subprocess.run([a.http_call, entry_wasm], capture_output=True)
        check(p.stdout == b"status=201 body=\n",
              "scalefile function/initialize names reach the SDK", repr((p.stdout, p.stderr)))

    sig = os.path.join(work, "data.signature")
    write(sig, 'version = "v1alpha"\ncontext = "Context"\nmodel Context {\n'
               '  string Data {\n    default = ""\n  }\n}\n')
    expect(scale, ["new", "raw", "--signature", sig], 0, out_has="scale.signature", cwd=work)
    out, _ = expect(scale, ["build", "raw"], 0, out_has="stored local/raw:latest", cwd=work)
    check("compiling the C SDK (4 files)" in out, "raw signature builds without the HTTP codec", out)
    out, _ = expect(scale, ["inspect", "raw"], 0, out_has="signature:      local/raw-signature:latest")
    check(re.search(r"signature hash: [0-9a-f]{64}\n", out), "custom signature hash recorded", out)
    expect(scale, ["export", "raw", os.path.join(work, "raw.scale")], 0)
    with open(os.path.join(work, "raw.scale"), "rb") as fh:
        f = decode_scale(fh.read())
    check(f["schema"].startswith(b'version = "v1alpha"') and
          hashlib.sha256(f["schema"]).hexdigest() == f["sig_hash"],
          ".scale embeds the canonical schema and its hash")
    expect(scale, ["new", "nosig", "--signature", os.path.join(work, "missing.hcl")], 1,
           err_has="invalid signature", cwd=work)

    # -- tampered blobs are detected on read
    root, index = layout(home)
    entry = [m for m in index["manifests"]
             if m["annotations"]["org.opencontainers.image.ref.name"] == "local/raw:latest"][0]
    man = json.loads(blob(root, entry["digest"]))
    layer_path = os.path.join(root, "blobs", "sha256", man["layers"][0]["digest"][7:])
    with open(layer_path, "r+b") as fh:
        fh.seek(100)
        b = fh.read(1)
        fh.seek(100)
        fh.write(bytes([b[0] ^ 1]))
    expect(scale, ["inspect", "raw"], 1, err_has="is corrupt: its content hashes to sha256:",
           what="inspect detects a tampered .scale blob")
    expect(scale, ["export", "raw", os.path.join(work, "x.scale")], 1, err_has="is corrupt",
           what="export refuses a tampered .scale blob")
    cfg_path = os.path.join(root, "blobs", "sha256", man["config"]["digest"][7:])
    with open(cfg_path, "ab") as fh:
        fh.write(b" ")
    out, _ = expect(scale, ["list"], 0, out_has="raw:latest", what="list survives a damaged entry")
    check(re.search(r"raw:latest +damaged: blob .* is corrupt: \d+ bytes, its descriptor says", out),
          "list marks the damaged entry", out)
    expect(scale, ["delete", "raw"], 0, out_has="deleted raw:latest")
    check_layout(home, ["local/bad:entry"])

    # -- concurrent builds into one store keep every entry
    for name in ("one", "two"):
        expect(scale, ["new", name], 0, cwd=work)
    procs = [scale.popen("build", "one", cwd=work), scale.popen("build", "two", cwd=work),
             scale.popen("build", "one", "--tag", "b", cwd=work)]
    results = [(p.wait(), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    check(all(r[0] == 0 for r in results), "three concurrent builds succeed", repr(results))
    check_layout(home, ["local/bad:entry", "local/one:latest", "local/one:b", "local/two:latest"])
    out, _ = expect(scale, ["list"], 0)
    check(all(r in out for r in ("bad:entry", "one:latest", "one:b", "two:latest")),
          "list shows all four", out)

    # -- a bad oci-layout is refused, not overwritten
    write(os.path.join(root, "oci-layout"), '{"imageLayoutVersion":"9.9.9"}')
    expect(scale, ["list"], 1, err_has="has imageLayoutVersion '9.9.9'")
    write(os.path.join(root, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}')

    if FAILS:
        print("%d check(s) failed" % len(FAILS))
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("all store checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
