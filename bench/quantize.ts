/**
 * quantize() on the shared models: float / A8W8 / A16W8 (per-channel int8 weights, MinMax, the 256
 * calibration images) — top-1 on the Fashion-MNIST test set (all 10,000 images from the Debian
 * package dataset-fashion-mnist, else the 1,000-image subset), average L2 on the calibration set,
 * saved model size and time, checked against the ONNX Runtime figures of /work/shared/models/README.md
 * (top-1 >= ORT - 0.1 point, L2 <= 1.1 x ORT).
 * Run: npx tsx bench/quantize.ts  → bench/results/quantize.json
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quantize } from '../src/api/quantize.js';
import type { ActivationType } from '../src/api/config.js';
import type { HostTensor, Model } from '../src/ir/index.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { ModelSession, type OptimizationLevel } from '../src/runtime/index.js';
import { loadCalibration, loadTestSet, memorySource } from './fashion-mnist.js';

const MODELS = '/work/shared/models';
/** README: ONNX Runtime 1.30 quantize_static, QDQ, per-channel int8 weights, MinMax, 256 calibration images. */
const ORT = {
  'fashion-resnet': { float: 91.66, A8W8: { top1: 91.6, l2: 0.191 }, A16W8: { top1: 91.62, l2: 0.086 } },
  'fashion-vit': { float: 86.41, A8W8: { top1: 86.42, l2: 0.237 }, A16W8: { top1: 86.44, l2: 0.059 } },
} as const;
type ModelName = keyof typeof ORT;
const EVAL_BATCH = 500;

/** Logits of every row of `input`, run in batches (a 10,000-image batch would need GBs of activations). */
async function logits(model: Model, input: HostTensor, optimization: OptimizationLevel): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization });
  const n = input.dims[0]!;
  const row = (input.data as Float32Array).length / n;
  const out = new Float32Array(n * 10);
  try {
    for (let s = 0; s < n; s += EVAL_BATCH) {
      const k = Math.min(EVAL_BATCH, n - s);
      const feed = { input: { type: 'float32' as const, dims: [k, ...input.dims.slice(1)], data: (input.data as Float32Array).subarray(s * row, (s + k) * row) } };
      out.set((await session.run(feed))['logits']!.data as Float32Array, s * 10);
    }
  } finally {
    await session.close();
  }
  return out;
}

function top1(l: Float32Array, labels: Int32Array): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let j = 1; j < 10; j++) if (l[r * 10 + j]! > l[r * 10 + best]!) best = j;
    if (best === labels[r]) correct++;
  }
  return (100 * correct) / labels.length;
}

function averageL2(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let r = 0; r < a.length / 10; r++) {
    let s = 0;
    for (let j = 0; j < 10; j++) s += (a[r * 10 + j]! - b[r * 10 + j]!) ** 2;
    total += Math.sqrt(s);
  }
  return total / (a.length / 10);
}

async function fileSize(model: Model): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mixq-bench-'));
  try {
    await saveModel(model, join(dir, 'model.onnx'));
    return statSync(join(dir, 'model.onnx')).size;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Row {
  model: ModelName;
  config: 'float' | 'A8W8' | 'A16W8';
  top1: number;
  averageL2: number;
  bytes: number;
  quantizeSeconds: number;
  evalSeconds: number;
  ortTop1: number;
  ortL2: number | null;
  top1Ok: boolean | null;
  l2Ok: boolean | null;
}

const test = loadTestSet();
const calib = loadCalibration();
console.log(`test set: ${test.origin}`);
if (!test.full) console.log('NOTE: top-1 is on the 1,000-image subset, so it is compared with the float model only, not with the README figures (measured on 10,000 images).');

const rows: Row[] = [];
for (const name of Object.keys(ORT) as ModelName[]) {
  const float = await loadModel(`${MODELS}/${name}.onnx`);
  let t = performance.now();
  // The float model holds no Q/DQ: run it fully optimised (values equal to ~1e-6).
  const floatTest = await logits(float, test.images, 'all');
  const floatCalib = await logits(float, calib, 'all');
  const floatTop1 = top1(floatTest, test.labels);
  rows.push({ model: name, config: 'float', top1: floatTop1, averageL2: 0, bytes: await fileSize(float), quantizeSeconds: 0, evalSeconds: (performance.now() - t) / 1000, ortTop1: ORT[name].float, ortL2: null, top1Ok: null, l2Ok: null });
  for (const [config, activationType] of [['A8W8', 'int8'], ['A16W8', 'int16']] as const satisfies readonly [string, ActivationType][]) {
    t = performance.now();
    const r = await quantize(float, {
      calibration: { kind: 'data', source: memorySource(calib, 'calib-data/input.npy (256 images)'), method: 'minmax' },
      activationType,
      weightType: 'int8',
      perChannel: true,
    });
    const quantizeSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    // Q/DQ models are evaluated with graph optimisations off, as the search does.
    const acc = top1(await logits(r.model, test.images, 'disabled'), test.labels);
    const l2 = averageL2(floatCalib, await logits(r.model, calib, 'disabled'));
    const evalSeconds = (performance.now() - t) / 1000;
    const ref = ORT[name][config];
    rows.push({
      model: name,
      config,
      top1: acc,
      averageL2: l2,
      bytes: await fileSize(r.model),
      quantizeSeconds,
      evalSeconds,
      ortTop1: ref.top1,
      ortL2: ref.l2,
      top1Ok: test.full ? acc >= ref.top1 - 0.1 : Math.abs(acc - floatTop1) <= 0.5,
      l2Ok: l2 <= 1.1 * ref.l2,
    });
  }
}

const fmt = (v: number | null, d: number) => (v === null ? '-' : v.toFixed(d));
const header = ['model', 'config', `top-1 % (${test.labels.length})`, 'ORT top-1', 'avg L2', 'ORT L2', 'size KB', 'quantize s', 'eval s', 'check'];
const table = rows.map((r) => [
  r.model,
  r.config,
  fmt(r.top1, 2),
  fmt(r.ortTop1, 2),
  r.config === 'float' ? '-' : fmt(r.averageL2, 4),
  fmt(r.ortL2, 3),
  fmt(r.bytes / 1024, 0),
  r.config === 'float' ? '-' : fmt(r.quantizeSeconds, 1),
  fmt(r.evalSeconds, 1),
  r.top1Ok === null ? '' : r.top1Ok && r.l2Ok ? 'ok' : `FAIL (top-1 ${r.top1Ok ? 'ok' : 'low'}, L2 ${r.l2Ok ? 'ok' : 'high'})`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
for (const line of [header, widths.map((w) => '-'.repeat(w)), ...table]) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join('  '));

const allOk = rows.every((r) => r.top1Ok !== false && r.l2Ok !== false);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/quantize.json', import.meta.url),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      testSet: { origin: test.origin, images: test.labels.length, full: test.full },
      calibration: { images: calib.dims[0], method: 'minmax', weights: 'int8 per-channel symmetric', activations: 'asymmetric per-tensor' },
      criteria: test.full ? 'top-1 >= ORT - 0.1 point; average L2 <= 1.1 x ORT' : 'top-1 within 0.5 point of float (subset); average L2 <= 1.1 x ORT',
      allOk,
      rows,
    },
    null,
    2,
  ),
);
console.log(allOk ? 'all checks passed' : 'SOME CHECKS FAILED');
process.exitCode = allOk ? 0 : 1;
