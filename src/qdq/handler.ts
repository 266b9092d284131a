import type { Node, Value } from '../ir/index.js';
import type { TensorRole } from './types.js';

/** A node input the handler wants quantized. */
export interface InputRequest {
  readonly index: number;
  readonly role: TensorRole;
  /** Per-channel axis (weights only); used when per-channel quantization is on. */
  readonly channelAxis?: number;
}

/** How the handler wants an output quantized. */
export type OutputScale =
  | { readonly kind: 'own' }
  /** Same scale as input `inputIndex` (ops that move values without changing them). */
  | { readonly kind: 'shared'; readonly inputIndex: number }
  | { readonly kind: 'fixed'; readonly min: number; readonly max: number };

export interface OutputRequest {
  readonly index: number;
  readonly scale: OutputScale;
}

export interface HandlerDecision {
  readonly inputs: readonly InputRequest[];
  readonly outputs: readonly OutputRequest[];
  /** Bias input quantized to int32 with scale = input scale × weight scale. */
  readonly bias?: { readonly index: number; readonly inputIndex: number; readonly weightIndex: number };
  /**
   * The op is an activation the runtime fuses into its producer (Relu, Clip): the producer's
   * output needs no Q/DQ of its own when this node is its only consumer.
   */
  readonly fusesIntoProducer?: boolean;
  /** Quantize only when input 0 already carries Q/DQ (data-movement ops: Reshape, Transpose...). */
  readonly onlyIfInputQuantized?: boolean;
}

export interface HandlerContext {
  /** True when the value is a constant (initializer, possibly via a Constant-node normalisation). */
  isConstant(value: Value): boolean;
  readonly opset: number;
  /** Quantize LayerNormalization / other ops that are kept float unless asked. */
  readonly quantizeOptional: ReadonlySet<string>;
}

export type HandlerResult = HandlerDecision | { readonly skip: string };

/** One op family's quantization rule. Adding an op = one handler file + one line in registry.ts. */
export interface OpHandler {
  readonly opTypes: readonly string[];
  /** Ops kept float unless the user asks for them (LayerNormalization). */
  readonly optional?: boolean;
  plan(node: Node, ctx: HandlerContext): HandlerResult;
}

export function isSkip(r: HandlerResult): r is { readonly skip: string } {
  return 'skip' in r;
}
