// Run a wasm32-wasi command under Node's V8 through node:wasi, the benchmark's reference engine.
// Usage: node bench/node_wasi.mjs MODULE.wasm [ARGS...]
// Prints what the guest prints and exits with the guest's exit code. node:wasi is experimental;
// its warning is dropped so that stderr stays clean for the runner.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : String(warning && warning.message);
  if (/WASI/.test(text)) return;
  return emitWarning.call(process, warning, ...rest);
};

const { readFile } = await import('node:fs/promises');
const { WASI } = await import('node:wasi');

const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node_wasi.mjs MODULE.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
