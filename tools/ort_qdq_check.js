#!/usr/bin/env node
// ONNX Runtime over a batch of samples for tools/ort_qdq_check.py: one session, one run per
// sample. The model has a fixed batch of 1 (qcc exports static shapes); each input file holds
// N samples stacked along a new first dim ([N, 1, 28, 28] for a [1, 1, 28, 28] input, or
// [N, 28, 28] without the model's leading 1: both are accepted). Outputs are written stacked the
// same way, DIR/<output>.npy with shape [N, ...output dims], names sanitized as reference.js does.
//
// usage: node tools/ort_qdq_check.js MODEL.onnx NAME=BATCH.npy ... --output-dir DIR
//            [--opt disabled|basic|extended|all] [-q]
// Session as tools/ort/reference.js: CPU EP, 1 intra-op and 1 inter-op thread, sequential.
// Outside CI: needs `cd tools/ort && npm install --ignore-scripts`.
'use strict';
const fs = require('fs');
const path = require('path');
const { readNpy, writeNpy, sanitize } = require('./ort/reference.js');

function fail(msg) {
  process.stderr.write(`ort_qdq_check.js: error: ${msg}\n`);
  process.exit(1);
}

async function main() {
  const argv = process.argv.slice(2);
  let model = null, outDir = null, opt = 'disabled', quiet = false;
  const specs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--output-dir') outDir = argv[++i];
    else if (a.startsWith('--output-dir=')) outDir = a.slice(13);
    else if (a === '--opt') opt = argv[++i];
    else if (a.startsWith('--opt=')) opt = a.slice(6);
    else if (a === '-q') quiet = true;
    else if (a.startsWith('-')) fail(`unknown option '${a}'`);
    else if (!model) model = a;
    else specs.push(a);
  }
  if (!model || !outDir || !specs.length) fail('usage: node tools/ort_qdq_check.js MODEL.onnx NAME=BATCH.npy ... --output-dir DIR [--opt L] [-q]');
  if (!['disabled', 'basic', 'extended', 'all'].includes(opt)) fail(`--opt: '${opt}' is not disabled|basic|extended|all`);
  let ort;
  try { ort = require(path.join(__dirname, 'ort', 'node_modules', 'onnxruntime-node')); } catch (e) {
    fail(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); run: cd ${path.join(__dirname, 'ort')} && npm install --ignore-scripts`);
  }
  const sess = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: opt,
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const meta = {};
  for (const m of sess.inputMetadata || []) meta[m.name] = m;
  const inputs = [];
  let n = -1;
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) fail(`input '${spec}': expected NAME=BATCH.npy`);
    const name = spec.slice(0, eq), t = readNpy(spec.slice(eq + 1));
    const m = meta[name];
    if (!m) fail(`input '${name}': the model's inputs are ${sess.inputNames.join(', ')}`);
    const dims = m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const per = dims.reduce((p, d) => p * d, 1);
    const count = t.shape[0];
    if (t.data.length !== count * per || t.type !== m.type)
      fail(`input '${name}': ${spec.slice(eq + 1)} holds ${t.type} [${t.shape.join(', ')}], not N samples of ${m.type} [${dims.join(', ')}]`);
    if (n >= 0 && count !== n) fail('every input file must hold the same number of samples');
    n = count;
    inputs.push({ name, t, dims, per });
  }
  const missing = sess.inputNames.filter((nm) => !inputs.some((x) => x.name === nm));
  if (missing.length) fail(`missing input(s): ${missing.join(', ')}`);
  const outs = {};
  for (let k = 0; k < n; k++) {
    const feeds = {};
    for (const x of inputs) feeds[x.name] = new ort.Tensor(x.t.type, x.t.data.slice(k * x.per, (k + 1) * x.per), x.dims);
    const r = await sess.run(feeds);
    for (const name of sess.outputNames) {
      const t = r[name];
      if (!outs[name]) outs[name] = { type: t.type, dims: t.dims, parts: [] };
      outs[name].parts.push(t.data);
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
  sess.outputNames.forEach((name, i) => {
    const o = outs[name];
    const per = o.parts[0].length;
    const all = new o.parts[0].constructor(per * n);
    o.parts.forEach((p, k) => all.set(p, k * per));
    const file = path.join(outDir, `${sanitize(name, i)}.npy`);
    writeNpy(file, o.type, [n, ...o.dims], all);
    if (!quiet) console.log(`wrote ${file}: ${o.type} [${[n, ...o.dims].join(', ')}] (ORT ${ort.env.versions.node}, ${opt})`);
  });
}

main().catch((e) => fail(e.stack || String(e)));
