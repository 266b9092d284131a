/**
 * Element types of tensors, named as in ONNX's TensorProto.DataType, with the format's numeric codes
 * (facts of the format; kept here so that no layer needs protobuf to know them).
 */
export const DATA_TYPE_CODES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
  float8e8m0: 24,
  uint2: 25,
  int2: 26,
} as const;

export type DataType = keyof typeof DATA_TYPE_CODES;

const CODE_TO_TYPE = new Map<number, DataType>(
  (Object.entries(DATA_TYPE_CODES) as [DataType, number][]).map(([name, code]) => [code, name]),
);

export function dataTypeFromCode(code: number): DataType | undefined {
  return CODE_TO_TYPE.get(code);
}

export function dataTypeCode(type: DataType): number {
  return DATA_TYPE_CODES[type];
}

/** Bits per element (sub-byte types pack two or four per byte). 0 for string. */
export const BITS_PER_ELEMENT: Readonly<Record<DataType, number>> = {
  float32: 32, uint8: 8, int8: 8, uint16: 16, int16: 16, int32: 32, int64: 64, string: 0, bool: 8,
  float16: 16, float64: 64, uint32: 32, uint64: 64, complex64: 64, complex128: 128, bfloat16: 16,
  float8e4m3fn: 8, float8e4m3fnuz: 8, float8e5m2: 8, float8e5m2fnuz: 8, uint4: 4, int4: 4,
  float4e2m1: 4, float8e8m0: 8, uint2: 2, int2: 2,
};

/** Number of bytes needed to store `count` elements in ONNX raw_data layout. */
export function byteLengthOf(type: DataType, count: number): number {
  const bits = BITS_PER_ELEMENT[type];
  return Math.ceil((bits * count) / 8);
}

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/**
 * The JS array that holds one element per item for a type, when there is a natural one.
 * float16/bfloat16 are held as their raw 16-bit patterns in a Uint16Array.
 */
export const TYPED_ARRAY_OF: Partial<Record<DataType, { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray; new (length: number): TypedArray; BYTES_PER_ELEMENT: number }>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
};

export function isFloatType(type: DataType): boolean {
  return type === 'float32' || type === 'float64' || type === 'float16' || type === 'bfloat16' || type.startsWith('float8') || type === 'float4e2m1';
}

/**
 * A tensor in host memory, in the layout onnxruntime and the calibration code exchange:
 * dense, row-major, one element per array item. Independent of protobuf and onnxruntime.
 */
export interface HostTensor {
  readonly type: DataType;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
