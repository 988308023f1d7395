// Polyglot interop with the upstream TypeScript package (@loopholelabs/polyglot).
//   node interop.mjs <polyglot_interop helper> <work dir>
// 1. C writes random values (seeded) as one stream plus a text listing; the
//    package decodes the stream, every value must match the listing, and its
//    encoder must reproduce the same bytes for each value.
// 2. This script draws its own random values, encodes them with the package,
//    and the C helper decodes, checks and re-encodes them.
// The package is installed once into <work dir>/npm. Without npm or network
// access the test FAILS (it must not pass without having compared anything).
// Seed: $POLYGLOT_SEED, else drawn at random; always printed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const PKG = '@loopholelabs/polyglot';
const VERSION = '2.0.5';
const COUNT = 3000;

const args = process.argv.slice(2);
if (args.length !== 2) {
  console.error('usage: node interop.mjs <polyglot_interop> <work dir>');
  process.exit(2);
}
const [helper, workdir] = args.map((a) => path.resolve(a));
fs.mkdirSync(workdir, { recursive: true });

// ---------------------------------------------------------------- package
const prefix = path.join(workdir, 'npm');
const pkgJson = path.join(prefix, 'node_modules', ...PKG.split('/'), 'package.json');
if (!fs.existsSync(pkgJson)) {
  console.log(`installing ${PKG}@${VERSION} into ${prefix}`);
  const r = spawnSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund',
    '--no-save', `${PKG}@${VERSION}`], { stdio: 'inherit' });
  if (r.error || r.status !== 0 || !fs.existsSync(pkgJson)) {
    console.error(`FAIL: cannot install ${PKG}@${VERSION} with npm ` +
      `(${r.error ? r.error.message : `exit ${r.status}`}); the interop test needs npm and ` +
      'access to the npm registry once (the package is then cached in the build tree)');
    process.exit(1);
  }
}
const require = createRequire(path.join(prefix, 'index.js'));
const { Encoder, Decoder } = require(PKG);
console.log(`using ${PKG}@${JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version}`);

// ----------------------------------------------------------------- helpers
const KIND = { nil: 0, slice: 1, map: 2, bytes: 4, string: 5, error: 6, bool: 7, u8: 8,
  u16: 9, u32: 10, u64: 11, i32: 12, i64: 13, f32: 14, f64: 15 };
const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const utf8 = new TextEncoder();
const fromUtf8 = (u8) => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(u8);

function f32FromBits(h) {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, parseInt(h, 16));
  return dv.getFloat32(0);
}
function f32Bits(v) {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v);
  return dv.getUint32(0).toString(16).padStart(8, '0');
}
function f64FromBits(h) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, BigInt(`0x${h}`));
  return dv.getFloat64(0);
}
function f64Bits(v) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return dv.getBigUint64(0).toString(16).padStart(16, '0');
}

// Decode the value a text line describes and print it back as a line.
function decodeLine(dec, line) {
  const [name, a = '', b = ''] = line.split(' ');
  switch (name) {
    case 'nil': if (!dec.null()) throw new Error('not nil'); return 'nil';
    case 'bool': return `bool ${dec.boolean() ? 1 : 0}`;
    case 'u8': return `u8 ${dec.uint8()}`;
    case 'u16': return `u16 ${dec.uint16()}`;
    case 'u32': return `u32 ${dec.uint32()}`;
    case 'u64': return `u64 ${dec.uint64()}`;
    case 'i32': return `i32 ${dec.int32()}`;
    case 'i64': return `i64 ${dec.int64()}`;
    case 'f32': return `f32 ${f32Bits(dec.float32())}`;
    case 'f64': return `f64 ${f64Bits(dec.float64())}`;
    case 'string': return `string ${hex(utf8.encode(dec.string()))}`;
    case 'bytes': return `bytes ${hex(dec.uint8Array())}`;
    case 'error': return `error ${hex(utf8.encode(dec.error().message))}`;
    case 'slice': return `slice ${a} ${dec.array(Number(a))}`;
    case 'map': return `map ${a} ${b} ${dec.map(Number(a), Number(b))}`;
    default: throw new Error(`unknown line kind '${name}'`);
  }
}

