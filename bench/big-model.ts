/**
 * A model over the 2 GB protobuf limit: four 600 MB float32 weights (2.4 GB) in a MatMul chain,
 * filled with a cheap position-dependent pattern. Saves it (external data is automatic over 2 GB),
 * reloads it, checks the bytes at sampled positions (including the last tensor, which sits past
 * offset 2^31 in the data file), runs it in onnxruntime from the saved files and compares with a
 * plain-TS reference, and times each step. Cleans up its temp files.
 *
 * Needs ~6 GB free RAM and ~3 GB free disk in the temp dir; CI does not run it.
 * Run: npx tsx bench/big-model.ts [--no-ort]  → bench/results/big-model.json
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { createModel, Tensor, tensorType, type Model } from '../src/ir/index.js';
import { loadModel, needsExternalData, PROTOBUF_LIMIT, saveModel, serializeModel } from '../src/onnx/index.js';
import { benchTempDir, environment, fillPattern, fmtMB, freeDiskBytes, freeMemBytes, patternValue, timeOnce, writeResults } from './io-util.js';

const GB = 1e9;
/** [rows, cols] of each weight: 10000x15000 float32 = 600 MB; shapes alternate so they chain. */
const SHAPES: [number, number][] = [[10_000, 15_000], [15_000, 10_000], [10_000, 15_000], [15_000, 10_000]];
const scaleOf = (rows: number) => 1 / Math.sqrt(rows);
const SAMPLES_PER_TENSOR = 2000;
const RUN_ORT = !process.argv.includes('--no-ort');

const totalBytes = SHAPES.reduce((n, [r, c]) => n + r * c * 4, 0);
const needDisk = totalBytes + 0.5 * GB;
const needMem = 2 * totalBytes + 1 * GB;
const disk = freeDiskBytes(tmpdir());
const mem = freeMemBytes();
console.log(`free disk in ${tmpdir()}: ${(disk / GB).toFixed(1)} GB (need ${(needDisk / GB).toFixed(1)}), free memory ${(mem / GB).toFixed(1)} GB (need ${(needMem / GB).toFixed(1)})`);
if (disk < needDisk || mem < needMem) {
  console.error('Not enough disk or memory for the big-model benchmark; skipped.');
  process.exit(2);
}

function buildModel(): Model {
  const model = createModel(17, 'big');
  const g = model.graph;
  let h = g.addInput('x', tensorType('float32', [1, SHAPES[0]![0]]));
  SHAPES.forEach(([rows, cols], k) => {
    const w = g.addInitializer(Tensor.fromArray(`w${k}`, 'float32', [rows, cols], fillPattern(k, rows * cols, scaleOf(rows))));
    h = g.addNode({ opType: 'MatMul', name: `mm${k}`, inputs: [h, w], outputs: [`h${k}`] }).output();
  });
  h.type = tensorType('float32', [1, SHAPES[SHAPES.length - 1]![1]]);
  g.addOutput(h);
  return model;
}

/** Deterministic sample of element indices: ends, powers of two, and a stride through the tensor. */
function samplePositions(count: number): number[] {
  const out = new Set<number>([0, 1, count - 2, count - 1]);
  for (let p = 1; p < count; p *= 2) out.add(p);
  const stride = Math.floor(count / SAMPLES_PER_TENSOR) + 7;
  for (let i = 3; i < count && out.size < SAMPLES_PER_TENSOR; i += stride) out.add(i);
  return [...out].sort((a, b) => a - b);
}

function input(): Float32Array {
  return fillPattern(99, SHAPES[0]![0], 1);
}

/** y = x W0 W1 W2 W3 with float64 accumulation, from the fill function (not from any saved bytes). */
function referenceOutput(): Float64Array {
  let h = Float64Array.from(input());
  SHAPES.forEach(([rows, cols], k) => {
    const w = fillPattern(k, rows * cols, scaleOf(rows));
    const next = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const x = h[r]!;
      const base = r * cols;
      for (let c = 0; c < cols; c++) next[c]! += x * w[base + c]!;
    }
    h = next;
  });
  return h;
}

/** Builds and saves the model; the 2.4 GB in memory become garbage when this returns. */
async function buildAndSave(path: string) {
  const [model, buildMs] = await timeOnce(buildModel);
  console.log(`built ${SHAPES.length} weights, ${fmtMB(totalBytes)} in ${buildMs} ms`);
  if (!needsExternalData(model) || serializeModel(model) !== undefined) throw new Error('a model over 2 GB must need external data');
  const [, saveMs] = await timeOnce(() => saveModel(model, path));
  const onnxBytes = statSync(path).size;
  const dataBytes = statSync(`${path}.data`).size;
  console.log(`saveModel: ${saveMs} ms → ${onnxBytes} B .onnx + ${fmtMB(dataBytes)} .data`);
  if (dataBytes < totalBytes || onnxBytes > 64 * 1024) throw new Error('unexpected file sizes');
  return { buildMs, saveMs, onnxBytes, dataBytes };
}

