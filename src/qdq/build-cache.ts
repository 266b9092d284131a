/**
 * What materialize() computes from a model's constants, kept across the many builds of one search.
 * A search builds every candidate from the same prepared model, and a candidate usually changes only
 * activation precisions: the weights' parameters and quantized bytes come out the same each time.
 *
 * Entries are keyed by the Tensor object (tensors are immutable, and cloneModel shares them, so every
 * clone of the prepared model hands us the same objects) plus the numbers that decide the result,
 * so a cached build is byte-identical to an uncached one. Entries die with their tensors (WeakMap).
 */
import { Tensor } from '../ir/index.js';
import { computeQParams, type QParams } from './qparams.js';
import type { IntegerPrecision, TensorPrecision } from './types.js';
import { quantizeBiasTensor, quantizeWeight, roundWeightToFloat16 } from './weights.js';

/** Hits and misses, for benches and tests. */
export interface BuildCacheStats {
  hits: number;
  misses: number;
}

export class BuildCache {
  readonly stats: BuildCacheStats = { hits: 0, misses: 0 };
  private readonly entries = new WeakMap<Tensor, Map<string, QParams | Tensor>>();

  /** A weight's parameters from its values (before any int32-bias fitting raises scales). */
  weightQParams(tensor: Tensor, precision: IntegerPrecision, symmetric: boolean, axis: number | undefined): QParams {
    return this.memo(tensor, `q|${precision}|${symmetric}|${axis ?? ''}`, () =>
      computeQParams({ kind: 'values', tensor, ...(axis !== undefined ? { axis } : {}) }, precision, symmetric),
    );
  }

  /** The integer initializer of a weight quantized with `q`, named `name`. */
  quantizedWeight(tensor: Tensor, q: QParams, name: string): Tensor {
    return renamed(this.memo(tensor, `w|${qparamsKey(q)}`, () => quantizeWeight(tensor, q, name)), name);
  }

  /** The int32 initializer of a bias quantized with `q` (input scale × weight scales), named `name`. */
  quantizedBias(tensor: Tensor, q: QParams, name: string): Tensor {
    return renamed(this.memo(tensor, `b|${qparamsKey(q)}`, () => quantizeBiasTensor(tensor, q, name)), name);
  }

  /** A weight stored as float16/bfloat16, named `name`. */
  roundedWeight(tensor: Tensor, precision: TensorPrecision, name: string): Tensor {
    return renamed(this.memo(tensor, `f|${precision}`, () => roundWeightToFloat16(tensor, precision, name)), name);
  }

  private memo<T extends QParams | Tensor>(tensor: Tensor, key: string, make: () => T): T {
    let byKey = this.entries.get(tensor);
    if (!byKey) this.entries.set(tensor, (byKey = new Map()));
    const hit = byKey.get(key);
    if (hit) {
      this.stats.hits++;
      return hit as T;
    }
    this.stats.misses++;
    const made = make();
    byKey.set(key, made);
    return made;
  }
}

/** Everything that decides a quantized tensor's bytes: type, axis, zero points and the exact scale bits. */
function qparamsKey(q: QParams): string {
  const scaleBits = Buffer.from(q.scales.buffer, q.scales.byteOffset, q.scales.byteLength).toString('base64');
  return `${q.type}|${q.axis ?? ''}|${q.zeroPoints.join(',')}|${scaleBits}`;
}

/** Tensors are immutable: another name shares the bytes. */
function renamed(t: Tensor, name: string): Tensor {
  return t.name === name ? t : t.withName(name);
}
