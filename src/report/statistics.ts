import type { Model } from '../ir/index.js';
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
 * Per op type counts read off a QDQ model (for `mixq inspect` on a file): a node counts at the
 * widest integer type among the DequantizeLinear outputs it reads; Cast pairs mark 16-bit floats.
 */
export function statisticsFromGraph(model: Model): PrecisionStatistics {
  const stats: PrecisionStatistics = {};
  for (const node of model.graph.nodes) {
    if (QDQ_OPS.has(node.opType) || isCastPairPart(node)) continue;
    let column: PrecisionColumn = 'FP32';
    for (const input of node.inputs) {
      const p = input?.producer;
      if (!p) continue;
      if (p.opType === 'DequantizeLinear') {
        const zpType = p.inputs[2]?.initializer?.type ?? p.inputs[0]?.initializer?.type ?? p.inputs[0]?.producer?.inputs[2]?.initializer?.type;
        const c = zpType === 'int16' || zpType === 'uint16' ? 'INT16' : zpType === 'int8' || zpType === 'uint8' ? 'INT8' : undefined;
        if (c && (column === 'FP32' || c === 'INT16')) column = c;
      } else if (p.opType === 'Cast' && column === 'FP32') {
        const from = p.inputs[0]?.producer;
        const to = from?.opType === 'Cast' ? from.attrInt('to') : p.inputs[0]?.initializer ? codeOf(p.inputs[0].initializer.type) : undefined;
        if (to === 16) column = 'BF16';
        else if (to === 10) column = 'FP16';
      }
    }
    const row = (stats[node.opType] ??= empty());
    row[column]++;
  }
  return sortStats(stats);
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

export function totals(stats: PrecisionStatistics): Record<PrecisionColumn, number> {
  const t = empty();
  for (const row of Object.values(stats)) for (const c of PRECISION_COLUMNS) t[c] += row[c];
  return t;
}
