#!/usr/bin/env node
// Latency of one ONNX model in ONNX Runtime (onnxruntime-node, CPU EP), the peer that
// tools/bench_fp32.sh compares `qcc run` with. Outside CI: needs
// `cd tools/ort && npm install --ignore-scripts`.
//
// usage: node tools/ort/bench.js MODEL.onnx --input NAME=FILE.npy [--iters N] [--warmup W]
//            [--threads T] [--opt disabled|basic|extended|all]
//
// The session is what a user who wants speed gets: graph optimizations 'all' (ORT folds
// BatchNorm into Conv, fuses activations, and on x86 rewrites convolutions to its NCHWc
// layout), `--threads` intra-op threads (default 1), one inter-op thread, sequential
// execution. W runs warm it up (default 10; a process that starts on an idle core runs slow
// for a while), then each of N runs (default 50) is timed alone with process.hrtime.
// Prints one JSON line: {"model", "threads", "iters", "median_ms", "min_ms", "mean_ms", ...}.
//
// Inputs: float32 or int64 C-order .npy files (format 1.0/2.0/3.0, '<f4' or '<i8'); every model
// input needs one.
'use strict';
const fs = require('fs');
const path = require('path');

function die(msg) {
  process.stderr.write(`bench.js: ${msg}\n`);
  process.exit(2);
}

let ort;
try {
  ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  die(`onnxruntime-node is not installed (cd ${__dirname} && npm install --ignore-scripts): ${e.message}`);
}

// A float32 or int64 .npy file -> { type, dims, data: Float32Array | BigInt64Array }.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') die(`${file}: not a .npy file`);
  const major = buf[6];
  let hlen, start;
  if (major === 1) {
    hlen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    hlen = buf.readUInt32LE(8);
    start = 12;
  } else {
    die(`${file}: .npy format version ${major} is not supported`);
  }
  const header = buf.toString('latin1', start, start + hlen);
  const descr = header.match(/'descr':\s*'([^']+)'/);
  const order = header.match(/'fortran_order':\s*(\w+)/);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/);
  if (!descr || !order || !shape) die(`${file}: unreadable .npy header`);
  if (descr[1] !== '<f4' && descr[1] !== '<i8') die(`${file}: dtype ${descr[1]}, only float32 ('<f4') and int64 ('<i8') are supported`);
  const wide = descr[1] === '<i8';
  if (order[1] !== 'False') die(`${file}: Fortran order is not supported`);
  const dims = shape[1].split(',').map((t) => t.trim()).filter((t) => t !== '').map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  const es = wide ? 8 : 4;
  if (buf.length - off !== count * es) die(`${file}: ${buf.length - off} data bytes for shape [${dims}]`);
  // copy: the file's data need not be aligned
  const data = wide ? new BigInt64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = wide ? buf.readBigInt64LE(off + 8 * i) : buf.readFloatLE(off + 4 * i);
  return { type: wide ? 'int64' : 'float32', dims, data };
}

function parseArgs(argv) {
  const a = { model: null, inputs: {}, iters: 50, warmup: 10, threads: 1, opt: 'all' };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : die(`${s} needs a value`));
    if (s === '--input') {
      const v = next(), eq = v.indexOf('=');
      if (eq <= 0) die(`--input wants NAME=FILE.npy, got '${v}'`);
      a.inputs[v.slice(0, eq)] = v.slice(eq + 1);
    } else if (s === '--iters') a.iters = parseInt(next(), 10);
    else if (s === '--warmup') a.warmup = parseInt(next(), 10);
    else if (s === '--threads') a.threads = parseInt(next(), 10);
    else if (s === '--opt') a.opt = next();
    else if (s === '-h' || s === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 16).join('\n') + '\n');
      process.exit(0);
    } else if (s.startsWith('-')) die(`unknown option ${s}`);
    else if (!a.model) a.model = s;
    else die(`unexpected argument ${s}`);
  }
  if (!a.model) die('no model given');
  if (!(a.iters >= 1) || !(a.warmup >= 0) || !(a.threads >= 1)) die('--iters >= 1, --warmup >= 0, --threads >= 1');
  if (!['disabled', 'basic', 'extended', 'all'].includes(a.opt)) die(`--opt ${a.opt}?`);
  return a;
}

(async () => {
  const a = parseArgs(process.argv.slice(2));
  const sess = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: a.opt,
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds = {};
  for (const name of sess.inputNames) {
    if (!(name in a.inputs)) die(`model input '${name}' needs --input ${name}=FILE.npy`);
    const t = readNpy(a.inputs[name]);
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  }
  for (let i = 0; i < a.warmup; i++) await sess.run(feeds);
  const ms = [];
  for (let i = 0; i < a.iters; i++) {
    const t0 = process.hrtime.bigint();
    await sess.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const sorted = [...ms].sort((x, y) => x - y);
  const n = sorted.length;
  const median = n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const mean = ms.reduce((x, y) => x + y, 0) / n;
  console.log(JSON.stringify({
    model: a.model, engine: `onnxruntime-node ${require(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json')).version}`,
    threads: a.threads, opt: a.opt, iters: n, median_ms: +median.toFixed(3), min_ms: +sorted[0].toFixed(3),
    mean_ms: +mean.toFixed(3),
  }));
})().catch((e) => die(e.message || String(e)));
