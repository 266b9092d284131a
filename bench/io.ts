/**
 * Model I/O speed: builds a ~100 MB model in code (a chain of 6 MatMul+Add+Relu layers with
 * 2048x2048 float32 weights, deterministic), then times serializeModel, saveModel, loadModel and
 * the external-data variants over several runs (min / median).
 * Run: npx tsx bench/io.ts [--runs N]  → bench/results/io.json
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, Tensor, tensorType, type Model } from '../src/ir/index.js';
import { loadModel, loadModelFromBytes, saveModel, serializeModel } from '../src/onnx/index.js';
import { benchTempDir, environment, fillPattern, fmtMB, MB, time, writeResults, type Timing } from './io-util.js';

const LAYERS = 6;
const WIDTH = 2048;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 7;

function buildModel(): Model {
  const model = createModel(17, 'io_bench');
  const g = model.graph;
  let h = g.addInput('x', tensorType('float32', ['N', WIDTH]));
  for (let k = 0; k < LAYERS; k++) {
    const w = g.addInitializer(Tensor.fromArray(`layer${k}.weight`, 'float32', [WIDTH, WIDTH], fillPattern(k, WIDTH * WIDTH, 1 / Math.sqrt(WIDTH))));
    const b = g.addInitializer(Tensor.fromArray(`layer${k}.bias`, 'float32', [WIDTH], fillPattern(100 + k, WIDTH, 0.01)));
    const mm = g.addNode({ opType: 'MatMul', name: `layer${k}/MatMul`, inputs: [h, w], outputs: [`layer${k}/mm`] }).output();
    const add = g.addNode({ opType: 'Add', name: `layer${k}/Add`, inputs: [mm, b], outputs: [`layer${k}/add`] }).output();
    h = g.addNode({ opType: 'Relu', name: `layer${k}/Relu`, inputs: [add], outputs: [`layer${k}/out`] }).output();
  }
  h.type = tensorType('float32', ['N', WIDTH]);
  g.addOutput(h);
  return model;
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Reads every tensor's bytes (forces lazy external data in). Returns the total. */
function touchAll(model: Model): number {
  let n = 0;
  for (const v of model.graph.initializers) n += v.initializer!.bytes().byteLength;
  return n;
}

const { dir, cleanup } = benchTempDir('mixq-bench-io-');
try {
  const t0 = performance.now();
  const model = buildModel();
  const buildMs = Math.round(performance.now() - t0);
  const bytes = serializeModel(model)!;
  const size = bytes.byteLength;
  if (size < 80 * MB) throw new Error(`benchmark model is only ${fmtMB(size)}`);
  const inline = join(dir, 'model.onnx');
  const external = join(dir, 'external.onnx');
  await saveModel(model, inline);
  await saveModel(model, external, { externalData: true });

  // Correctness first: what we load is what we saved.
  const reloaded = await loadModel(inline);
  if (sha(serializeModel(reloaded)!) !== sha(bytes)) throw new Error('inline round trip changed the bytes');
  const lazy = await loadModel(external);
  if (sha(serializeModel(lazy)!) !== sha(bytes)) throw new Error('external-data round trip changed the bytes');

  const results: Record<string, Timing & { MBps?: number }> = {};
  /** `movesBytes`: the step touches every weight byte, so a throughput figure means something. */
  const measure = async (name: string, fn: () => unknown, movesBytes = true) => {
    const t = await time(RUNS, fn);
    const MBps = Math.round(size / MB / (t.medianMs / 1000));
    results[name] = movesBytes ? { ...t, MBps } : t;
    console.log(`${name.padEnd(46)} min ${t.minMs.toFixed(1).padStart(8)} ms   median ${t.medianMs.toFixed(1).padStart(8)} ms${movesBytes ? `   ${MBps} MB/s` : ''}`);
  };

  console.log(`model: ${LAYERS} layers of ${WIDTH}x${WIDTH} float32, ${fmtMB(size)} serialized (built in ${buildMs} ms); ${RUNS} runs each\n`);
  await measure('serializeModel (to bytes)', () => serializeModel(model));
  await measure('loadModelFromBytes (tensors are views)', () => loadModelFromBytes(bytes), false);
  await measure('saveModel (one file)', () => saveModel(model, inline));
  await measure('loadModel (one file)', () => loadModel(inline));
  await measure('loadModel + serializeModel (round trip)', async () => serializeModel(await loadModel(inline)));
  await measure('saveModel (external data)', () => saveModel(model, external, { externalData: true }));
  await measure('loadModel (external data, lazy)', () => loadModel(external), false);
  await measure('loadModel (external data) + read all tensors', async () => touchAll(await loadModel(external)));

  const out = writeResults('io.json', {
    ...environment(),
    model: { layers: LAYERS, width: WIDTH, serializedBytes: size, externalOnnxBytes: statSync(external).size, externalDataBytes: statSync(`${external}.data`).size },
    runs: RUNS,
    results,
  });
  console.log(`\nwritten ${out}`);
} finally {
  cleanup();
}
