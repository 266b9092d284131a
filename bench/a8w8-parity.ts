/**
 * Plain A8W8 against ONNX Runtime's quantize_static on recognizer-like nets (issue 10 item 5).
 *
 * trained: a MobileNetV3-small-ish text recognizer (depthwise/pointwise convs with BatchNorm kept,
 *   hardswish = HardSigmoid x Mul, SE gates, MaxPool -> MatMul -> Softmax CTC head) trained on lines
 *   of 4 Fashion-MNIST images, exported by torch at opset 13. Char accuracy (greedy CTC decoding,
 *   1 - edit distance / characters) on 1,000 held-out lines and relative L2 of the probabilities vs
 *   float, with the same 64 calibration lines for every tool.
 * fixtures: test/fixtures/exports recognizerLike at opset 9 and 13 (random weights): relative L2
 *   and argmax agreement of the output vs float on 64 samples (seed 7), calibrated on 64 (seed 0);
 *   ORT's Q/DQ placement (tensor names) on the opset-13 one, for test/quantize/a8w8-parity.test.ts.
 *
 * mixq: quantize() A8W8 per-channel MinMax (its defaults: int8 asymmetric activations, int8
 * symmetric weights). ORT: QDQ, MinMax, per_channel, its defaults (uint8 activations, int8 weights),
 * raw and after quant_pre_process. Every model is scored here, on onnxruntime-node, with default
 * session options ('all': QDQ fused into QLinear kernels) and with optimizations 'disabled'.
 *
 * The Python half (bench/a8w8-parity.py: training, ORT quantization) is optional: without
 * /tmp/pyenv the bench scores what WORK already holds and carries the fixtures' ORT rows over from
 * the previous results file. Training runs once (cached in WORK): minutes on 2 cores at 800 steps;
 * the recorded model was trained 1,500 steps (`--steps 1500`).
 * mixq-before.onnx files (mixq at commit 7d2fa3f, quantized with the same options) were put in
 * WORK by hand; the bench scores them when present.
 *
 * Run: npx tsx bench/a8w8-parity.ts [--steps 800] [--work /tmp/mixq-bench-a8w8]
 *      → bench/results/a8w8-parity.json
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantize } from '../src/api/quantize.js';
import { npyDirectorySource, readNpy } from '../src/calibration/sources/index.js';
import type { HostTensor, Model } from '../src/ir/index.js';
import { loadModel, saveModel } from '../src/onnx/index.js';
import { ModelSession } from '../src/runtime/index.js';
import { recognizerLike, saveFixture } from '../test/fixtures/exports/index.js';
import { relativeL2 } from '../test/fixtures/error-metrics.js';

const RESULTS = fileURLToPath(new URL('./results/a8w8-parity.json', import.meta.url));
const PY_SCRIPT = fileURLToPath(new URL('./a8w8-parity.py', import.meta.url));
const PYTHON = process.env['MIXQ_PYTHON'] ?? '/tmp/pyenv/bin/python';
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const WORK = arg('--work', '/tmp/mixq-bench-a8w8');
const STEPS = arg('--steps', '800');
const LEVELS = ['all', 'disabled'] as const;
/** What the tensor-by-tensor diff of mixq's and ORT's QDQ models showed (scratch tools, not kept). */
const FINDINGS = [
  'Same defaults: asymmetric 8-bit activations (ORT uint8, mixq int8: identical levels, zero points differ by 128), symmetric int8 per-channel weights in [-127, 127], int32 biases at input x weight scale, Softmax output over [0, 1], Relu/Clip fused into the producer, MaxPool/Squeeze/Transpose sharing scales: identical scales and integers on every such tensor.',
  'Cause 1 (most of the gap): un-folded BatchNormalization (Paddle and opset-9 exports keep it). mixq left BN as a float op, so the Conv output was quantized per tensor BEFORE BN rescales its channels, and a Relu after BN cost a second rounding (BN output, then Relu output). ONNX Runtime users run quant_pre_process, which folds BN into the Conv (and raw ORT removes the Relu after BN). Fix: fold Conv+BN in prepare, in ORT ConvBNFusion float32 order: folded weights, scales and int32 biases are bit-identical to ORT-pre-processed ones.',
  "Cause 2: HardSigmoid outputs (hardswish, SE gates) were quantized over a fixed [0, 1]; ORT calibrates them (on the trained net the SE gates stay within [0, 0.61..0.72]: a 1.4-1.6x finer scale). Fix: calibrated range.",
  'Char accuracy hardly separates the tools on this 11-class net: 0.07 point = 3 of 4,000 characters (raw ORT 89.65 % vs 89.58 % for mixq and pre-processed ORT, float 89.68 %); the relative L2 of the probabilities does (raw ORT 3.2 %, mixq before 3.7 %, mixq and pre-processed ORT 2.27 %).',
  'Tried and dropped: quantizing constant operands of Add/Mul like ORT (activation type, asymmetric): no gain on the recognizer, fashion-vit A8W8 L2 0.228 -> 0.238. Relu/Clip after a float producer left float (ORT rule): conflicts with an existing test (If -> Relu), and after the BN fold no recognizer case remains.',
  'Raw ORT on an opset-9 export with Constant-node weights/biases is poor (biases not recognised as initializers: 19% L2 on the fixture); only its pre-processed run is a fair peer.',
];
/** Scored when present; mixq-before.onnx is not written by this bench (see BEFORE_NOTE). */
const MODELS = ['mixq-before', 'mixq', 'ort', 'ort-pre'];
const BEFORE_NOTE =
  'mixq-before.onnx, where present in WORK, is the same model quantized by mixq at commit 7d2fa3f (before the BatchNormalization fold and the calibrated HardSigmoid range), same calibration and options; it is scored here like the others.';
