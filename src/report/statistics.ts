import type { Model } from '../ir/index.js';
import { optionalOpTypes, supportedOpTypes } from '../qdq/registry.js';
import type { NodePlan, TensorPrecision } from '../qdq/types.js';

/** Columns of the "Mixed Precision Statistics" table. */
export const PRECISION_COLUMNS = ['INT8', 'INT16', 'BF16', 'FP16', 'FP32'] as const;
export type PrecisionColumn = (typeof PRECISION_COLUMNS)[number];

export type PrecisionStatistics = Record<string, Record<PrecisionColumn, number>>;

export function columnOf(p: TensorPrecision): PrecisionColumn {
  switch (p) {
    case 'int8':
    case 'uint8':
      return 'INT8';
    case 'int16':
    case 'uint16':
      return 'INT16';
    case 'bfloat16':
      return 'BF16';
    case 'float16':
      return 'FP16';
    default:
      return 'FP32';
  }
}

const empty = (): Record<PrecisionColumn, number> => ({ INT8: 0, INT16: 0, BF16: 0, FP16: 0, FP32: 0 });

/** Per op type counts from a plan (the original model's nodes, not inserted Q/DQ). */
export function statisticsFromPlan(nodes: readonly NodePlan[]): PrecisionStatistics {
  const stats: PrecisionStatistics = {};
  for (const n of nodes) {
    const row = (stats[n.opType] ??= empty());
    row[columnOf(n.precision)]++;
  }
  return sortStats(stats);
}

const QDQ_OPS = new Set(['QuantizeLinear', 'DequantizeLinear']);

/**
 * Per op type counts read off a QDQ model (for `mixq inspect` on a file). A node counts as integer
 * when it reads a dequantized weight (Conv, Gemm, MatMul...), or when its output is quantized again
 * (runtimes then fuse DQ → op → Q into an integer kernel, e.g. a Relu right after a Conv); a node
 * that only reads dequantized data and returns float runs in float. The widest type involved wins.
 * Cast pairs mark 16-bit floats.
 */
export function statisticsFromGraph(model: Model): PrecisionStatistics {
  const stats: PrecisionStatistics = {};
  for (const node of model.graph.nodes) {
    if (QDQ_OPS.has(node.opType) || isCastPairPart(node)) continue;
    const row = (stats[node.opType] ??= empty());
    row[columnOfNode(node)]++;
  }
  return sortStats(stats);
}

type GraphNode = Model['graph']['nodes'][number];

function columnOfNode(node: GraphNode): PrecisionColumn {
  let input: PrecisionColumn | undefined;
  let readsWeight = false;
  let castColumn: PrecisionColumn | undefined;
  for (const value of node.inputs) {
    const p = value?.producer;
    if (p?.opType === 'DequantizeLinear') {
      input = wider(input, integerColumn(p.inputs[2]?.initializer?.type ?? p.inputs[0]?.initializer?.type ?? p.inputs[0]?.producer?.inputs[2]?.initializer?.type));
      if (p.inputs[0]?.initializer !== undefined) readsWeight = true;
    } else if (p?.opType === 'Cast') {
      castColumn ??= castPairColumn(p);
    }
  }
  // An op with no integer kernel (Erf, Div...) runs in float even between a DQ and a Q.
  const kernel = hasIntegerKernel(node.opType);
  const direct = kernel ? quantizedOutput(node, false) : undefined;
  // A fused Relu's output type says the node is integer, not how wide it computes.
  const fused = kernel ? quantizedOutput(node, true) : undefined;
  const integer = readsWeight || fused !== undefined ? (wider(input, direct) ?? fused) : undefined;
  return integer ?? castColumn ?? 'FP32';
}

