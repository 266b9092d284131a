/**
 * An independent, deliberately plain re-statement of QDQ arithmetic (ONNX Runtime quantization
 * tool rules and QuantizeLinear/DequantizeLinear semantics), written without src/quant, so that
 * tests compare two implementations rather than one with itself.
 */

export type RefType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

export function refLimits(type: RefType, symmetric: boolean): [number, number] {
  if (type === 'int8') return symmetric ? [-127, 127] : [-128, 127];
  if (type === 'uint8') return symmetric ? [0, 254] : [0, 255];
  if (type === 'int16') return symmetric ? [-32767, 32767] : [-32768, 32767];
  if (type === 'uint16') return symmetric ? [0, 65534] : [0, 65535];
  return [-2147483648, 2147483647];
}

/** Nearest integer, ties to the even neighbour. */
export function refRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** Scale (float32) and zero point of a calibrated range. */
export function refScaleZp(rmin: number, rmax: number, type: RefType, symmetric: boolean): { scale: number; zp: number } {
  const [qmin, qmax] = refLimits(type, symmetric);
  let lo = rmin < 0 ? Math.fround(rmin) : 0;
  let hi = rmax > 0 ? Math.fround(rmax) : 0;
  if (symmetric) {
    const m = Math.max(-lo, hi);
    lo = -m;
    hi = m;
  }
  // The width is a float32 difference (ORT's ranges are float32 arrays); the division is float64.
  const scale64 = Math.fround(hi - lo) / (qmax - qmin);
  if (scale64 < 2 ** -126) return { scale: 1, zp: 0 };
  const zp = symmetric ? refRound((qmin + qmax) / 2) : refRound(qmin - lo / scale64);
  return { scale: Math.fround(scale64), zp };
}

/** QuantizeLinear: saturate(round(x / scale) + zp) with the division in float32. */
export function refQuantize(x: number, scale: number, zp: number, type: RefType): number {
  const [lo, hi] = refLimits(type, false);
  const q = refRound(Math.fround(x / scale)) + zp;
  return Math.min(hi, Math.max(lo, q));
}

/** DequantizeLinear in float32: float(q - zp) × scale. */
export function refDequantize(q: number, scale: number, zp: number): number {
  return Math.fround(Math.fround(q - zp) * scale);
}

/** int32 bias codes: scale = float32(input scale × weight scale), bias / scale divided in float64. */
export function refBias(bias: ArrayLike<number>, inputScale: number, weightScales: readonly number[]): { scales: number[]; codes: number[] } {
  const scales = weightScales.map((w) => Math.fround(inputScale * w));
  const codes = Array.from(bias, (b, i) => refRound(b / scales[weightScales.length === 1 ? 0 : i]!));
  return { scales, codes };
}

export function refFakeQuant(values: ArrayLike<number>, scale: number, zp: number, type: RefType): Float64Array {
  return Float64Array.from(values, (v) => refDequantize(refQuantize(v, scale, zp, type), scale, zp));
}

/** Symmetric per-channel weight quantization along `axis` of a row-major tensor. */
export function refWeight(values: ArrayLike<number>, dims: readonly number[], axis: number, type: RefType): { scales: number[]; codes: number[]; dequantized: Float64Array } {
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const absmax = new Array<number>(channels).fill(0);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    absmax[c] = Math.max(absmax[c]!, Math.abs(values[i]!));
  }
  const scales = absmax.map((m) => refScaleZp(-m, m, type, true).scale);
  const codes = Array.from(values, (v, i) => refQuantize(v, scales[Math.floor(i / inner) % channels]!, 0, type));
  const dequantized = Float64Array.from(codes, (q, i) => refDequantize(q, scales[Math.floor(i / inner) % channels]!, 0));
  return { scales, codes, dequantized };
}

/** 2-D convolution, NCHW, float64 accumulation, square stride 1, symmetric padding. */
export function refConv2d(x: ArrayLike<number>, xDims: readonly number[], w: ArrayLike<number>, wDims: readonly number[], bias: ArrayLike<number>, pad: number): { data: Float64Array; dims: number[] } {
  const [n, c, h, wd] = xDims as [number, number, number, number];
  const [m, , kh, kw] = wDims as [number, number, number, number];
  const oh = h + 2 * pad - kh + 1;
  const ow = wd + 2 * pad - kw + 1;
  const out = new Float64Array(n * m * oh * ow);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < m; o++)
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          let acc = bias[o]!;
          for (let ci = 0; ci < c; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = y + ky - pad;
                const ix = xo + kx - pad;
                if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
                acc += x[((b * c + ci) * h + iy) * wd + ix]! * w[((o * c + ci) * kh + ky) * kw + kx]!;
              }
          out[((b * m + o) * oh + y) * ow + xo] = acc;
        }
  return { data: out, dims: [n, m, oh, ow] };
}

/** [r, k] x [k, c] in float64. */
export function refMatMul(a: ArrayLike<number>, b: ArrayLike<number>, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < c; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * c + j]!;
      out[i * c + j] = s;
    }
  return out;
}

/**
 * Compares runtime output (dequantized) with a float64 reference about to be quantized with
 * (scale, zp): the integer codes must be equal, except where the reference sits within `band`
 * (in code units) of a rounding tie, where float32 summation order may decide either way.
 */
export function compareCodes(actual: ArrayLike<number>, reference: ArrayLike<number>, scale: number, zp: number, type: RefType, band: number): { exact: number; nearTie: number; wrong: number; maxStepDiff: number } {
  let exact = 0;
  let nearTie = 0;
  let wrong = 0;
  let maxStepDiff = 0;
  const [lo, hi] = refLimits(type, false);
  for (let i = 0; i < reference.length; i++) {
    const code = Math.round(actual[i]! / scale) + zp;
    const expectedCode = refQuantize(reference[i]!, scale, zp, type);
    const units = reference[i]! / scale + zp;
    const tieDistance = Math.abs(units - Math.floor(units) - 0.5);
    const saturated = units <= lo || units >= hi;
    maxStepDiff = Math.max(maxStepDiff, Math.abs(code - expectedCode));
    if (code === expectedCode) exact++;
    else if (!saturated && tieDistance < band && Math.abs(code - expectedCode) === 1) nearTie++;
    else wrong++;
  }
  return { exact, nearTie, wrong, maxStepDiff };
}
