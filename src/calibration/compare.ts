/**
 * Per-tensor error between a float model and its QDQ model on the same data (ONNX Runtime ships
 * the idea as qdq_loss_debug). For each float activation, the QDQ model's dequantized value of it
 * is compared with the float value: relative L2 and SQNR, summed over all samples as running sums,
 * so memory holds one batch of the tensors of one pass, never the data set. Tensors are split over
 * passes (at most `tensorsPerPass`, and within `maxBytesPerPass` as measured on one sample).
 */
import { CalibrationDataError, InvalidArgumentError } from '../errors.js';
import { cloneModel, constantsToInitializers, topologicalSort, type Model } from '../ir/index.js';
import { inferMissingTypes, ModelSession } from '../runtime/index.js';
import { dequantizedOf, mapComparedTensors, saturatedInt32Constants, type ComparedPrecision, type ComparedTensor, type SaturatedInt32 } from './compare-map.js';
import { limitedBatches } from './batches.js';
import { batchLength } from './probe.js';
import type { CalibrationSource, Feed } from './sources/types.js';
import { validateAgainstModelInputs } from './sources/validate.js';

export type { ComparedPrecision, SaturatedInt32 };

export interface CompareOptions {
  /** Samples per model run (default 8). */
  readonly batchSize?: number;
  /** Use at most this many samples. */
  readonly limit?: number;
  /** At most this many tensors per pass over the data (default 64). */
  readonly tensorsPerPass?: number;
  /** Bytes of compared tensors (float + QDQ copies) one pass may hold per batch (default 256 MiB). */
  readonly maxBytesPerPass?: number;
  /** A tensor jumps when its error exceeds this many times its inputs' (default 4). */
  readonly jumpFactor?: number;
  /** Error floor of the jump rule: inputs' error counts as at least this (default 0.01). */
  readonly minRelativeL2?: number;
  /** After each batch: samples done over all passes, and their total when known. */
  readonly onProgress?: (done: number, total: number | undefined) => void;
}

export interface TensorError {
  readonly tensor: string;
  readonly producerOp: string;
  /** What the QDQ model holds for it: 'int8', 'int16', 'bfloat16', ... or 'float'. */
  readonly quantized: ComparedPrecision;
  /** ||q − f|| / ||f|| over all samples (Infinity when f is all zeros and q is not). */
  readonly relativeL2: number;
  /** 10·log10(||f||² / ||q − f||²) in dB; Infinity when identical. */
  readonly sqnr: number;
  readonly maxAbsError: number;
  /** relativeL2 / max(inputs' relativeL2, minRelativeL2). */
  readonly jumpRatio: number;
  readonly jump: boolean;
}

export interface ModelComparison {
  readonly samples: number;
  readonly passes: number;
  /** One row per compared tensor, in topological order. */
  readonly tensors: readonly TensorError[];
  /** Names of the tensors that jump, in topological order (the first is where to look). */
  readonly jumps: readonly string[];
  /** Float activations the QDQ model lacks (not compared). */
  readonly missing: readonly string[];
  /** int32 constants of the QDQ model at the int32 limits (clipped biases). */
  readonly saturatedInt32: readonly SaturatedInt32[];
  readonly rule: { readonly jumpFactor: number; readonly minRelativeL2: number };
}

interface Sums {
  err2: number;
  ref2: number;
  maxAbs: number;
}

export async function compareActivations(float: Model, quantized: Model, source: CalibrationSource, options: CompareOptions = {}): Promise<ModelComparison> {
  const jumpFactor = positive(options.jumpFactor ?? 4, 'jumpFactor');
  const minRelativeL2 = positive(options.minRelativeL2 ?? 0.01, 'minRelativeL2');
  const batchSize = whole(options.batchSize ?? 8, 'batchSize');
  const prepared = await typed(float);
  const map = mapComparedTensors(prepared, quantized);
  const inputs = prepared.graph.inputs.filter((v) => !v.initializer).map((v) => ({ name: v.name, type: v.elemType ?? 'float32', dims: v.shape ?? [] }));
  const checked = await validateAgainstModelInputs(source, inputs);
  const passes = await planPasses(prepared, map.tensors, checked, batchSize, options);
  const sums = new Map<string, Sums>(map.tensors.map((t) => [t.tensor, { err2: 0, ref2: 0, maxAbs: 0 }]));
  const total = checked.sampleCount === undefined ? undefined : Math.min(checked.sampleCount, options.limit ?? Infinity) * passes.length;
  let done = 0;
  let samples = 0;
  for (const pass of passes) {
    samples = await runPass(prepared, quantized, pass, checked, batchSize, options.limit, sums, (n) => {
      done += n;
      options.onProgress?.(done, total);
    });
  }
  if (samples === 0) throw new CalibrationDataError(`Calibration data ${source.description} gave no samples.`);
  const tensors = withJumps(map.tensors, sums, jumpFactor, minRelativeL2);
  return {
    samples,
    passes: passes.length,
    tensors,
    jumps: tensors.filter((t) => t.jump).map((t) => t.tensor),
    missing: map.missing,
    saturatedInt32: saturatedInt32Constants(quantized.graph),
    rule: { jumpFactor, minRelativeL2 },
  };
}

/** A sorted copy with Constant nodes as initializers and element types known (to find float tensors). */
async function typed(model: Model): Promise<Model> {
  const copy = cloneModel(model);
  constantsToInitializers(copy.graph);
  topologicalSort(copy.graph);
  await inferMissingTypes(copy);
  return copy;
}