function encodeLine(enc, line) {
  const [name, a = '', b = '', c = ''] = line.split(' ');
  switch (name) {
    case 'nil': return enc.null();
    case 'bool': return enc.boolean(a === '1');
    case 'u8': return enc.uint8(Number(a));
    case 'u16': return enc.uint16(Number(a));
    case 'u32': return enc.uint32(Number(a));
    case 'u64': return enc.uint64(BigInt(a));
    case 'i32': return enc.int32(Number(a));
    case 'i64': return enc.int64(BigInt(a));
    case 'f32': return enc.float32(f32FromBits(a));
    case 'f64': return enc.float64(f64FromBits(a));
    case 'string': return enc.string(fromUtf8(unhex(a)));
    case 'bytes': return enc.uint8Array(unhex(a));
    case 'error': return enc.error(new Error(fromUtf8(unhex(a))));
    case 'slice': return enc.array(Number(b), Number(a));
    case 'map': return enc.map(Number(c), Number(a), Number(b));
    default: throw new Error(`unknown line kind '${name}'`);
  }
}

function run(args) {
  const r = spawnSync(helper, args, { encoding: 'utf8' });
  process.stdout.write(r.stdout || '');
  process.stderr.write(r.stderr || '');
  if (r.error) throw r.error;
  return r.status;
}

// ------------------------------------------------------------------ random
const seed = BigInt(process.env.POLYGLOT_SEED ?? Math.floor(Math.random() * 2 ** 48));
console.log(`seed ${seed} (set POLYGLOT_SEED=${seed} to repeat)`);
let state = Number(BigInt.asUintN(32, seed + 1n)) || 1; // mulberry32, offset from C's seed
function r32() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}
const below = (n) => r32() % n;
const r64 = () => (BigInt(r32()) << 32n) | BigInt(r32());
function randBits(bits) { // biased toward the edges, as the C side
  const mask = (1n << BigInt(bits)) - 1n;
  switch (below(5)) {
    case 0: return BigInt(below(3));
    case 1: return mask - BigInt(below(3));
    case 2: return ((1n << BigInt(below(bits))) - BigInt(below(2))) & mask;
    default: return r64() & mask;
  }
}
function randText() {
  let s = '';
  for (let n = below(41); n > 0; n -= 1) {
    const r = below(20);
    let c;
    if (r < 12) c = below(0x80);
    else if (r < 15) c = 0x80 + below(0x780);
    else if (r < 18) c = 0x800 + below(0xf800);
    else c = 0x10000 + below(0x100000);
    if ((c >= 0xd800 && c <= 0xdfff) || c === 0xfeff) c = 0x78;
    s += String.fromCodePoint(c);
  }
  return hex(utf8.encode(s));
}
function randFloat(bits) {
  if (bits === 32) {
    let b = r32();
    if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff)) b = 0x7fc00000;
    return b.toString(16).padStart(8, '0');
  }
  let b = r64();
  if ((b & 0x7ff0000000000000n) === 0x7ff0000000000000n && (b & 0xfffffffffffffn)) {
    b = 0x7ff8000000000000n;
  }
  return b.toString(16).padStart(16, '0');
}
const SCALARS = ['nil', 'bool', 'u8', 'u16', 'u32', 'u64', 'i32', 'i64', 'f32', 'f64',
  'string', 'bytes', 'error'];
