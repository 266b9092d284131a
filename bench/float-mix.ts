/**
 * Float mixed precision on the two Fashion-MNIST models: for BF16 and FP16, the top-1 of the
 * emulated conversion on the first 1000 eval images next to FP32, nodes converted, casts in both
 * forms, and the evaluations the accuracy-driven mode spends: with top-1 as its metric (goal: 1%
 * relative), and with a goal tight enough to force fallback (mean L2 distance to the FP32 logits on
 * 256 images at most half that of the full conversion), per node and per region.
 * Writes bench/results/float-mix.json.
 *
 *   npx tsx bench/float-mix.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mixPrecision, type CandidateHandle } from '../src/api/mix-precision.js';
import { readNpy } from '../src/calibration/sources/npy-file.js';
import type { HostTensor, Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import { ModelSession } from '../src/runtime/index.js';

const MODELS = { 'fashion-resnet': '/work/shared/models/fashion-resnet.onnx', 'fashion-vit': '/work/shared/models/fashion-vit.onnx' };
const DATA = '/work/shared/data/fashion-mnist/eval';
const COUNT = 1000;
const OUT = join(import.meta.dirname, 'results', 'float-mix.json');

async function evalSubset(): Promise<{ images: HostTensor; labels: ArrayLike<number> }> {
  const x = await readNpy(join(DATA, 'input.npy'));
  const y = await readNpy(join(DATA, 'labels.npy'));
  const row = x.dims.slice(1).reduce((a, b) => a * b, 1);
  const images: HostTensor = { type: 'float32', dims: [COUNT, ...x.dims.slice(1)], data: (x.data as Float32Array).subarray(0, COUNT * row) };
  return { images, labels: (y.data as Int32Array).subarray(0, COUNT) };
}

function top1(logits: Float32Array, labels: ArrayLike<number>): number {
  const classes = logits.length / labels.length;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j]! > logits[i * classes + best]!) best = j;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

async function logits(run: (feeds: Record<string, HostTensor>) => Promise<Record<string, HostTensor>>, images: HostTensor): Promise<Float32Array> {
  return (await run({ input: images }))['logits']!.data as Float32Array;
}

async function runModel(model: Model, images: HostTensor): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return await logits((f) => session.run(f), images);
  } finally {
    await session.close();
  }
}

async function benchOne(model: Model, precision: 'bf16' | 'fp16', data: Awaited<ReturnType<typeof evalSubset>>, fp32: number): Promise<Record<string, unknown>> {
  const started = Date.now();
  const emulated = await mixPrecision(model, { precision });
  const convertMs = Date.now() - started;
  const accuracy = top1(await runModel(emulated.model, data.images), data.labels);
  const native = await mixPrecision(model, { precision, form: 'native' });
  const evaluate = async (c: CandidateHandle): Promise<number> => top1(await logits((f) => c.run(f), data.images), data.labels);
  const searchStarted = Date.now();
  const tuned = await mixPrecision(model, { precision, evaluate, tolerableLoss: 0.01, scoreRange: [0, 1] });
  const r = emulated.report;
  return {
    precision,
    fp32Top1: fp32,
    emulatedTop1: accuracy,
    relativeLoss: (fp32 - accuracy) / fp32,
    convertedNodes: r.convertedNodes,
    totalNodes: r.totalNodes,
    summary: r.summary,
    emulatedCasts: { activation: r.casts.toLow + r.casts.toFloat, weight: r.casts.weight },
    nativeCasts: native.report.castsInserted,
    float32Reasons: countBy(r.float32Nodes.map((n) => n.reason)),
    parameterBytes: r.parameterBytes,
    convertMs,
    accuracyDriven: {
      evaluations: tuned.report.evaluations,
      baselineTop1: tuned.report.baselineScore,
      finalTop1: tuned.report.finalScore,
      fallbackNodes: tuned.report.fallbackNodes.length,
      targetMet: tuned.report.targetMet,
      ms: Date.now() - searchStarted,
    },
    tightGoal: await tightSearch(model, precision, data.images, emulated.model),
  };
}

const TIGHT_IMAGES = 256;

/** Fallback forced by a tight logit-distance goal: what the search spends and keeps. */
async function tightSearch(model: Model, precision: 'bf16' | 'fp16', images: HostTensor, fullModel: Model): Promise<Record<string, unknown>> {
  const batch: HostTensor = { type: 'float32', dims: [TIGHT_IMAGES, ...images.dims.slice(1)], data: (images.data as Float32Array).subarray(0, TIGHT_IMAGES * 784) };
  const reference = await runModel(model, batch);
  const distance = (out: Float32Array): number => meanL2(out, reference, TIGHT_IMAGES);
  const goal = distance(await runModel(fullModel, batch)) / 2;
  const evaluate = async (c: CandidateHandle): Promise<number> => -distance(await logits((f) => c.run(f), batch));
  const out: Record<string, unknown> = { goal: `mean L2 to FP32 logits <= ${goal.toPrecision(4)} (half the full conversion's)` };
  for (const granularity of ['node', 'region'] as const) {
    const started = Date.now();
    const { report } = await mixPrecision(model, { precision, evaluate, criterion: 'absolute', tolerableLoss: goal, granularity });
    const units = report.search?.units ?? 0;
    out[granularity] = {
      evaluations: report.evaluations,
      units,
      bound: 2 + units + Math.ceil(Math.log2(Math.max(units, 1))),
      fallbackNodes: report.fallbackNodes.length,
      convertedNodes: report.convertedNodes,
      finalDistance: -(report.finalScore ?? 0),
      targetMet: report.targetMet,
      ms: Date.now() - started,
    };
  }
  return out;
}

function meanL2(a: Float32Array, b: Float32Array, rows: number): number {
  const cols = a.length / rows;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (a[i * cols + j]! - b[i * cols + j]!) ** 2;
    total += Math.sqrt(s);
  }
  return total / rows;
}

function countBy(items: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[i] = (out[i] ?? 0) + 1;
  return out;
}

async function main(): Promise<void> {
  const data = await evalSubset();
  const results: Record<string, unknown>[] = [];
  for (const [name, path] of Object.entries(MODELS)) {
    const model = await loadModel(path);
    const fp32 = top1(await runModel(model, data.images), data.labels);
    for (const precision of ['bf16', 'fp16'] as const) {
      const row = { model: name, ...(await benchOne(model, precision, data, fp32)) };
      console.log(JSON.stringify(row));
      results.push(row);
    }
  }
  mkdirSync(dirname(OUT), { recursive: true });
  const doc = { bench: 'float-mix', images: COUNT, date: new Date().toISOString(), node: process.version, results };
  writeFileSync(OUT, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
}

await main();