type Level = (typeof LEVELS)[number];

// ---------------------------------------------------------------- python (optional)

function python(...pyArgs: string[]): { ok: boolean; reason?: string } {
  if (!existsSync(PYTHON)) return { ok: false, reason: `${PYTHON} not found (the Python half is optional)` };
  const r = spawnSync(PYTHON, [PY_SCRIPT, ...pyArgs], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (r.status === 0) return { ok: true };
  return { ok: false, reason: `python ${pyArgs[0]} failed: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? r.status}` };
}

// ---------------------------------------------------------------- scoring

async function runAll(model: Model, x: HostTensor, output: string, level: Level, batch = 50): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: level });
  try {
    const n = x.dims[0]!;
    const row = x.data.length / n;
    const parts: Float32Array[] = [];
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const feed: HostTensor = { type: 'float32', dims: [count, ...x.dims.slice(1)], data: (x.data as Float32Array).subarray(start * row, (start + count) * row) };
      parts.push((await session.run({ x: feed }))[output]!.data as Float32Array);
    }
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) (out.set(p, at), (at += p.length));
    return out;
  } finally {
    await session.close();
  }
}

/** A model onnxruntime refuses at some optimization level is a finding, not the end of the bench. */
async function runOrReason(model: Model, x: HostTensor, output: string, level: Level): Promise<Float32Array | string> {
  try {
    return await runAll(model, x, output, level);
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
  }
}


