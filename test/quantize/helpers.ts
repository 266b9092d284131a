/**
 * Helpers for the quantize tests: an in-memory calibration source, model runs, accuracy metrics,
 * and readers that find what the QDQ model holds for a tensor (its Q/DQ pair or Cast pair).
 */
import { readNpySync } from '../../src/calibration/sources/npy-file.js';
import { expect } from 'vitest';
import type { CalibrationSource, Feed } from '../../src/calibration/sources/types.js';
import type { HostTensor, Model, Node, Value } from '../../src/ir/index.js';
import { ModelSession, type Feeds } from '../../src/runtime/index.js';

/** Calibration data held in memory (one tensor per input, samples on axis 0), read in batches. */
export function tensorSource(feeds: Readonly<Record<string, HostTensor>>, description = 'test data'): CalibrationSource {
  const names = Object.keys(feeds);
  const first = feeds[names[0]!]!;
  const count = first.dims[0]!;
  const sampleSpecs = Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, { type: t.type, dims: t.dims.slice(1) }]));
  return {
    description,
    inputNames: names,
    sampleCount: count,
    sampleSpecs,
    batches(batchSize: number): AsyncIterable<Feed> {
      return {
        async *[Symbol.asyncIterator]() {
          for (let start = 0; start < count; start += batchSize) {
            const n = Math.min(batchSize, count - start);
            const feed: Feed = {};
            for (const [name, t] of Object.entries(feeds)) {
              const row = t.data.length / t.dims[0]!;
              feed[name] = { type: t.type, dims: [n, ...t.dims.slice(1)], data: t.data.subarray(start * row, (start + n) * row) };
            }
            yield feed;
          }
        },
      };
    },
  };
}

/** Runs a model once (graph optimisations off, as quantized models are evaluated) and closes it. */
export async function runModel(model: Model, feeds: Feeds): Promise<Feeds> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

/** Mean over rows of the L2 norm of (a - b), rows of `width` values. */
export function averageL2(a: ArrayLike<number>, b: ArrayLike<number>, width: number): number {
  expect(a.length).toBe(b.length);
  const rows = a.length / width;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < width; j++) {
      const d = a[r * width + j]! - b[r * width + j]!;
      s += d * d;
    }
    total += Math.sqrt(s);
  }
  return total / rows;
}

/** Fraction of rows whose arg max equals the label. */
export function top1(logits: ArrayLike<number>, labels: ArrayLike<number>, width: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (logits[r * width + j]! > logits[r * width + best]!) best = j;
    if (best === labels[r]) correct++;
  }
  return correct / labels.length;
}

/** An int32 .npy file (e.g. labels), read with the project's own .npy reader. */
export function readNpyInt32(file: string): Int32Array {
  const t = readNpySync(file);
  if (t.type !== 'int32') throw new Error(`${file}: expected int32 data, found ${t.type}`);
  return t.data as Int32Array;
}

/** What the QDQ model does to one tensor. */
export type Treatment =
  | { readonly kind: 'none' }
  | { readonly kind: 'qdq'; readonly type: string; readonly domain: string; readonly scales: readonly number[]; readonly zeroPoints: readonly number[]; readonly axis: number | undefined }
  | { readonly kind: 'cast'; readonly to: number };

/** The value that carries a tensor's original data (a graph output's value is renamed `<name>_pre`). */
export function sourceValue(model: Model, tensor: string): Value | undefined {
  const v = model.graph.ownValue(tensor);
  if (!v) return undefined;
  if (!v.isGraphOutput) return v;
  // Follow DQ ← Q ← source, or Cast ← Cast ← source.
  const last = v.producer;
  const first = last?.inputs[0]?.producer;
  if (last?.opType === 'DequantizeLinear' && first?.opType === 'QuantizeLinear') return first.inputs[0];
  if (last?.opType === 'Cast' && first?.opType === 'Cast') return first.inputs[0];
  return v;
}

/** Scale, zero point and type of a Q or DQ node, read from its initializers. */
export function qdqParams(node: Node): Extract<Treatment, { kind: 'qdq' }> {
  const scale = node.inputs[1]?.initializer;
  const zp = node.inputs[2]?.initializer;
  if (!scale || !zp) throw new Error(`${node.toString()} has no scale/zero-point initializers`);
  const axis = node.attrInt('axis');
  return {
    kind: 'qdq',
    type: zp.type,
    domain: node.domain,
    scales: [...(scale.toArray() as Float32Array)],
    zeroPoints: Array.from(zp.toArray() as ArrayLike<number>, Number),
    axis: axis === undefined ? undefined : axis,
  };
}

/** How an activation tensor is quantized in a built model: Q/DQ pair, Cast pair, or nothing. */
export function treatmentOf(model: Model, tensor: string): Treatment {
  const v = sourceValue(model, tensor);
  if (!v) return { kind: 'none' };
  for (const use of v.uses) {
    const n = use.node;
    const next = n.outputs[0]?.uses[0]?.node;
    if (n.opType === 'QuantizeLinear' && next?.opType === 'DequantizeLinear') return qdqParams(n);
    if (n.opType === 'Cast' && next?.opType === 'Cast' && next.attrInt('to') === 1) return { kind: 'cast', to: n.attrInt('to') ?? -1 };
  }
  return { kind: 'none' };
}

/** The DequantizeLinear that feeds input `index` of the node named `nodeName`. */
export function dqFeeding(model: Model, nodeName: string, index: number): Node {
  const node = model.graph.nodes.find((n) => n.name === nodeName);
  const dq = node?.inputs[index]?.producer;
  if (!dq || dq.opType !== 'DequantizeLinear') throw new Error(`input ${index} of '${nodeName}' does not come from a DequantizeLinear`);
  return dq;
}

export function nodeNamed(model: Model, name: string): Node {
  const node = model.graph.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node '${name}'`);
  return node;
}

/** Float values of an initializer. */
export function floatsOf(model: Model, name: string): Float32Array {
  const t = model.graph.ownValue(name)?.initializer;
  if (!t || t.type !== 'float32') throw new Error(`'${name}' is not a float32 initializer`);
  return t.toArray() as Float32Array;
}

/** A float32 host tensor. */
export function f32(dims: readonly number[], values: ArrayLike<number>): HostTensor {
  return { type: 'float32', dims: [...dims], data: Float32Array.from(values) };
}
