import { UnsupportedTypeError } from '../errors.js';
import { dataTypeCode, Tensor } from '../ir/index.js';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from '../quant/float16.js';
import { quantizeArray } from '../quant/qdq-math.js';
import { clamp, roundHalfEven, typeRange } from '../quant/index.js';
import type { QParams } from './qparams.js';
import type { TensorPrecision } from './types.js';

/** Float values of a float tensor of any width (float16/bfloat16/float64 converted). */
export function tensorToFloat32(tensor: Tensor): Float32Array {
  const a = tensor.toArray();
  switch (tensor.type) {
    case 'float32':
      return a as Float32Array;
    case 'float64':
      return Float32Array.from(a as Float64Array);
    case 'float16':
      return float16BitsToFloat32(a as Uint16Array);
    case 'bfloat16':
      return bfloat16BitsToFloat32(a as Uint16Array);
    default:
      throw new UnsupportedTypeError(`Tensor '${tensor.name}' is ${tensor.type}; only float weights can be quantized.`);
  }
}

/** The integer initializer of a quantized weight or bias (same dims, QParams' type). */
export function quantizeWeight(tensor: Tensor, q: QParams, name: string): Tensor {
  const values = tensorToFloat32(tensor);
  const data = quantizeArray(values, q.scales, q.zeroPoints, q.type, q.axis === undefined ? undefined : { dims: tensor.dims, axis: q.axis });
  return Tensor.fromArray(name, q.type, tensor.dims, data);
}

/**
 * The int32 initializer of a Conv/Gemm bias. Its scales are already input scale × weight scale
 * (one per element when per channel); the division bias / scale is done in float64 and rounded half
 * to even, as ONNX Runtime's quantize_bias_static_impl does (a float32 divide can be off by one
 * code once |bias / scale| passes 2^24).
 */
export function quantizeBiasTensor(tensor: Tensor, q: QParams, name: string): Tensor {
  const values = tensorToFloat32(tensor);
  const { qmin, qmax } = typeRange('int32');
  const perChannel = q.scales.length > 1;
  const data = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = values[i]!;
    data[i] = b === 0 ? 0 : clamp(roundHalfEven(b / q.scales[perChannel ? i : 0]!), qmin, qmax);
  }
  return Tensor.fromArray(name, 'int32', tensor.dims, data);
}

/** A weight stored as bfloat16/float16 (rounded to nearest even), to be cast back at run time. */
export function roundWeightToFloat16(tensor: Tensor, precision: TensorPrecision, name: string): Tensor {
  const values = tensorToFloat32(tensor);
  if (precision === 'bfloat16') return Tensor.fromArray(name, 'bfloat16', tensor.dims, float32ToBfloat16Bits(values));
  if (precision === 'float16') return Tensor.fromArray(name, 'float16', tensor.dims, float32ToFloat16Bits(values));
  throw new UnsupportedTypeError(`Weights cannot be stored as ${precision}.`);
}

/** The ONNX type code a Cast to this 16-bit float precision uses. */
export function castPrecisionCode(precision: TensorPrecision): number {
  if (precision === 'bfloat16' || precision === 'float16' || precision === 'float32') return dataTypeCode(precision);
  throw new UnsupportedTypeError(`No Cast pair for ${precision}.`);
}
