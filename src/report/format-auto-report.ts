/** Console text of an auto mixed-precision report: what was chosen per layer, and what it cost. */
import type { TensorPrecision } from '../qdq/types.js';
import type { MetricName } from '../search/metrics.js';
import { layersBySensitivity, type AutoReport, type ReportMetrics } from './auto-report.js';
import { formatCostLine } from './cost.js';
import { formatUpgradeLine } from '../qdq/upgrade/index.js';
import { formatMegabytes, formatStatistics } from './format-statistics.js';
import { formatPareto } from './format-pareto.js';
import { columnOf } from './statistics.js';
import { formatTable } from './table.js';

/** The full report: per-layer table, metrics before/after, statistics, effort. */
export function formatAutoReport(report: AutoReport): string {
  return [
    formatHeader(report),
    formatLayerTable(report),
    formatMetricsTable(report),
    formatCost(report),
    formatPareto(report),
    formatStatistics(report.statistics),
    formatEffort(report),
  ]
    .filter((section) => section !== '')
    .join('\n\n');
}

function formatHeader(report: AutoReport): string {
  const lines = [`Automatic mixed precision${report.model ? ` of ${report.model}` : ''}`];
  lines.push(`  target: ${report.target.description} — ${report.met ? 'met' : 'NOT met'}`);
  lines.push(`  result: ${report.message}`);
  if (report.output) lines.push(`  saved:  ${report.output}`);
  if (report.opsetUpgrade?.upgraded) lines.push(`  ${formatUpgradeLine(report.opsetUpgrade)}`);
  if (report.stoppedBy) lines.push(`  stopped early: ${report.stoppedBy.reason}`);
  for (const f of report.failedTrials ?? []) lines.push(`  failed trial: ${f.candidate}: ${f.reason}`);
  return lines.join('\n');
}

/** Precision as the statistics table spells it (INT8, INT16, BF16, FP16, FP32). */
export function precisionLabel(p: TensorPrecision): string {
  return p === 'uint8' || p === 'uint16' ? `U${columnOf(p)}` : columnOf(p);
}

/** The activation precision ('INT8', 'INT16', 'BF16'…), plus ' / W16' when the layer's weights are 16-bit. */
function layerLabel(l: AutoReport['layers'][number]): string {
  const base = precisionLabel(l.activation ?? l.precision);
  return l.weight === 'int16' || l.weight === 'uint16' ? `${base} / W16` : base;
}

export function formatLayerTable(report: Pick<AutoReport, 'layers' | 'sensitivityMetric'>): string {
  const rows = layersBySensitivity(report).map((l, i) => [
    i + 1,
    l.name,
    l.op,
    l.sensitivity === null ? '— (not measured)' : formatMetric(report.sensitivityMetric, l.sensitivity),
    layerLabel(l),
  ]);
  const title = `Layers by sensitivity (${report.sensitivityMetric} with only that layer narrowed; least sensitive first)`;
  return `${title}\n${formatTable(['#', 'layer', 'op', `sensitivity (${report.sensitivityMetric})`, 'precision'], rows, { align: ['right', 'left', 'left', 'right', 'left'] })}`;
}

/** A metric value with the digits that matter for it (cosine sits just under 1). */
export function formatMetric(metric: MetricName, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return metric === 'sqnr' || metric === 'psnr' ? '∞ dB' : '∞';
  switch (metric) {
    case 'sqnr':
    case 'psnr':
      return `${value.toFixed(2)} dB`;
    case 'cosine':
      return value.toFixed(6);
    default:
      return value.toPrecision(4);
  }
}

const METRIC_ROWS: readonly [MetricName, keyof ReportMetrics][] = [
  ['l2', 'l2'],
  ['relative-l2', 'relativeL2'],
  ['sqnr', 'sqnr'],
  ['psnr', 'psnr'],
  ['cosine', 'cosine'],
  ['kl', 'kl'],
];

function formatMetricsTable(report: AutoReport): string {
  const rows: string[][] = [];
  const { wide } = report.baseline;
  const final = report.final;
  const floatScore = report.baseline.float?.score;
  if (wide.score !== undefined || final.score !== undefined || floatScore !== undefined) {
    rows.push(['evaluate score', fmtScore(floatScore), fmtScore(wide.score), fmtScore(final.score)]);
  }
  for (const [name, key] of METRIC_ROWS) {
    rows.push([name, '—', formatMetric(name, wide[key] as number | null), formatMetric(name, final[key] as number | null)]);
  }
  const title = `Baseline vs final (output difference to the float model over ${final.samples} calibration samples)`;
  return `${title}\n${formatTable(['metric', 'float', 'wide (start)', 'final'], rows)}`;
}

/** Bytes and latency of float, wide and final, and the one-line summary the CLI prints. */
export function formatCost(report: Pick<AutoReport, 'baseline' | 'final' | 'cost'>): string {
  const float = report.baseline.float;
  const { wide } = report.baseline;
  const final = report.final;
  if (float?.bytes === undefined || final.bytes === undefined) return '';
  const latency = report.cost?.latency;
  const rows = (
    [
      ['float', float],
      ['wide (start)', wide],
      ['final', final],
    ] as const
  )
    .filter(([, c]) => c.bytes !== undefined)
    .map(([name, c]) => [name, formatMegabytes(c.bytes!), c.latencyMs === undefined ? '—' : `${c.latencyMs.toFixed(2)} ms`]);
  const how = latency
    ? `onnxruntime CPU, default options, ${latency.threads} threads, batch ${latency.batch}, median of ${latency.runs} runs after ${latency.warmup} warm-up`
    : 'latency not measured';
  const lines = [`Cost on this machine (${how})`, formatTable(['model', 'size', 'latency'], rows), formatCostLine({ float: { ...float, bytes: float.bytes }, final: { ...final, bytes: final.bytes }, ...(latency ? { latency } : {}) })];
  if (report.cost?.warning) lines.push(`warning: ${report.cost.warning}`);
  return lines.join('\n');
}

const fmtScore = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(4));

function formatEffort(report: AutoReport): string {
  const optimistic = report.optimistic === 'met' || report.optimistic === 'missed' ? 1 : 0;
  const other = report.evaluations - report.sensitivityEvaluations - report.searchEvaluations - optimistic;
  const parts = [...(optimistic ? [`1 optimistic (every group narrowed: ${report.optimistic})`] : []), `${report.sensitivityEvaluations} sensitivity`, `${report.searchEvaluations} search${report.looks ? ` (${report.looks} of them looks on the first samples)` : ''}`, `${other} reference/baseline`];
  const cached = report.cachedSensitivities > 0 ? `; ${report.cachedSensitivities} sensitivities read from the cache` : '';
  const early = report.stoppedEarly ? '; stopped early (evaluation or time budget)' : '';
  return `Evaluations: ${report.evaluations} model runs over the calibration data (${parts.join(', ')})${cached}${early}; ${report.seconds.toFixed(1)} s`;
}
