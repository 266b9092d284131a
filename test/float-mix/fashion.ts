/**
 * The Fashion-MNIST evaluation subset for the real-model tests: the first images of the shared
 * eval set and their labels, read from .npy, and top-1 accuracy of a model over them.
 */
import { readNpySync } from '../../src/calibration/sources/npy-file.js';
import type { HostTensor, Model } from '../../src/ir/index.js';
import { ModelSession } from '../../src/runtime/index.js';

export const EVAL_DIR = '/work/shared/data/fashion-mnist/eval';

export interface EvalSet {
  readonly images: HostTensor;
  readonly labels: Int32Array;
}

export function loadEvalSet(count = 1000): EvalSet {
  const x = readNpySync(`${EVAL_DIR}/input.npy`);
  const y = readNpySync(`${EVAL_DIR}/labels.npy`);
  if (x.type !== 'float32' || y.type !== 'int32') throw new Error(`unexpected dtypes ${x.type}, ${y.type}`);
  const row = x.dims.slice(1).reduce((a, b) => a * b, 1);
  const images = (x.data as Float32Array).subarray(0, count * row);
  const labels = (y.data as Int32Array).subarray(0, count);
  return { images: { type: 'float32', dims: [count, ...x.dims.slice(1)], data: images }, labels };
}

export function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j]! > logits[i * classes + best]!) best = j;
    out[i] = best;
  }
  return out;
}

export function top1(logits: Float32Array, labels: Int32Array): number {
  const predicted = argmaxRows(logits, logits.length / labels.length);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) correct++;
  return correct / labels.length;
}

/** Logits of a model over the set (one batch; graph optimisations off, as the search runs them). */
export async function logitsOf(model: Model, images: HostTensor): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return (await session.run({ input: images }))['logits']!.data as Float32Array;
  } finally {
    await session.close();
  }
}
