/**
 * A self-contained SVG bar chart of per-layer sensitivity, written as text (no browser, no canvas):
 * one horizontal bar per layer, least sensitive at the top, running from the wide model's value to
 * the value with only that layer narrowed, coloured by the precision the layer got. Vertical lines
 * mark the wide model, the final model and (for metric targets) the target; a horizontal line marks
 * the cut between narrowed and kept layers when the chosen precisions split the order in two.
 */
import type { TensorPrecision } from '../qdq/types.js';
import { lowerIsBetter, type MetricName } from '../search/metrics.js';
import { layersBySensitivity, type AutoReport, type ReportLayer, type ReportMetrics } from './auto-report.js';
import { formatMetric, precisionLabel } from './format-auto-report.js';
import { paretoPanel } from './svg-pareto.js';
import { esc, niceStep, r, text } from './svg-primitives.js';

export type ChartInput = Pick<AutoReport, 'layers' | 'sensitivityMetric' | 'target' | 'baseline' | 'final' | 'met'> & Partial<Pick<AutoReport, 'pareto'>>;

const COLORS: Readonly<Record<string, string>> = {
  INT8: '#2b6cb0',
  UINT8: '#2b6cb0',
  INT16: '#dd8a1e',
  UINT16: '#dd8a1e',
  BF16: '#2f9e44',
  FP16: '#0c8599',
  FP32: '#868e96',
};

const ROW = 20;
const BAR = 13;
const PLOT_WIDTH = 460;
const CHAR = 6.6; // width of one 11px monospace character, to size the label column
const MAX_LABEL = 52;
const TOP = 92;
const BOTTOM = 46;

export function sensitivityChartSvg(report: ChartInput, options: { title?: string } = {}): string {
  const layers = layersBySensitivity(report);
  const metric = report.sensitivityMetric;
  const wide = metricOf(report.baseline.wide, metric);
  const final = metricOf(report.final, metric);
  const target = report.target.kind === 'metric' && report.target.metric === metric ? report.target.threshold : undefined;
  const labelWidth = Math.ceil(Math.max(8, ...layers.map((l) => shorten(l.name).length)) * CHAR);
  const left = labelWidth + 24;
  const width = left + PLOT_WIDTH + 110;
  const chartHeight = TOP + Math.max(1, layers.length) * ROW + BOTTOM;
  // Accuracy vs size / latency below the bars, when the search recorded its candidates.
  const pareto = paretoPanel(report, chartHeight, width);
  const height = chartHeight + pareto.height;
  const values = layers.map((l) => l.sensitivity).filter((v): v is number => v !== null);
  const scale = linearScale([...values, wide, final, target].filter((v): v is number => v !== undefined && v !== null && Number.isFinite(v)), metric, left, left + PLOT_WIDTH);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(12, 20, options.title ?? `Sensitivity per layer: ${metric} with only that layer narrowed`, { size: 15, weight: 'bold' }),
    text(12, 40, `target: ${report.target.description} (${report.met ? 'met' : 'not met'}); ${layers.length} layer group(s), least sensitive first`, { fill: '#495057' }),
    legend(layers, 12, 60),
    axis(scale, metric, TOP, TOP + layers.length * ROW),
    ...layers.map((l, i) => bar(l, i, scale, wide, metric)),
    ...referenceLines(scale, metric, { wide, final, target }, TOP - 8, TOP + layers.length * ROW),
    cutLine(layers, left - labelWidth - 12, left + PLOT_WIDTH),
    pareto.svg,
    '</svg>',
  ];
  return `${parts.filter((p) => p !== '').join('\n')}\n`;
}

interface Scale {
  readonly lo: number;
  readonly hi: number;
  readonly x0: number;
  readonly x1: number;
  at(v: number): number;
  readonly ticks: readonly number[];
}

/** A padded domain over every value drawn, with "nice" ticks (1, 2, 5 × 10^k steps). */
function linearScale(values: readonly number[], metric: MetricName, x0: number, x1: number): Scale {
  let lo = Math.min(...values, Infinity);
  let hi = Math.max(...values, -Infinity);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  // Error metrics cannot go below zero; do not draw an axis that suggests they could.
  if (lowerIsBetter(metric) && lo < 0) lo = 0;
  const step = niceStep((hi - lo) / 5);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return { lo, hi, x0, x1, ticks, at: (v) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0) };
}

