/** Console text of the Pareto front of a report: the candidates no other beats on size and accuracy. */
import type { AutoReport } from './auto-report.js';
import { formatMegabytes } from './format-statistics.js';
import { accuracyAxis, paretoFront } from './svg-pareto.js';
import { formatTable } from './table.js';

/** '' when the report has no `pareto` list; otherwise the front by size, smallest first. */
export function formatPareto(report: Pick<AutoReport, 'pareto' | 'target' | 'sensitivityMetric'>): string {
  const points = report.pareto ?? [];
  if (points.length === 0) return '';
  const accuracy = accuracyAxis(report);
  const measured = points.flatMap((p) => {
    const y = accuracy.valueOf(p.metrics, p.score);
    return y === undefined ? [] : [{ x: p.bytes, y, point: p }];
  });
  const front = paretoFront(measured, accuracy.higherIsBetter);
  const rows = front.map(({ y, point }) => [
    formatMegabytes(point.bytes),
    point.latencyMs === undefined ? '—' : `${point.latencyMs.toFixed(2)} ms`,
    y.toPrecision(4),
    point.layers8,
  ]);
  const title = `Pareto front: ${front.length} of ${points.length} evaluated candidate(s) that no other beats on both size and ${accuracy.label}`;
  return `${title}\n${formatTable(['size', 'latency', accuracy.label.split(' ')[0]!, 'INT8 groups'], rows)}`;
}
