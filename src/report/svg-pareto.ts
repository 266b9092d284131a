/**
 * The second panel of the report chart: every evaluated candidate of the search as a point of
 * accuracy against size (left) and against measured latency (right). Points no other point beats
 * on both axes form the Pareto front, drawn as a step line; the final model and the target are
 * marked. Latency is what onnxruntime measured on the search machine, nothing more.
 */
import { lowerIsBetter, type MetricName } from '../search/metrics.js';
import type { AutoReport, ParetoPoint, ReportMetrics } from './auto-report.js';
import { esc, niceStep, r, text } from './svg-primitives.js';

export type ParetoChartInput = Pick<AutoReport, 'target' | 'sensitivityMetric' | 'final' | 'pareto'>;

/** The accuracy axis: the target's metric, the evaluate score for top-1 targets. */
export interface Accuracy {
  readonly label: string;
  readonly higherIsBetter: boolean;
  valueOf(m: Partial<ReportMetrics>, score: number | undefined): number | undefined;
}

interface Point {
  readonly x: number;
  readonly y: number;
  readonly tip: string;
}

const PANEL_HEIGHT = 300;
const PLOT_TOP = 56;
const PLOT_HEIGHT = 190;
const GAP = 70;

/** SVG elements of the panel, drawn from y = `top` across `width`, and the height it takes. */
export function paretoPanel(report: ParetoChartInput, top: number, width: number): { svg: string; height: number } {
  const points = report.pareto ?? [];
  if (points.length === 0) return { svg: '', height: 0 };
  const accuracy = accuracyAxis(report);
  const plotWidth = Math.max(200, (width - 3 * GAP) / 2);
  const bySize = toPoints(points, accuracy, (p) => p.bytes / 1e6);
  const byLatency = toPoints(points, accuracy, (p) => p.latencyMs);
  const finalY = accuracy.valueOf(report.final, report.final.score);
  const target = report.target.kind === 'metric' && accuracy.label.startsWith(report.target.metric) ? report.target.threshold : undefined;
  const parts = [
    `<line x1="0" y1="${top}" x2="${width}" y2="${top}" stroke="#dee2e6"/>`,
    text(12, top + 24, `Accuracy vs size / latency: ${points.length} evaluated candidate(s), Pareto front in colour`, { size: 15, weight: 'bold' }),
    scatter(bySize, accuracy, { x0: GAP, top: top + PLOT_TOP, width: plotWidth, xLabel: 'size (MB)', final: pointAt(report.final.bytes, 1e6, finalY), target }),
    scatter(byLatency, accuracy, {
      x0: 2 * GAP + plotWidth,
      top: top + PLOT_TOP,
      width: plotWidth,
      xLabel: 'latency (ms, onnxruntime CPU, this machine)',
      final: pointAt(report.final.latencyMs, 1, finalY),
      target,
    }),
  ];
  return { svg: parts.join('\n'), height: PANEL_HEIGHT };
}

export function accuracyAxis(report: Pick<AutoReport, 'target' | 'sensitivityMetric'>): Accuracy {
  if (report.target.kind === 'top1') {
    return { label: 'evaluate score (higher is better)', higherIsBetter: true, valueOf: (_m, score) => score };
  }
  const metric: MetricName = report.target.kind === 'metric' ? report.target.metric : report.sensitivityMetric;
  const key = metric === 'relative-l2' ? 'relativeL2' : metric;
  const higherIsBetter = !lowerIsBetter(metric);
  return {
    label: `${metric} (${higherIsBetter ? 'higher' : 'lower'} is better)`,
    higherIsBetter,
    valueOf: (m) => {
      const v = m[key as keyof ReportMetrics];
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    },
  };
}

function toPoints(points: readonly ParetoPoint[], accuracy: Accuracy, xOf: (p: ParetoPoint) => number | undefined): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const x = xOf(p);
    const y = accuracy.valueOf(p.metrics, p.score);
    if (x === undefined || y === undefined || !Number.isFinite(x)) continue;
    const latency = p.latencyMs === undefined ? '' : `, ${p.latencyMs.toFixed(2)} ms`;
    out.push({ x, y, tip: `${(p.bytes / 1e6).toFixed(3)} MB${latency}; ${accuracy.label.split(' ')[0]} ${y.toPrecision(4)}; ${p.layers8} INT8 layer group(s)` });
  }
  return out;
}

const pointAt = (x: number | undefined, divisor: number, y: number | undefined): { x: number; y: number } | undefined =>
  x === undefined || y === undefined ? undefined : { x: x / divisor, y };

/** Points no other point beats on both axes (smaller x, better y), ordered by x. */
export function paretoFront<T extends { x: number; y: number }>(points: readonly T[], higherIsBetter: boolean): T[] {
  const better = (a: number, b: number): boolean => (higherIsBetter ? a > b : a < b);
  const sorted = [...points].sort((a, b) => a.x - b.x || (higherIsBetter ? b.y - a.y : a.y - b.y));
  const front: T[] = [];
  for (const p of sorted) if (front.length === 0 || better(p.y, front[front.length - 1]!.y)) front.push(p);
  return front;
}