function axis(scale: Scale, metric: MetricName, top: number, bottom: number): string {
  const out = [`<line x1="${scale.x0}" y1="${bottom}" x2="${scale.x1}" y2="${bottom}" stroke="#343a40"/>`];
  for (const t of scale.ticks) {
    const x = r(scale.at(t));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#e9ecef"/>`);
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 4}" stroke="#343a40"/>`);
    out.push(text(x, bottom + 16, tickLabel(t), { anchor: 'middle', size: 10 }));
  }
  const unit = metric === 'sqnr' || metric === 'psnr' ? ' (dB, higher is better)' : lowerIsBetter(metric) ? ' (lower is better)' : ' (higher is better)';
  out.push(text((scale.x0 + scale.x1) / 2, bottom + 34, `${metric}${unit}`, { anchor: 'middle' }));
  return out.join('\n');
}

const tickLabel = (t: number): string => (Math.abs(t) >= 1000 || (Math.abs(t) < 0.001 && t !== 0) ? t.toExponential(1) : String(Number(t.toPrecision(4))));

function bar(layer: ReportLayer, index: number, scale: Scale, wide: number | undefined, metric: MetricName): string {
  const y = TOP + index * ROW;
  const color = COLORS[precisionLabel(layer.precision)] ?? '#868e96';
  const label = text(scale.x0 - 12, y + ROW / 2 + 4, shorten(layer.name), { anchor: 'end', mono: true, size: 11 });
  const measured = layer.sensitivity === null ? 'not measured' : `${metric} ${formatMetric(metric, layer.sensitivity)}`;
  const tip = `<title>${esc(`${layer.name} (${layer.op}): ${measured} → ${precisionLabel(layer.precision)}`)}</title>`;
  if (layer.sensitivity === null) {
    return `<g>${tip}${label}${text(scale.x0 + 4, y + ROW / 2 + 4, 'not measured', { size: 10, fill: '#868e96' })}</g>`;
  }
  const from = scale.at(wide ?? scale.lo);
  const to = scale.at(layer.sensitivity);
  const x = r(Math.min(from, to));
  const w = r(Math.max(1, Math.abs(to - from)));
  const value = text(r(Math.max(from, to)) + 4, y + ROW / 2 + 4, formatMetric(metric, layer.sensitivity), { size: 10, fill: '#495057' });
  return `<g>${tip}${label}<rect x="${x}" y="${y + (ROW - BAR) / 2}" width="${w}" height="${BAR}" fill="${color}"/>${value}</g>`;
}

function referenceLines(scale: Scale, metric: MetricName, v: { wide: number | undefined; final: number | undefined; target: number | undefined }, top: number, bottom: number): string[] {
  const out: string[] = [];
  const line = (value: number | undefined, label: string, style: string, color: string, dy: number): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const x = r(scale.at(value));
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${color}" stroke-width="1.5" ${style}/>`);
    out.push(text(x + 3, top + dy, `${label} ${formatMetric(metric, value)}`, { size: 10, fill: color }));
  };
  line(v.wide, 'wide', '', '#212529', 0);
  line(v.final, 'final', 'stroke-dasharray="2 2"', '#7048e8', -12);
  line(v.target, 'target', 'stroke-dasharray="6 3"', '#e03131', -24);
  return out;
}

/** A line between rows where narrowed layers end, when the chosen precisions split the order in two. */
function cutLine(layers: readonly ReportLayer[], x0: number, x1: number): string {
  const changes: number[] = [];
  for (let i = 1; i < layers.length; i++) if (layers[i]!.precision !== layers[i - 1]!.precision) changes.push(i);
  if (changes.length !== 1) return '';
  const y = TOP + changes[0]! * ROW;
  return [
    `<line x1="${x0}" y1="${y}" x2="${x1 + 60}" y2="${y}" stroke="#343a40" stroke-width="1.5" stroke-dasharray="8 4"/>`,
    text(x1 + 64, y + 4, 'cut', { size: 11, fill: '#343a40', weight: 'bold' }),
  ].join('\n');
}

function legend(layers: readonly ReportLayer[], x: number, y: number): string {
  const present = [...new Set(layers.map((l) => precisionLabel(l.precision as TensorPrecision)))];
  const out: string[] = [];
  let cx = x;
  for (const label of present) {
    out.push(`<rect x="${cx}" y="${y - 10}" width="12" height="12" fill="${COLORS[label] ?? '#868e96'}"/>`);
    out.push(text(cx + 16, y, label, {}));
    cx += 28 + label.length * 8;
  }
  return out.join('\n');
}

function metricOf(m: ReportMetrics, metric: MetricName): number | undefined {
  const v = metric === 'relative-l2' ? m.relativeL2 : m[metric];
  // Reports written before psnr/kl existed lack them.
  return v === null || v === undefined ? undefined : v;
}

/** Long layer names keep their start and end (where ONNX exporters put the distinctive parts). */
function shorten(name: string): string {
  if (name.length <= MAX_LABEL) return name;
  const keep = (MAX_LABEL - 1) / 2;
  return `${name.slice(0, Math.ceil(keep))}…${name.slice(name.length - Math.floor(keep))}`;
}
