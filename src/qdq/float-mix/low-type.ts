/**
 * The 16-bit type of a conversion and weights rounded to it. Rounded weights are cached per Tensor
 * (tensors are immutable and shared by model clones), so the accuracy-driven search, which converts
 * the same model many times, rounds each weight once.
 */
import { dataTypeCode, type Tensor } from '../../ir/index.js';
import { FLOAT16_MAX, float32ToBfloat16Bit, float32ToFloat16Bit } from '../../quant/float16.js';
import type { FloatPrecision } from './types.js';

export function lowDataType(precision: FloatPrecision): 'bfloat16' | 'float16' {
  return precision === 'bf16' ? 'bfloat16' : 'float16';
}

export function lowTypeCode(precision: FloatPrecision): number {
  return dataTypeCode(lowDataType(precision));
}

/** 'BF16' / 'FP16', as reports print it. */
export function precisionLabel(precision: FloatPrecision): string {
  return precision.toUpperCase();
}

export interface RoundedWeight {
  /** The 16-bit patterns, one per element. */
  readonly bits: Uint16Array;
  /** Largest finite |x| of the float32 source. */
  readonly maxAbs: number;
  /** True when a finite value becomes infinite in 16 bits (float16: |x| > 65504). */
  readonly overflows: boolean;
}

const caches: Record<FloatPrecision, WeakMap<Tensor, RoundedWeight>> = { bf16: new WeakMap(), fp16: new WeakMap() };

export function roundWeight(tensor: Tensor, precision: FloatPrecision): RoundedWeight {
  const cache = caches[precision];
  const hit = cache.get(tensor);
  if (hit) return hit;
  const rounded = precision === 'bf16' ? round(tensor, float32ToBfloat16Bit, 0x7f80) : round(tensor, float32ToFloat16Bit, 0x7c00);
  const result = precision === 'fp16' ? { ...rounded, overflows: rounded.maxAbs > FLOAT16_MAX } : rounded;
  cache.set(tensor, result);
  return result;
}

/** Rounds every element; `infBits` is the exponent mask that marks an infinity. */
function round(tensor: Tensor, convert: (x: number) => number, infBits: number): RoundedWeight {
  const values = tensor.toArray() as Float32Array;
  const bits = new Uint16Array(values.length);
  let maxAbs = 0;
  let overflows = false;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const b = convert(x);
    bits[i] = b;
    if (!Number.isFinite(x)) continue;
    const a = Math.abs(x);
    if (a > maxAbs) maxAbs = a;
    if ((b & 0x7fff) === infBits) overflows = true;
  }
  return { bits, maxAbs, overflows };
}