async function runPass(float: Model, quantized: Model, pass: readonly ComparedTensor[], source: CalibrationSource, batchSize: number, limit: number | undefined, sums: Map<string, Sums>, progress: (n: number) => void): Promise<number> {
  const floatNames = pass.map((t) => t.tensor);
  const qNames = [...new Set(pass.map((t) => t.compared))];
  const fs = await ModelSession.create(float, { optimization: 'disabled', extraOutputs: floatNames });
  try {
    const qs = await ModelSession.create(quantized, { optimization: 'disabled', extraOutputs: qNames });
    try {
      let samples = 0;
      for await (const batch of limitedBatches(source, batchSize, limit)) {
        const n = batchLength(batch);
        const f = await fs.run(batch, floatNames);
        const q = await qs.run(batch, qNames);
        for (const t of pass) accumulate(sums.get(t.tensor)!, f[t.tensor]!.data as Float32Array, q[t.compared]!.data as Float32Array, t.tensor);
        samples += n;
        progress(n);
      }
      return samples;
    } finally {
      await qs.close();
    }
  } finally {
    await fs.close();
  }
}

function accumulate(s: Sums, f: Float32Array, q: Float32Array, name: string): void {
  if (f.length !== q.length) {
    throw new InvalidArgumentError(`Tensor '${name}' has ${f.length} values in the float model but ${q.length} in the quantized one.`, {
      hint: 'Compare a quantized model with the float model it was made from.',
    });
  }
  for (let i = 0; i < f.length; i++) {
    const d = q[i]! - f[i]!;
    s.err2 += d * d;
    s.ref2 += f[i]! * f[i]!;
    const a = Math.abs(d);
    if (a > s.maxAbs || a !== a) s.maxAbs = a;
  }
}

/**
 * The jump rule: a tensor jumps when relativeL2 > jumpFactor × max(largest relativeL2 among the
 * compared float activations its producer reads, minRelativeL2). Error that a layer only carries on
 * (ratio ≈ 1) or that stays under the floor is not a jump; a layer that adds much more than it
 * received (a mis-scaled or clipping Q/DQ, a saturated bias) is.
 */
function withJumps(tensors: readonly ComparedTensor[], sums: ReadonlyMap<string, Sums>, jumpFactor: number, minRelativeL2: number): TensorError[] {
  const errors = new Map<string, number>();
  return tensors.map((t) => {
    const s = sums.get(t.tensor)!;
    const relativeL2 = s.err2 === 0 ? 0 : s.ref2 === 0 ? Infinity : Math.sqrt(s.err2 / s.ref2);
    const sqnr = s.err2 === 0 ? Infinity : 10 * Math.log10(s.ref2 / s.err2);
    errors.set(t.tensor, relativeL2);
    const received = Math.max(minRelativeL2, ...t.inputs.map((n) => errors.get(n) ?? 0));
    const jumpRatio = relativeL2 / received;
    return { tensor: t.tensor, producerOp: t.producerOp, quantized: t.quantized, relativeL2, sqnr, maxAbsError: s.maxAbs, jumpRatio, jump: jumpRatio > jumpFactor };
  });
}

/**
 * Groups tensors into passes: at most `tensorsPerPass` each, and at most `maxBytesPerPass` of
 * float + QDQ copies per batch, with bytes per sample measured on one sample of the data.
 */
async function planPasses(float: Model, tensors: readonly ComparedTensor[], source: CalibrationSource, batchSize: number, options: CompareOptions): Promise<ComparedTensor[][]> {
  const perPass = whole(options.tensorsPerPass ?? 64, 'tensorsPerPass');
  const budget = positive(options.maxBytesPerPass ?? 256 * 1024 ** 2, 'maxBytesPerPass');
  // The probe runs one sample, so it may expose more tensors at once than a pass does.
  const bytes = await bytesPerSample(float, tensors, source, Math.max(perPass, 64));
  const passes: ComparedTensor[][] = [];
  let current: ComparedTensor[] = [];
  let used = 0;
  for (const t of tensors) {
    const cost = 2 * batchSize * (bytes.get(t.tensor) ?? 0);
    if (current.length > 0 && (current.length >= perPass || used + cost > budget)) {
      passes.push(current);
      current = [];
      used = 0;
    }
    current.push(t);
    used += cost;
  }
  if (current.length > 0) passes.push(current);
  return passes;
}

async function bytesPerSample(float: Model, tensors: readonly ComparedTensor[], source: CalibrationSource, perPass: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let first: Feed | undefined;
  // A model with a fixed batch size gets batches of that size whatever is asked: divide by it.
  for await (const feed of source.batches(1)) {
    first = feed;
    break;
  }
  const n = first ? batchLength(first) : 0;
  if (!first || n === 0) return out;
  for (let start = 0; start < tensors.length; start += perPass) {
    const names = tensors.slice(start, start + perPass).map((t) => t.tensor);
    const session = await ModelSession.create(float, { optimization: 'disabled', extraOutputs: names });
    try {
      const values = await session.run(first, names);
      for (const name of names) out.set(name, values[name]!.data.byteLength / n);
    } finally {
      await session.close();
    }
  }
  return out;
}

function positive(x: number, name: string): number {
  if (!(typeof x === 'number' && x > 0 && Number.isFinite(x))) throw new InvalidArgumentError(`${name} must be a positive number, not ${String(x)}.`);
  return x;
}

function whole(x: number, name: string): number {
  if (!Number.isInteger(x) || x < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1, not ${String(x)}.`);
  return x;
}

export { dequantizedOf };
