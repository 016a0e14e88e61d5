#!/usr/bin/env node
// Run an ONNX model in ONNX Runtime (onnxruntime-node, CPU EP) on .npy inputs and write
// one .npy per output: the reference qcc's executor is compared with (tools/ort_check.sh,
// tools/ort/make_references.sh). Outside CI: needs `cd tools/ort && npm install --ignore-scripts`.
//
// usage: node tools/ort/reference.js MODEL.onnx [--input] NAME=FILE.npy ... --output-dir DIR
//            [--opt disabled|basic|extended|all] [--threads N] [-q]
//
// Every graph input needs a NAME=FILE.npy; the dtype must be the one the model declares and
// the shape must fit its dims (symbolic dims take the file's value). Outputs are written as
// DIR/NAME.npy, NAME sanitized the way `qcc run --output-dir` does it (characters outside
// [A-Za-z0-9._-] become '_'; an empty name becomes output_<i>; a clash gets _<i>), so the two
// folders compare file by file with test/Executor/compare_npy.py.
//
// Session: CPU EP, 1 intra-op and 1 inter-op thread, sequential execution (deterministic), and
// by default graphOptimizationLevel 'disabled': ORT then runs the graph as written, node by
// node, with its CPU kernels. With 'all' ORT first rewrites the graph (constant folding,
// Conv+BatchNorm folding into the weights, MatMul+Add -> Gemm, LayerNorm/GELU/attention
// fusions), which computes a mathematically equal but differently rounded expression; for a
// reference of the model as written 'disabled' is the honest choice. `--opt all` is there to
// see how much that rewriting moves the outputs.
//
// .npy support (both directions): format versions 1.0, 2.0, 3.0; little-endian or
// byte-order-free descr; C order only; dtypes float32 (<f4), float64 (<f8), int64 (<i8),
// int32 (<i4), uint8 (|u1), int8 (|i1), bool (|b1).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

// ------------------------------------------------------------------ .npy
const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

// descr (without the byte-order character) -> ORT tensor type and typed array
const DTYPES = {
  f4: { ort: 'float32', Array: Float32Array },
  f8: { ort: 'float64', Array: Float64Array },
  i8: { ort: 'int64', Array: BigInt64Array },
  i4: { ort: 'int32', Array: Int32Array },
  u1: { ort: 'uint8', Array: Uint8Array },
  i1: { ort: 'int8', Array: Int8Array },
  b1: { ort: 'bool', Array: Uint8Array },
};
const DESCR_OF = { float32: '<f4', float64: '<f8', int64: '<i8', int32: '<i4', uint8: '|u1', int8: '|i1', bool: '|b1' };

function fail(msg) {
  const e = new Error(msg);
  e.userError = true;
  throw e;
}

// Parse the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (16, 1, 28, 28), }
function parseHeader(text, file) {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) fail(`${file}: cannot parse the .npy header ${JSON.stringify(text.trim())}`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length);
  for (const d of dims) if (!/^\d+$/.test(d)) fail(`${file}: bad dim '${d}' in the .npy header`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims.map(Number) };
}

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) fail(`${file}: not a .npy file (bad magic)`);
  const major = buf[6];
  let hlen, hstart;
  if (major === 1) { hlen = buf.readUInt16LE(8); hstart = 10; }
  else if (major === 2 || major === 3) {
    if (buf.length < 12) fail(`${file}: truncated .npy header`);
    hlen = buf.readUInt32LE(8); hstart = 12;
  } else fail(`${file}: unsupported .npy format version ${major}.${buf[7]}`);
  if (hstart + hlen > buf.length) fail(`${file}: truncated .npy header`);
  const h = parseHeader(buf.toString(major === 3 ? 'utf8' : 'latin1', hstart, hstart + hlen), file);
  const order = h.descr[0], code = h.descr.slice(1);
  const dt = DTYPES[code];
  if (!dt || !'<|='.includes(order) || (order === '|' && dt.Array.BYTES_PER_ELEMENT > 1))
    fail(`${file}: unsupported dtype '${h.descr}' (supported: ${Object.values(DESCR_OF).join(' ')}, little-endian)`);
  if (order === '=' && os.endianness() !== 'LE') fail(`${file}: native byte order is not little-endian`);
  if (h.fortran) fail(`${file}: fortran_order arrays are not supported (save it C-ordered)`);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen, nbytes = count * dt.Array.BYTES_PER_ELEMENT;
  if (buf.length - off !== nbytes)
    fail(`${file}: ${buf.length - off} data bytes, expected ${nbytes} for ${h.descr} [${h.shape.join(', ')}]`);
  // copy into a fresh ArrayBuffer: the data offset need not be aligned for the typed array
  const data = new dt.Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + nbytes));
  if (code === 'b1') for (const v of data) if (v > 1) fail(`${file}: bool array holds byte value ${v}`);
  return { type: dt.ort, shape: h.shape, data };
}