function argmaxRows(p: Float32Array, width: number): Int32Array {
  const out = new Int32Array(p.length / width);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (p[r * width + c]! > p[r * width + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Greedy CTC: argmax per step, repeats collapsed, blanks (0) dropped. */
function decode(steps: Int32Array): number[] {
  const out: number[] = [];
  let prev = 0;
  for (const c of steps) {
    if (c !== prev && c !== 0) out.push(c);
    prev = c;
  }
  return out;
}

function editDistance(a: readonly number[], b: readonly number[]): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** 1 - (sum of edit distances) / (number of label characters). */
function charAccuracy(probs: Float32Array, labels: HostTensor, classes: number): number {
  const lines = labels.dims[0]!;
  const chars = labels.dims[1]!;
  const steps = probs.length / classes / lines;
  const best = argmaxRows(probs, classes);
  let errors = 0;
  for (let i = 0; i < lines; i++) {
    const truth = Array.from(labels.data.subarray(i * chars, (i + 1) * chars) as Int32Array, Number);
    errors += editDistance(decode(best.subarray(i * steps, (i + 1) * steps)), truth);
  }
  return 1 - errors / (lines * chars);
}

async function quantizeWithMixq(modelPath: string, calibDir: string, out: string): Promise<number> {
  const start = performance.now();
  const r = await quantize(await loadModel(modelPath), {
    calibration: { kind: 'data', source: await npyDirectorySource(calibDir), method: 'minmax' },
    activationType: 'int8',
    weightType: 'int8',
    perChannel: true,
  });
  await saveModel(r.model, out);
  return (performance.now() - start) / 1000;
}

const round = (v: number, digits = 4) => Number(v.toFixed(digits));

// ---------------------------------------------------------------- sections

async function trainedSection(): Promise<Record<string, unknown>> {
  const dir = join(WORK, 'trained');
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  if (!existsSync(join(dir, 'model.onnx'))) {
    const t = python('train', dir, STEPS);
    if (!t.ok) return { skipped: t.reason };
  }
  if (!existsSync(join(dir, 'ort-pre.onnx'))) {
    const o = python('ort', dir);
    if (!o.ok) notes.push(`ORT figures missing: ${o.reason}`);
  }
  const mixqSeconds = await quantizeWithMixq(join(dir, 'model.onnx'), join(dir, 'calib'), join(dir, 'mixq.onnx'));
  const x = await readNpy(join(dir, 'test', 'x.npy'));
  const labels = await readNpy(join(dir, 'test', 'labels.npy'));
  const float = await loadModel(join(dir, 'model.onnx'));
  const ref = await runAll(float, x, 'probs', 'all');
  const classes = 11;
  const rows: Record<string, unknown>[] = [{ model: 'float', level: 'all', charAccuracy: round(charAccuracy(ref, labels, classes) * 100, 2), relativeL2: 0 }];
  for (const name of MODELS) {
    const file = join(dir, `${name}.onnx`);
    if (!existsSync(file)) continue;
    const model = await loadModel(file);
    for (const level of LEVELS) {
      const p = await runOrReason(model, x, 'probs', level);
      if (typeof p === 'string') rows.push({ model: name, level, failed: p });
      else rows.push({ model: name, level, charAccuracy: round(charAccuracy(p, labels, classes) * 100, 2), relativeL2: round(relativeL2(p, ref)) });
    }
  }
  const training = existsSync(join(dir, 'train.json')) ? (JSON.parse(readFileSync(join(dir, 'train.json'), 'utf8')) as unknown) : 'unknown';
  return { training, lines: labels.dims[0], charactersPerLine: labels.dims[1], calibrationLines: 64, mixqQuantizeSeconds: round(mixqSeconds, 2), rows, notes };
}

/** Activation tensors an ORT QDQ model quantizes, by their names in the float model. */
function quantizedActivations(model: Model): string[] {
  const names = new Set<string>();
  for (const node of model.graph.nodes) {
    const input = node.inputs[0];
    if (node.opType !== 'QuantizeLinear' || !input || input.initializer) continue;
    names.add(input.name.replace(/_QuantizeLinear_Input$/, ''));
  }
  return [...names].sort();
}

async function fixtureSection(opset: 9 | 13): Promise<Record<string, unknown>> {
  const fx = recognizerLike({ opset });
  const dir = join(WORK, `fixture-opset${opset}`);
  const saved = await saveFixture(fx, dir, { count: 64, seed: 0 });
  const notes: string[] = [];
  const o = python('ort', dir);
  if (!o.ok) notes.push(`ORT figures missing: ${o.reason}`);
  await quantizeWithMixq(saved.modelPath, saved.calibDir, join(dir, 'mixq.onnx'));
  const x = fx.feeds(64, 7)[fx.inputName]!;
  const output = fx.outputNames[0]!;
  const classes = Number(fx.description.match(/(\d+) classes/)?.[1]);
  const ref = await runAll(await loadModel(saved.modelPath), x, output, 'all');
  const refTop = argmaxRows(ref, classes);
  const rows: Record<string, unknown>[] = [];
  let ortPlan: string[] | undefined;
  for (const name of MODELS) {
    const file = join(dir, `${name}.onnx`);
    if (!existsSync(file)) continue;
    const model = await loadModel(file);
    if (name === 'ort-pre') ortPlan = quantizedActivations(model);
    for (const level of LEVELS) {
      const p = await runOrReason(model, x, output, level);
      if (typeof p === 'string') {
        rows.push({ model: name, level, failed: p });
        continue;
      }
      const top = argmaxRows(p, classes);
      rows.push({ model: name, level, relativeL2: round(relativeL2(p, ref)), argmaxAgreement: round(top.filter((c, i) => c === refTop[i]).length / top.length) });
    }
  }
  return { fixture: fx.name, opset, calibration: { count: 64, seed: 0 }, evaluation: { count: 64, seed: 7 }, rows, ...(opset === 13 && ortPlan ? { ortPreQuantizedActivations: ortPlan } : {}), notes };
}

/**
 * Without Python the ORT models cannot be made (nor the hand-made mixq-before ones found): keep the
 * rows and ORT's Q/DQ placement a previous run recorded, marked as carried over, rather than
 * dropping the figures the parity test reads.
 */
function carryOverOrt(fixtures: Record<string, unknown>[]): void {
  if (!existsSync(RESULTS)) return;
  const previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as { date?: string; fixtures?: Record<string, unknown>[] };
  for (const f of fixtures) {
    const rows = f['rows'] as Record<string, unknown>[];
    const old = previous.fixtures?.find((p) => p['opset'] === f['opset']);
    if (!old) continue;
    const present = new Set(rows.map((r) => r['model']));
    const carried = (old['rows'] as Record<string, unknown>[]).filter((r) => !present.has(r['model']) && r['model'] !== 'mixq');
    rows.push(...carried.map((r) => ({ ...r, carriedOverFrom: r['carriedOverFrom'] ?? previous.date ?? 'an earlier run' })));
    if (!f['ortPreQuantizedActivations'] && old['ortPreQuantizedActivations']) f['ortPreQuantizedActivations'] = old['ortPreQuantizedActivations'];
  }
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  let trained = await trainedSection();
  if (trained['skipped'] !== undefined && existsSync(RESULTS)) {
    const previous = JSON.parse(readFileSync(RESULTS, 'utf8')) as { date?: string; trained?: Record<string, unknown> };
    if (previous.trained?.['rows']) trained = { ...previous.trained, carriedOverFrom: previous.date ?? 'an earlier run', skippedNow: trained['skipped'] };
  }
  const fixtures = [await fixtureSection(9), await fixtureSection(13)];
  carryOverOrt(fixtures);
  const result = {
    date: new Date().toISOString(),
    how: 'see the header of bench/a8w8-parity.ts',
    mixqBefore: BEFORE_NOTE,
    findings: FINDINGS,
    trained,
    fixtures,
  };
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
}

await main();