/** The type the node's output is quantized to, looking through one fused Relu / Clip. */
function quantizedOutput(node: GraphNode, throughActivation: boolean): PrecisionColumn | undefined {
  let column: PrecisionColumn | undefined;
  for (const value of node.outputs) {
    for (const use of value?.uses ?? []) {
      const next = use.node;
      // A QuantizeLinear without a zero point produces uint8.
      if (next.opType === 'QuantizeLinear') column = wider(column, integerColumn(next.inputs[2] ? next.inputs[2].initializer?.type : 'uint8'));
      else if (throughActivation && FUSED_ACTIVATIONS.has(next.opType)) column = wider(column, quantizedOutput(next, false));
    }
  }
  return column;
}

const FUSED_ACTIVATIONS = new Set(['Relu', 'Clip']);

let integerKernels: Set<string> | undefined;

/** Op types mixq quantizes by default: the ones a QDQ runtime runs as integer kernels. */
function hasIntegerKernel(opType: string): boolean {
  if (!integerKernels) {
    const optional = new Set(optionalOpTypes());
    integerKernels = new Set(supportedOpTypes().filter((op) => !optional.has(op)));
  }
  return integerKernels.has(opType);
}

function integerColumn(zeroPointType: string | undefined): PrecisionColumn | undefined {
  if (zeroPointType === 'int16' || zeroPointType === 'uint16') return 'INT16';
  if (zeroPointType === 'int8' || zeroPointType === 'uint8') return 'INT8';
  return undefined;
}

function wider(a: PrecisionColumn | undefined, b: PrecisionColumn | undefined): PrecisionColumn | undefined {
  if (a === 'INT16' || b === 'INT16') return 'INT16';
  return a ?? b;
}

/** BF16 / FP16 when `cast` ends a float → 16-bit → float Cast pair (or casts a 16-bit constant). */
function castPairColumn(cast: GraphNode): PrecisionColumn | undefined {
  const from = cast.inputs[0]?.producer;
  const to = from?.opType === 'Cast' ? from.attrInt('to') : cast.inputs[0]?.initializer ? codeOf(cast.inputs[0].initializer.type) : undefined;
  return to === 16 ? 'BF16' : to === 10 ? 'FP16' : undefined;
}

function codeOf(type: string): number | undefined {
  return type === 'bfloat16' ? 16 : type === 'float16' ? 10 : undefined;
}

function isCastPairPart(node: { opType: string; inputs: readonly ({ producer: { opType: string } | undefined; initializer?: unknown } | undefined)[]; outputs: readonly ({ uses: readonly { node: { opType: string } }[] } | undefined)[] }): boolean {
  if (node.opType !== 'Cast') return false;
  const fromCast = node.inputs[0]?.producer?.opType === 'Cast';
  const toCast = node.outputs[0]?.uses.some((u) => u.node.opType === 'Cast') ?? false;
  const fromConst = node.inputs[0]?.initializer !== undefined;
  return fromCast || toCast || fromConst;
}

function sortStats(stats: PrecisionStatistics): PrecisionStatistics {
  return Object.fromEntries(Object.entries(stats).sort((a, b) => a[0].localeCompare(b[0])));
}

/** Counts of the int32-bias fixes of a quantization (see qdq/bias-fit.ts). */
export interface Int32BiasStatistics {
  /** Biases whose weight scales were raised so they fit int32. */
  readonly adjustedBiases: number;
  /** Weight scales raised over all of them (channels, or 1 per per-tensor weight). */
  readonly adjustedChannels: number;
  /** Biases still clipped at the int32 limits, and how many values. */
  readonly saturatedBiases: number;
  readonly saturatedValues: number;
}

export function int32BiasStatistics(adjustments: readonly { readonly channels: number }[], saturated: readonly { readonly values: number }[]): Int32BiasStatistics {
  return {
    adjustedBiases: adjustments.length,
    adjustedChannels: adjustments.reduce((n, a) => n + a.channels, 0),
    saturatedBiases: saturated.length,
    saturatedValues: saturated.reduce((n, s) => n + s.values, 0),
  };
}

export function totals(stats: PrecisionStatistics): Record<PrecisionColumn, number> {
  const t = empty();
  for (const row of Object.values(stats)) for (const c of PRECISION_COLUMNS) t[c] += row[c];
  return t;
}
