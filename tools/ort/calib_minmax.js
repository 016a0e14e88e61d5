#!/usr/bin/env node
// MinMax calibration in ONNX Runtime (onnxruntime-node, CPU EP): the calibration step of
// tools/ort_qdq.py, which makes the QDQ model qcc is compared with (docs/quantization.md).
//
// usage: node tools/ort/calib_minmax.js CALIB.onnx SAMPLES.npy RANGES.json [--batch N] [--opt LEVEL]
//
// CALIB.onnx is a model whose float intermediate tensors are all graph outputs
// (`tools/ort_qdq.py prep`). SAMPLES.npy holds the calibration inputs of its only input,
// stacked on axis 0. The model runs on them N at a time (default 1) and RANGES.json gets
// {tensor: [min, max]} for the graph input and every float output: the running minimum and
// maximum over all runs, which is ONNX Runtime's default calibration
// (onnxruntime.quantization CalibrationMethod.MinMax, moving_average off). NaN values are
// skipped. Session: graphOptimizationLevel 'disabled' by default, so every tensor is the one
// the model names (an optimized graph may fuse some away).
'use strict';
const fs = require('fs');
const { readNpy } = require('./reference.js');

function usage() {
  return 'usage: node tools/ort/calib_minmax.js CALIB.onnx SAMPLES.npy RANGES.json [--batch N] [--opt LEVEL]\n';
}

async function main() {
  const pos = [];
  let batch = 1, opt = 'disabled';
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-h' || argv[i] === '--help') { process.stdout.write(usage()); return; }
    if (argv[i] === '--batch' && i + 1 < argv.length) batch = Number(argv[++i]);
    else if (argv[i] === '--opt' && i + 1 < argv.length) opt = argv[++i];
    else if (argv[i].startsWith('-')) throw new Error(`unknown option ${argv[i]}\n${usage()}`);
    else pos.push(argv[i]);
  }
  if (pos.length !== 3 || !Number.isInteger(batch) || batch < 1) throw new Error(usage());
  const [model, samplesPath, outPath] = pos;
  let ort;
  try { ort = require('onnxruntime-node'); } catch (e) {
    throw new Error(`cannot load onnxruntime-node (${e.message.split('\n')[0]}); run: cd ${__dirname} && npm install --ignore-scripts`);
  }
  const sess = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'], graphOptimizationLevel: opt, intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  if (sess.inputNames.length !== 1) throw new Error(`${model}: expected one input, got ${sess.inputNames.join(', ')}`);
  const x = readNpy(samplesPath);
  if (x.type !== 'float32') throw new Error(`${samplesPath}: expected float32, got ${x.type}`);
  const n = x.shape[0], per = x.data.length / n;
  const R = {};
  const update = (name, d) => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo > hi) return; // empty or all NaN
    const p = R[name];
    R[name] = p ? [Math.min(p[0], lo), Math.max(p[1], hi)] : [lo, hi];
  };
  const input = sess.inputNames[0];
  const t0 = Date.now();
  for (let b = 0; b < n; b += batch) {
    const m = Math.min(batch, n - b);
    const data = x.data.subarray(b * per, (b + m) * per);
    const out = await sess.run({ [input]: new ort.Tensor('float32', data, [m, ...x.shape.slice(1)]) });
    update(input, data);
    for (const name of sess.outputNames) if (out[name].type === 'float32') update(name, out[name].data);
  }
  fs.writeFileSync(outPath, JSON.stringify(R, null, 0));
  console.log(`calib_minmax: ${Object.keys(R).length} tensors over ${n} samples (batch ${batch}, ` +
    `ORT ${ort.env.versions.node}, ${((Date.now() - t0) / 1e3).toFixed(1)} s) -> ${outPath}`);
}

main().catch((e) => {
  process.stderr.write(`calib_minmax.js: error: ${e.message || e}\n`);
  process.exit(1);
});