interface PlotSpec {
  readonly x0: number;
  readonly top: number;
  readonly width: number;
  readonly xLabel: string;
  readonly final: { x: number; y: number } | undefined;
  readonly target: number | undefined;
}

function scatter(points: readonly Point[], accuracy: Accuracy, spec: PlotSpec): string {
  const bottom = spec.top + PLOT_HEIGHT;
  const out = [`<rect x="${spec.x0}" y="${spec.top}" width="${r(spec.width)}" height="${PLOT_HEIGHT}" fill="none" stroke="#adb5bd"/>`];
  out.push(text(spec.x0 + spec.width / 2, bottom + 36, spec.xLabel, { anchor: 'middle' }));
  out.push(text(spec.x0, spec.top - 8, accuracy.label, { size: 11, fill: '#495057' }));
  if (points.length === 0) {
    out.push(text(spec.x0 + spec.width / 2, spec.top + PLOT_HEIGHT / 2, 'not measured for these candidates', { anchor: 'middle', fill: '#868e96' }));
    return out.join('\n');
  }
  const extra = [spec.final, spec.target === undefined ? undefined : { x: points[0]!.x, y: spec.target }].filter((p): p is { x: number; y: number } => p !== undefined);
  const xs = axisRange([...points, ...extra].map((p) => p.x));
  const ys = axisRange([...points, ...extra].map((p) => p.y));
  const at = (p: { x: number; y: number }): [number, number] => [
    r(spec.x0 + ((p.x - xs.lo) / (xs.hi - xs.lo)) * spec.width),
    // Better accuracy up: flip lower-is-better metrics.
    r(accuracy.higherIsBetter ? bottom - ((p.y - ys.lo) / (ys.hi - ys.lo)) * PLOT_HEIGHT : spec.top + ((p.y - ys.lo) / (ys.hi - ys.lo)) * PLOT_HEIGHT),
  ];
  out.push(...ticks(xs, (v) => [r(spec.x0 + ((v - xs.lo) / (xs.hi - xs.lo)) * spec.width), bottom + 14], 'middle'));
  out.push(...ticks(ys, (v) => [spec.x0 - 6, at({ x: xs.lo, y: v })[1] + 3], 'end'));
  if (spec.target !== undefined) {
    const y = at({ x: xs.lo, y: spec.target })[1];
    out.push(`<line x1="${spec.x0}" y1="${y}" x2="${r(spec.x0 + spec.width)}" y2="${y}" stroke="#e03131" stroke-dasharray="6 3"/>`);
    out.push(text(spec.x0 + spec.width - 4, y - 4, `target ${spec.target}`, { anchor: 'end', size: 10, fill: '#e03131' }));
  }
  const front = paretoFront(points, accuracy.higherIsBetter);
  const onFront = new Set(front);
  for (const p of points) {
    if (onFront.has(p)) continue;
    const [x, y] = at(p);
    out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="#ced4da"><title>${esc(p.tip)}</title></circle>`);
  }
  out.push(`<polyline class="pareto-front" points="${stepLine(front.map(at))}" fill="none" stroke="#7048e8" stroke-width="1.5"/>`);
  for (const p of front) {
    const [x, y] = at(p);
    out.push(`<circle class="pareto-point" cx="${x}" cy="${y}" r="4.5" fill="#7048e8"><title>${esc(p.tip)}</title></circle>`);
  }
  if (spec.final) {
    const [x, y] = at(spec.final);
    out.push(`<rect x="${r(x - 6)}" y="${r(y - 6)}" width="12" height="12" fill="none" stroke="#212529" stroke-width="2" transform="rotate(45 ${x} ${y})"/>`);
    out.push(text(x + 9, y - 7, 'final', { size: 10, fill: '#212529' }));
  }
  return out.join('\n');
}

/** The front as steps: along x first, then to the next point's accuracy. */
function stepLine(points: readonly [number, number][]): string {
  const out: string[] = [];
  for (const [i, [x, y]] of points.entries()) {
    if (i > 0) out.push(`${x},${points[i - 1]![1]}`);
    out.push(`${x},${y}`);
  }
  return out.join(' ');
}

function axisRange(values: readonly number[]): { lo: number; hi: number; step: number } {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  return { lo, hi, step: niceStep((hi - lo) / 4) };
}

function ticks(range: { lo: number; hi: number; step: number }, place: (v: number) => [number, number], anchor: 'middle' | 'end'): string[] {
  const out: string[] = [];
  for (let t = Math.ceil(range.lo / range.step) * range.step; t <= range.hi; t += range.step) {
    const v = Number(t.toPrecision(12));
    const [x, y] = place(v);
    out.push(text(x, y, Math.abs(v) < 0.001 && v !== 0 ? v.toExponential(1) : String(Number(v.toPrecision(4))), { anchor, size: 10 }));
  }
  return out;
}