function randKind(depth) {
  if (depth < 2 && below(8) === 0) return below(2) ? 'slice' : 'map';
  return SCALARS[below(SCALARS.length)];
}
function emit(out, kind, depth) {
  switch (kind) {
    case 'nil': out.push('nil'); return;
    case 'bool': out.push(`bool ${below(2)}`); return;
    case 'u8': out.push(`u8 ${below(256)}`); return;
    case 'u16': out.push(`u16 ${randBits(16)}`); return; // full range: C decodes it
    case 'u32': out.push(`u32 ${randBits(32)}`); return;
    case 'u64': out.push(`u64 ${randBits(64)}`); return;
    case 'i32': out.push(`i32 ${BigInt.asIntN(32, randBits(32))}`); return;
    case 'i64': out.push(`i64 ${BigInt.asIntN(64, randBits(64))}`); return;
    case 'f32': out.push(`f32 ${randFloat(32)}`); return;
    case 'f64': out.push(`f64 ${randFloat(64)}`); return;
    case 'string': case 'error': out.push(`${kind} ${randText()}`); return;
    case 'bytes': {
      const b = new Uint8Array(below(65)).map(() => below(256));
      out.push(`bytes ${hex(b)}`);
      return;
    }
    case 'slice': {
      const elem = randKind(depth + 1);
      const n = below(9);
      out.push(`slice ${KIND[elem]} ${n}`);
      for (let i = 0; i < n; i += 1) emit(out, elem, depth + 1);
      return;
    }
    case 'map': {
      const key = randKind(2);
      const value = randKind(depth + 1);
      const n = below(6);
      out.push(`map ${KIND[key]} ${KIND[value]} ${n}`);
      for (let i = 0; i < n; i += 1) {
        emit(out, key, depth + 1);
        emit(out, value, depth + 1);
      }
      return;
    }
    default: throw new Error(kind);
  }
}

// ------------------------------------------------------- 1: C -> TypeScript
let failures = 0;
const cBin = path.join(workdir, 'c.bin');
const cTxt = path.join(workdir, 'c.txt');
if (run(['gen', String(seed), String(COUNT), cBin, cTxt]) !== 0) {
  console.error('FAIL: the C helper could not write its stream');
  process.exit(1);
}
{
  const stream = new Uint8Array(fs.readFileSync(cBin));
  const lines = fs.readFileSync(cTxt, 'utf8').split('\n').filter((l) => l.length);
  const dec = new Decoder(stream);
  for (let i = 0; i < lines.length && failures < 10; i += 1) {
    const start = stream.length - dec.length;
    let got;
    try {
      got = decodeLine(dec, lines[i]);
    } catch (e) {
      got = `<threw ${e.constructor.name}>`;
    }
    const end = stream.length - dec.length;
    if (got !== lines[i]) {
      console.error(`c.txt:${i + 1}: TypeScript decoded '${got}', C wrote '${lines[i]}'`);
      failures += 1;
      break; // the stream position is lost after a mismatch
    }
    const enc = encodeLine(new Encoder(), lines[i]).bytes;
    if (hex(enc) !== hex(stream.subarray(start, end))) {
      console.error(`c.txt:${i + 1}: TypeScript encodes '${lines[i]}' as ${hex(enc)}, ` +
        `C as ${hex(stream.subarray(start, end))}`);
      failures += 1;
    }
  }
  if (!failures && dec.length !== 0) {
    console.error(`${dec.length} bytes of the C stream left undecoded`);
    failures += 1;
  }
  console.log(`TypeScript checked ${lines.length} values from C: ${failures ? 'FAILED' : 'ok'}`);
}

// ------------------------------------------------------- 2: TypeScript -> C
{
  const lines = [];
  for (let i = 0; i < COUNT; i += 1) emit(lines, randKind(0), 0);
  // One large buffer: the package's Encoder grows by doubling once per put,
  // which is not enough for a value larger than the buffer.
  const enc = new Encoder(new Uint8Array(1 << 24));
  for (const l of lines) encodeLine(enc, l);
  fs.writeFileSync(path.join(workdir, 'ts.bin'), enc.bytes);
  fs.writeFileSync(path.join(workdir, 'ts.txt'), `${lines.join('\n')}\n`);
  console.log(`TypeScript wrote ${lines.length} values (${enc.bytes.length} bytes)`);
  if (run(['check', path.join(workdir, 'ts.bin'), path.join(workdir, 'ts.txt')]) !== 0) {
    failures += 1;
  }
}

if (failures) {
  console.error(`FAIL: polyglot interop (seed ${seed})`);
  process.exit(1);
}
console.log('polyglot interop: ok');
