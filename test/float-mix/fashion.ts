/**
 * The Fashion-MNIST evaluation subset for the real-model tests: the first images of the shared
 * eval set and their labels, read from .npy, and top-1 accuracy of a model over them.
 */
import { readFileSync } from 'node:fs';
import type { HostTensor, Model } from '../../src/ir/index.js';
import { ModelSession } from '../../src/runtime/index.js';

export const EVAL_DIR = '/work/shared/data/fashion-mnist/eval';

interface Npy {
  readonly descr: string;
  readonly shape: number[];
  readonly body: Uint8Array;
}

/** .npy: magic "\x93NUMPY", version, header length (uint16 at byte 8 in v1, uint32 in v2+), dict header, raw data. */
function readNpyFile(path: string): Npy {
  const buf = readFileSync(path);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${path} is not .npy`);
  const v1 = buf[6] === 1;
  const headerLength = v1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = v1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shape === undefined || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: unexpected header ${header}`);
  // Copy to an aligned buffer of its own.
  const body = new Uint8Array(buf.subarray(start + headerLength));
  return { descr, shape: shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number), body };
}

export interface EvalSet {
  readonly images: HostTensor;
  readonly labels: Int32Array;
}

export function loadEvalSet(count = 1000): EvalSet {
  const x = readNpyFile(`${EVAL_DIR}/input.npy`);
  const y = readNpyFile(`${EVAL_DIR}/labels.npy`);
  if (x.descr !== '<f4' || y.descr !== '<i4') throw new Error(`unexpected dtypes ${x.descr}, ${y.descr}`);
  const row = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const images = new Float32Array(x.body.buffer, 0, count * row);
  const labels = new Int32Array(y.body.buffer, 0, count);
  return { images: { type: 'float32', dims: [count, ...x.shape.slice(1)], data: images }, labels };
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
