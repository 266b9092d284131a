/**
 * Element-type conversion of calibration data to what a model input takes. Only conversions that
 * cannot change what the model sees beyond float rounding are done: float16/float64 → float32 (numpy
 * saves float64 by default), float → wider float, and lossless integer widening (token ids saved as
 * int32 for an int64 input). Anything else is the user's decision, so it is an error with a hint.
 */
import { CalibrationDataError } from '../../errors.js';
import { TYPED_ARRAY_OF, type DataType, type HostTensor, type TypedArray } from '../../ir/dtype.js';

/** For each source type, the types it converts to. */
const CONVERSIONS: Readonly<Partial<Record<DataType, readonly DataType[]>>> = {
  float16: ['float32', 'float64'],
  float64: ['float32'],
  float32: ['float64'],
  int8: ['int16', 'int32', 'int64'],
  uint8: ['int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'],
  int16: ['int32', 'int64'],
  uint16: ['int32', 'uint32', 'int64', 'uint64'],
  int32: ['int64'],
  uint32: ['int64', 'uint64'],
};

export function canConvert(from: DataType, to: DataType): boolean {
  return from === to || (CONVERSIONS[from]?.includes(to) ?? false);
}

/** `tensor` as `target` elements; the same object when it already is. Throws when not allowed. */
export function toModelType(tensor: HostTensor, target: DataType, inputName = 'tensor'): HostTensor {
  if (tensor.type === target) return tensor;
  if (!canConvert(tensor.type, target)) {
    throw new CalibrationDataError(`Input '${inputName}': the data is ${tensor.type} but the model takes ${target}, and mixq converts only float16/float64 → float32 and lossless integer widening.`, {
      hint: conversionHint(tensor.type, target),
    });
  }
  return { type: target, dims: tensor.dims, data: convertData(tensor, target) };
}

export function conversionHint(from: DataType, to: DataType): string {
  const npName: Partial<Record<DataType, string>> = { float32: 'float32', float16: 'float16', int64: 'int64', int32: 'int32', uint8: 'uint8', bool: 'bool_' };
  const name = npName[to] ?? to;
  if (to.startsWith('float') && !from.startsWith('float')) {
    return `Integer data for a float input usually needs scaling or normalisation; prepare it yourself and save it as ${to} (arr.astype(np.${name})), or use an image folder with preprocessing.`;
  }
  return `Save the data as ${to}, e.g. np.save(path, arr.astype(np.${name})).`;
}

function convertData(tensor: HostTensor, target: DataType): TypedArray {
  const Ctor = TYPED_ARRAY_OF[target]!;
  const out = new Ctor(tensor.data.length);
  if (tensor.type === 'float16') {
    const bits = tensor.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
  } else if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    const src = tensor.data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]!);
  } else {
    // Number-to-number typed array copies convert each element (float64 → float32 rounds to nearest).
    (out as Float32Array).set(tensor.data as Float32Array);
  }
  return out;
}

const F16_EXP_SCALE = 2 ** -24;

/** The value of an IEEE 754 half-precision bit pattern. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * F16_EXP_SCALE; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
