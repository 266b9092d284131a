/**
 * The vocabulary of a quantization plan. A plan is plain data: which tensor gets which precision,
 * with what scale source, and what each node became. It can be printed, diffed and tested, and
 * the search edits plans, never graphs.
 */

/** Precision of one tensor in the output model. */
export type TensorPrecision = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'bfloat16' | 'float16' | 'float32';

/** Integer precisions carried by a QuantizeLinear/DequantizeLinear pair. */
export type IntegerPrecision = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

/** The names users write in a MixedPrecisionTensor map (as Quark spells them). */
export const PRECISION_NAMES = {
  Int8: 'int8',
  UInt8: 'uint8',
  Int16: 'int16',
  UInt16: 'uint16',
  BFloat16: 'bfloat16',
  Float16: 'float16',
  Float32: 'float32',
} as const satisfies Record<string, Exclude<TensorPrecision, 'int32'>>;

export type PrecisionName = keyof typeof PRECISION_NAMES;

/** `{ Int8: ['conv1_out'], Int16: [...], BFloat16: [...], Float32: [...] }` */
export type MixedPrecisionTensor = { readonly [K in PrecisionName]?: readonly string[] };

export type TensorRole = 'activation' | 'weight' | 'bias';

export function isIntegerPrecision(p: TensorPrecision): p is IntegerPrecision {
  return p === 'int8' || p === 'uint8' || p === 'int16' || p === 'uint16' || p === 'int32';
}

export function precisionBits(p: TensorPrecision): number {
  switch (p) {
    case 'int8':
    case 'uint8':
      return 8;
    case 'int16':
    case 'uint16':
    case 'bfloat16':
    case 'float16':
      return 16;
    case 'int32':
    case 'float32':
      return 32;
  }
}

/** How a tensor's quantization parameters are obtained. */
export type ScaleSource =
  /** From the calibration range of this very tensor (activations) or its values (weights). */
  | { readonly kind: 'own' }
  /**
   * The calibrated range of another tensor (Reshape, Transpose, MaxPool outputs...: the top of their
   * chain of data-movement ops): same scale/zero point as that tensor when the precisions match.
   */
  | { readonly kind: 'shared'; readonly with: string }
  /** Fixed float range known from the op (Softmax/Sigmoid output in [0, 1]). */
  | { readonly kind: 'fixed'; readonly min: number; readonly max: number }
  /** Bias: input scale × weight scale, zero point 0. */
  | { readonly kind: 'bias'; readonly input: string; readonly weight: string; readonly node: string };

export interface TensorPlan {
  readonly name: string;
  readonly role: TensorRole;
  readonly precision: TensorPrecision;
  readonly symmetric: boolean;
  /** Per-channel axis for weights; absent = per tensor. */
  readonly axis?: number;
  readonly scale: ScaleSource;
}

/**
 * A consumer that needs a different precision than the tensor carries (a node-level override):
 * materialisation inserts DQ → Q(precision) → DQ (or a Cast pair) on that edge only.
 */
export interface EdgeConversion {
  readonly tensor: string;
  readonly node: string;
  readonly inputIndex: number;
  readonly precision: TensorPrecision;
}

export type NodeStatus = 'quantized' | 'float' | 'unsupported' | 'excluded' | 'subgraph';

export interface NodePlan {
  readonly name: string;
  readonly opType: string;
  readonly status: NodeStatus;
  /** The precision the node computes in (for statistics): int8/int16 when quantized. */
  readonly precision: TensorPrecision;
  readonly reason?: string;
}

export interface QuantPlan {
  /** Tensors that get Q/DQ (or Cast) pairs, in graph order. */
  readonly tensors: readonly TensorPlan[];
  readonly conversions: readonly EdgeConversion[];
  readonly nodes: readonly NodePlan[];
}