/** Reloads lazily and checks sampled bytes, in the data file directly and through the tensors. */
async function reloadAndCheck(path: string) {
  const [reloaded, loadMs] = await timeOnce(() => loadModel(path));
  const tensors = reloaded.graph.initializers.map((v) => v.initializer!);
  if (tensors.some((t) => t.isLoaded)) throw new Error('external tensors should load lazily');
  console.log(`loadModel (lazy): ${loadMs} ms; data offsets ${tensors.map((t) => t.external!.offset).join(', ')}`);
  const last = tensors[tensors.length - 1]!;
  if (last.external!.offset + last.byteLength <= PROTOBUF_LIMIT) throw new Error('the last tensor should reach past 2 GiB in the data file');

  let checked = 0;
  const [, fileCheckMs] = await timeOnce(() => {
    const fd = openSync(`${path}.data`, 'r');
    const four = Buffer.alloc(4);
    try {
      tensors.forEach((t, k) => {
        for (const i of samplePositions(t.elementCount)) {
          readSync(fd, four, 0, 4, t.external!.offset + i * 4);
          if (four.readFloatLE(0) !== patternValue(k, i, scaleOf(t.dims[0]!))) throw new Error(`data file: ${t.name}[${i}] is wrong`);
          checked++;
        }
      });
    } finally {
      closeSync(fd);
    }
  });
  const [, tensorCheckMs] = await timeOnce(() => {
    tensors.forEach((t, k) => {
      const values = t.toArray() as Float32Array;
      if (values.length !== t.elementCount) throw new Error(`${t.name}: ${values.length} elements`);
      for (const i of samplePositions(t.elementCount)) {
        if (values[i] !== patternValue(k, i, scaleOf(t.dims[0]!))) throw new Error(`${t.name}[${i}] is ${values[i]}`);
      }
    });
  });
  console.log(`checked ${checked} positions in the .data file (${fileCheckMs} ms) and via Tensor.toArray after a lazy load of all ${fmtMB(totalBytes)} (${tensorCheckMs} ms)`);
  return { loadMs, checked, fileCheckMs, tensorCheckMs };
}

/** onnxruntime reads the saved .onnx + .data itself; its output is compared with referenceOutput(). */
async function runInOrt(path: string): Promise<Record<string, unknown>> {
  const [session, ortLoadMs] = await timeOnce(() => ort.InferenceSession.create(path, { graphOptimizationLevel: 'disabled' }));
  const x = input();
  const [outputs, ortRunMs] = await timeOnce(() => session.run({ x: new ort.Tensor('float32', x, [1, x.length]) }));
  const y = outputs['h3']!.data as Float32Array;
  await session.release();
  const [ref, refMs] = await timeOnce(referenceOutput);
  let norm = 0;
  let maxRel = 0;
  for (let i = 0; i < ref.length; i++) norm = Math.max(norm, Math.abs(ref[i]!));
  for (let i = 0; i < ref.length; i++) maxRel = Math.max(maxRel, Math.abs(y[i]! - ref[i]!) / norm);
  console.log(`onnxruntime from the saved files: session ${ortLoadMs} ms, run ${ortRunMs} ms; max |y - ref| / max|ref| = ${maxRel.toExponential(2)} (ref in ${refMs} ms, max|ref| ${norm.toFixed(3)})`);
  if (!(maxRel < 1e-4) || !(norm > 0)) throw new Error('onnxruntime output differs from the reference');
  return { sessionCreateMs: ortLoadMs, runMs: ortRunMs, maxRelativeError: maxRel, maxAbsReference: norm };
}

const { dir, cleanup } = benchTempDir('mixq-bench-big-');
try {
  const path = join(dir, 'big.onnx');
  const saved = await buildAndSave(path);
  const loaded = await reloadAndCheck(path);
  const ortResult = RUN_ORT ? await runInOrt(path) : { skipped: true };
  const out = writeResults('big-model.json', {
    ...environment(),
    model: { weights: SHAPES, tensorBytes: totalBytes, onnxFileBytes: saved.onnxBytes, dataFileBytes: saved.dataBytes },
    buildMs: saved.buildMs,
    saveModelMs: saved.saveMs,
    saveMBps: Math.round(totalBytes / 1e6 / (saved.saveMs / 1000)),
    loadModelLazyMs: loaded.loadMs,
    sampledPositions: loaded.checked,
    dataFileSpotCheckMs: loaded.fileCheckMs,
    loadAllTensorsAndCheckMs: loaded.tensorCheckMs,
    loadMBps: Math.round(totalBytes / 1e6 / (loaded.tensorCheckMs / 1000)),
    onnxruntime: ortResult,
  });
  console.log(`written ${out}`);
} finally {
  cleanup();
}
