/** Console table and JSON of `compare`: per-tensor error of a QDQ model against its float model. */
import type { ModelComparison, TensorError } from '../calibration/compare.js';
import { formatTable } from './table.js';

export interface CompareLabels {
  readonly float?: string;
  readonly quantized?: string;
}

/** How many jumps the summary names before "…". */
const NAMED_JUMPS = 5;

/** The summary (samples, where the error jumps, clipped int32 biases) and the per-tensor table. */
export function formatComparison(c: ModelComparison, labels: CompareLabels = {}): string {
  const pair = labels.float && labels.quantized ? ` of ${labels.quantized} against ${labels.float}` : '';
  const lines = [`Compared ${c.tensors.length} tensors${pair} on ${c.samples} samples (${c.passes} pass${c.passes === 1 ? '' : 'es'}).`];
  lines.push(jumpLine(c));
  lines.push(saturationLine(c));
  if (c.missing.length > 0) lines.push(`Not in the quantized model (not compared): ${c.missing.length} tensor(s): ${c.missing.slice(0, 5).map((n) => `'${n}'`).join(', ')}${c.missing.length > 5 ? ', …' : ''}.`);
  const rows = c.tensors.map((t, i) => [i + 1, t.tensor, t.producerOp, t.quantized, formatRelative(t.relativeL2), formatSqnr(t.sqnr), t.jump ? `◀ ×${formatRatio(t.jumpRatio)}` : '']);
  lines.push(formatTable(['#', 'tensor', 'op', 'quantized', 'rel. L2', 'SQNR dB', 'jump'], rows, { align: ['right', 'left', 'left', 'left', 'right', 'right', 'left'] }));
  lines.push(`jump: rel. L2 > ${c.rule.jumpFactor} × max(inputs' rel. L2, ${c.rule.minRelativeL2})`);
  return lines.join('\n');
}

function jumpLine(c: ModelComparison): string {
  if (c.jumps.length === 0) return `No tensor's error jumps (rule: rel. L2 > ${c.rule.jumpFactor}× its inputs').`;
  const byName = new Map(c.tensors.map((t) => [t.tensor, t]));
  const named = c.jumps.slice(0, NAMED_JUMPS).map((n) => describeJump(byName.get(n)!));
  return `Error jumps first at ${named.join(', then ')}${c.jumps.length > NAMED_JUMPS ? `, and ${c.jumps.length - NAMED_JUMPS} more` : ''}.`;
}

function describeJump(t: TensorError): string {
  return `'${t.tensor}' (${t.producerOp}, ${t.quantized}: rel. L2 ${formatRelative(t.relativeL2)}, ×${formatRatio(t.jumpRatio)} its inputs')`;
}

function saturationLine(c: ModelComparison): string {
  if (c.saturatedInt32.length === 0) return 'Saturated int32 biases: none.';
  const list = c.saturatedInt32.map((s) => `'${s.tensor}'${s.consumers.length ? ` (${s.consumers.join(', ')})` : ''}: ${s.values} of ${s.of}`);
  return `Saturated int32 biases: ${c.saturatedInt32.length} (values at the int32 limits): ${list.join('; ')}.`;
}

export function formatRelative(x: number): string {
  if (!Number.isFinite(x)) return '∞';
  if (x === 0) return '0';
  return x >= 0.001 ? x.toFixed(4) : x.toExponential(2);
}

export function formatSqnr(x: number): string {
  return Number.isFinite(x) ? x.toFixed(1) : x > 0 ? '∞' : '-∞';
}

function formatRatio(x: number): string {
  return Number.isFinite(x) ? (x >= 100 ? x.toExponential(1) : x.toFixed(1)) : '∞';
}

/** The comparison as JSON-ready data: infinite numbers (identical tensors' SQNR) become null. */
export function comparisonToJson(c: ModelComparison): unknown {
  const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    samples: c.samples,
    passes: c.passes,
    rule: c.rule,
    jumps: c.jumps,
    saturatedInt32: c.saturatedInt32,
    missing: c.missing,
    tensors: c.tensors.map((t) => ({ ...t, relativeL2: finite(t.relativeL2), sqnr: finite(t.sqnr), jumpRatio: finite(t.jumpRatio) })),
  };
}
