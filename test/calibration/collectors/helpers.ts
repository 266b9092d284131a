import { prng } from '../../fixtures/random.js';

/** Uniform floats in [lo, hi). */
export function uniform(seed: number, n: number, lo: number, hi: number): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** Standard normal samples (Box-Muller), times `scale`. */
export function gaussian(seed: number, n: number, scale = 1): Float32Array {
  const next = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - next();
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next()) * scale;
  }
  return out;
}

/** Laplace samples with scale b: heavy tails relative to its bulk. */
export function laplace(seed: number, n: number, b = 1): Float32Array {
  const next = prng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = next() - 0.5;
    return -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  });
}

/** Splits `data` into consecutive batches of random sizes. */
export function batches(data: Float32Array, seed: number, maxSize: number): Float32Array[] {
  const next = prng(seed);
  const out: Float32Array[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(next() * maxSize);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}
