/**
 * Vocabulary of float mixed precision (BF16 / FP16 with FP32): options of the graph pass and what
 * it reports. Plain data, so that the search and the API can pass it around and print it.
 */
import type { Model } from '../../ir/index.js';
import type { TensorPrecision } from '../types.js';

/** The 16-bit float type the regions compute in. */
export type FloatPrecision = 'bf16' | 'fp16';

/**
 * native: region ops really take and return 16-bit tensors (for runtimes with 16-bit kernels).
 * emulated: every op stays FP32 but each 16-bit value is rounded by a Cast(to=16-bit)→Cast(to=float)
 * pair, so the numbers match native execution and the model runs on the CPU onnxruntime.
 */
export type FloatMixForm = 'emulated' | 'native';

/**
 * allow: numerically safe in 16 bits, always converted. deny: kept FP32. infer: joins a 16-bit
 * region when one of its inputs comes from it. clear: moves data without arithmetic, joins when all
 * of its float inputs are 16-bit.
 */
export type ListName = 'allow' | 'deny' | 'infer' | 'clear';
export const LIST_NAMES: readonly ListName[] = ['allow', 'deny', 'infer', 'clear'];

export interface ListEdit {
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
}

/** Per-list edits of the default lists, by op type. An op type may end up in one list only. */
export type ListOverrides = { readonly [K in ListName]?: ListEdit };

export interface FloatMixOptions {
  readonly precision: FloatPrecision;
  readonly form: FloatMixForm;
  readonly lists?: ListOverrides;
  /** Node names converted whatever their op type's list says (as if their op were in `allow`). */
  readonly forceLowPrecision?: readonly string[];
  /** Node names kept FP32 whatever their op type's list says. */
  readonly forceFloat32?: readonly string[];
  /** Node names put back to FP32 by the accuracy-driven search (reported as 'fell-back'). */
  readonly fallbackNodes?: readonly string[];
}

/**
 * Why a node stays FP32.
 * - denied: its op is in the deny list, it was forced FP32 by name, or it reads a denied node's
 *   output through infer/clear ops (deny spreads forward, as in TensorFlow's AMP).
 * - fell-back: the accuracy-driven search put it back.
 * - overflow: a weight it reads does not fit the 16-bit type (|x| > 65504 for float16).
 * - no-16-bit-input: an infer/clear op none (infer) or not all (clear) of whose inputs are 16-bit.
 * - unsupported: its op type is in no list, it is in a custom domain, or it holds subgraphs.
 * - subgraph: it lies inside an If/Loop/Scan body (subgraphs stay float).
 * - quantized: a QuantizeLinear/DequantizeLinear node or a node of a Q/DQ region.
 * - not-float: it computes on no float32 tensor (shape arithmetic, integer ops).
 * - runtime-fusion: only a decomposed LayerNorm reads its output, and onnxruntime would fuse that
 *   LayerNorm with the Cast between them into a LayerNormalization its CPU kernels reject.
 */
export type Float32Reason = 'denied' | 'fell-back' | 'overflow' | 'no-16-bit-input' | 'unsupported' | 'subgraph' | 'quantized' | 'not-float' | 'runtime-fusion';

export interface NodeDecision {
  readonly name: string;
  readonly opType: string;
  /** The list its op type is in, if any. */
  readonly list: ListName | undefined;
  /** What the node computes in: bfloat16/float16 when converted, int8/int16 inside Q/DQ regions. */
  readonly precision: TensorPrecision;
  /** Set for every node left FP32 (or integer). */
  readonly reason?: Float32Reason;
  readonly detail?: string;
}

/** A float16 weight that would overflow: it stays FP32 and so does the node reading it. */
export interface OverflowRecord {
  readonly tensor: string;
  readonly node: string;
  readonly maxAbs: number;
}

export interface CastCounts {
  /** Casts float32 → 16-bit on activations entering a region (in emulated form, each pair's first Cast). */
  readonly toLow: number;
  /** Casts 16-bit → float32 on activations (region exits in native form; second Cast of each pair in emulated form). */
  readonly toFloat: number;
  /** Casts of stored 16-bit weights back to float32 (emulated form only). */
  readonly weight: number;
  /** Casts of the input model made redundant and removed (e.g. a float16 weight's Cast to float). */
  readonly removed: number;
}

export interface FloatMixResult {
  readonly model: Model;
  readonly precision: FloatPrecision;
  readonly form: FloatMixForm;
  /** Nodes converted to 16-bit. */
  readonly converted: number;
  /** Nodes of the model (main graph and subgraphs), after Constant nodes became initializers. */
  readonly total: number;
  readonly casts: CastCounts;
  /** Every node of the main graph and its subgraphs, in graph order. */
  readonly nodes: readonly NodeDecision[];
  readonly overflow: readonly OverflowRecord[];
  /** Initializers stored as 16-bit. */
  readonly convertedWeights: readonly string[];
  /** "Converted K/N nodes to BF16, inserted C casts". */
  readonly summary: string;
}
