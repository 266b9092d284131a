/**
 * Integer types a QuantizeLinear/DequantizeLinear pair can carry, and their integer ranges.
 * The ranges used to *derive* scales follow ONNX Runtime's quantization tool
 * (quant_utils.get_qmin_qmax_for_qType); the range used to *saturate* is always the full type range,
 * as QuantizeLinear itself does.
 */
import { UnsupportedTypeError } from '../errors.js';

export type QuantType = 'int4' | 'uint4' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

export const QUANT_TYPES: readonly QuantType[] = ['int4', 'uint4', 'int8', 'uint8', 'int16', 'uint16', 'int32'];

export interface QRange {
  readonly qmin: number;
  readonly qmax: number;
}

export interface RangeOptions {
  /** Symmetric range: the lowest signed value is dropped so that 0 sits in the middle. */
  readonly symmetric?: boolean;
  /** 7-bit style reduced range (ORT `reduce_range`, for CPUs without VNNI); wins over `symmetric`. */
  readonly reduceRange?: boolean;
}

const r = (qmin: number, qmax: number): QRange => ({ qmin, qmax });

/** Full storage range of each type: what QuantizeLinear saturates to. */
const FULL: Readonly<Record<QuantType, QRange>> = {
  int4: r(-8, 7),
  uint4: r(0, 15),
  int8: r(-128, 127),
  uint8: r(0, 255),
  int16: r(-32768, 32767),
  uint16: r(0, 65535),
  int32: r(-2147483648, 2147483647),
};

/**
 * ORT's symmetric table. Note uint8/uint16 end one short of the type maximum (254, 65534), so the
 * symmetric zero point is 127 / 32767, not 128 / 32768 (ORT >= 1.20). The 4-bit types have no entry
 * in ORT and use the full range. int32 is not in ORT's tool; we extend the signed rule to it.
 */
const SYMMETRIC: Readonly<Partial<Record<QuantType, QRange>>> = {
  int8: r(-127, 127),
  uint8: r(0, 254),
  int16: r(-32767, 32767),
  uint16: r(0, 65534),
  int32: r(-2147483647, 2147483647),
};

/** ORT's reduced-range table (int32 by analogy: one bit less). */
const REDUCED: Readonly<Record<QuantType, QRange>> = {
  int4: r(-4, 3),
  uint4: r(0, 7),
  int8: r(-64, 64),
  uint8: r(0, 127),
  int16: r(-16384, 16384),
  uint16: r(0, 32767),
  int32: r(-1073741824, 1073741824),
};

export function isQuantType(type: string): type is QuantType {
  return (QUANT_TYPES as readonly string[]).includes(type);
}

/** Narrows a type name (e.g. an ONNX DataType) to a QuantType or throws UnsupportedTypeError. */
export function asQuantType(type: string): QuantType {
  if (isQuantType(type)) return type;
  throw new UnsupportedTypeError(`'${type}' is not an integer quantization type.`, { hint: `Use one of ${QUANT_TYPES.join(', ')}.` });
}

/** The full range of the type: QuantizeLinear's saturation bounds. */
export function typeRange(type: QuantType): QRange {
  return FULL[type];
}

/** The integer range a scale is derived for (ORT get_qmin_qmax_for_qType semantics). */
export function qRange(type: QuantType, options: RangeOptions = {}): QRange {
  if (options.reduceRange) return REDUCED[type];
  if (options.symmetric) return SYMMETRIC[type] ?? FULL[type];
  return FULL[type];
}

export function quantTypeBits(type: QuantType): number {
  switch (type) {
    case 'int4':
    case 'uint4':
      return 4;
    case 'int8':
    case 'uint8':
      return 8;
    case 'int16':
    case 'uint16':
      return 16;
    case 'int32':
      return 32;
  }
}

export function isSignedQuantType(type: QuantType): boolean {
  return FULL[type].qmin < 0;
}

/**
 * ORT's default weight symmetry when `WeightSymmetric` is not given: signed types quantize weights
 * symmetrically (zero point 0), unsigned ones asymmetrically.
 */
export function defaultWeightSymmetric(type: QuantType): boolean {
  return isSignedQuantType(type);
}