function writeNpy(file, type, shape, data) {
  const descr = DESCR_OF[type];
  if (!descr) fail(`cannot write ${file}: ORT output type '${type}' has no .npy writer here`);
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  // pad with spaces so magic + version + length + header (ending in '\n') is a multiple of 64
  let major = 1, pre = 10;
  if (Math.ceil((pre + dict.length + 1) / 64) * 64 - pre > 65535) { major = 2; pre = 12; }
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const head = Buffer.alloc(pre);
  MAGIC.copy(head, 0);
  head[6] = major; head[7] = 0;
  if (major === 1) head.writeUInt16LE(dict.length, 8); else head.writeUInt32LE(dict.length, 8);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(dict, 'latin1'), bytes]));
}

// The same rule as sanitize() in tools/qcc_run.c.
function sanitize(name, index) {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? `output_${index}` : s;
}

// ------------------------------------------------------------------ main
function usage() {
  return 'usage: node tools/ort/reference.js MODEL.onnx [--input] NAME=FILE.npy ... --output-dir DIR\n' +
    '           [--opt disabled|basic|extended|all] [--threads N] [-q]\n' +
    '  Runs MODEL in ONNX Runtime (CPU EP, sequential) and writes DIR/OUTPUT.npy per output.\n' +
    '  --opt      graphOptimizationLevel (default disabled: the graph as written)\n' +
    '  --threads  intra-op threads (default 1)\n' +
    '  -q         print only errors\n';
}

function parseArgs(argv) {
  const a = { model: null, inputs: [], outDir: null, opt: 'disabled', threads: 1, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i], val = null;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) { val = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const next = () => {
      if (val !== null) return val;
      if (i + 1 >= argv.length) fail(`${arg} needs a value\n${usage()}`);
      return argv[++i];
    };
    if (arg === '-h' || arg === '--help') { process.stdout.write(usage()); process.exit(0); }
    else if (arg === '--input') a.inputs.push(next());
    else if (arg === '--output-dir') a.outDir = next();
    else if (arg === '--opt') a.opt = next();
    else if (arg === '--threads') a.threads = Number(next());
    else if (arg === '-q') a.quiet = true;
    else if (arg.startsWith('-')) fail(`unknown option '${arg}'\n${usage()}`);
    else if (!a.model) a.model = arg;
    else a.inputs.push(arg);
  }
  if (!a.model) fail(`no model given\n${usage()}`);
  if (!a.outDir) fail(`--output-dir is required\n${usage()}`);
  if (!['disabled', 'basic', 'extended', 'all'].includes(a.opt)) fail(`--opt: '${a.opt}' is not disabled|basic|extended|all`);
  if (!Number.isInteger(a.threads) || a.threads < 1) fail('--threads needs a positive integer');
  return a;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  if (os.endianness() !== 'LE') fail('this .npy reader/writer assumes a little-endian host');
  let ort;
  try { ort = require('onnxruntime-node'); } catch (e) {
    fail(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); run: cd ${__dirname} && npm install --ignore-scripts`);
  }
  const sess = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'], graphOptimizationLevel: a.opt,
    intraOpNumThreads: a.threads, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const meta = {};
  for (const m of sess.inputMetadata || []) meta[m.name] = m;

  const feeds = {};
  for (const spec of a.inputs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`input '${spec}': expected NAME=FILE.npy`);
    const name = spec.slice(0, eq), file = spec.slice(eq + 1);
    if (!sess.inputNames.includes(name)) fail(`input '${name}': the model's inputs are ${sess.inputNames.join(', ')}`);
    const t = readNpy(file);
    const m = meta[name];
    if (m && m.isTensor) {
      const fits = m.shape.length === t.shape.length && m.shape.every((d, k) => typeof d !== 'number' || d < 0 || d === t.shape[k]);
      if (m.type !== t.type || !fits)
        fail(`input '${name}': the model wants ${m.type} [${m.shape.join(', ')}], ${file} holds ${t.type} [${t.shape.join(', ')}]`);
    }
    feeds[name] = new ort.Tensor(t.type, t.data, t.shape);
  }
  const missing = sess.inputNames.filter((n) => !(n in feeds));
  if (missing.length) fail(`missing input(s): ${missing.map((n) => `${n}=FILE.npy`).join(' ')}`);

  const t0 = process.hrtime.bigint();
  const out = await sess.run(feeds);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;

  fs.mkdirSync(a.outDir, { recursive: true });
  const used = [];
  sess.outputNames.forEach((name, i) => {
    const t = out[name];
    let base = sanitize(name, i);
    if (used.includes(base)) base += `_${i}`;
    used.push(sanitize(name, i));
    const file = path.join(a.outDir, `${base}.npy`);
    writeNpy(file, t.type, t.dims, t.data);
    if (!a.quiet) {
      let lo = Infinity, hi = -Infinity;
      for (const v of t.data) { const x = Number(v); if (x < lo) lo = x; if (x > hi) hi = x; }
      console.log(`wrote ${file}: ${t.type} [${t.dims.join(', ')}] min ${lo} max ${hi}`);
    }
  });
  if (!a.quiet) console.log(`ort ${ort.env.versions.node} (CPU EP, graphOptimizationLevel ${a.opt}, ${a.threads} thread): run ${ms.toFixed(3)} ms`);
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`reference.js: error: ${e.userError ? e.message : (e.stack || e)}\n`);
    process.exit(1);
  });
}
module.exports = { readNpy, writeNpy, sanitize };
