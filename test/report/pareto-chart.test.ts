import { describe, expect, it } from 'vitest';
import { AUTO_REPORT_VERSION, parseAutoReport, type AutoReport, type ParetoPoint, type ReportMetrics } from '../../src/report/auto-report.js';
import { formatAutoReport, formatCost } from '../../src/report/format-auto-report.js';
import { formatPareto } from '../../src/report/format-pareto.js';
import { sensitivityChartSvg } from '../../src/report/svg-chart.js';
import { paretoFront } from '../../src/report/svg-pareto.js';

const MB = 1e6;

function metrics(l2: number, extra: Partial<ReportMetrics> = {}): ReportMetrics {
  return { l2, relativeL2: l2 / 4, sqnr: 20, psnr: 30, cosine: 0.99, kl: 0.01, samples: 64, ...extra };
}

function point(mb: number, l2: number, latencyMs: number | undefined, layers8: number, score?: number): ParetoPoint {
  return {
    bytes: mb * MB,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    metrics: metrics(l2),
    ...(score !== undefined ? { score } : {}),
    layers8,
    precisionMap: { Int8: [`t${layers8}`] },
  };
}

/** A: smallest; C is beaten by B on size and l2; E by D; F has no latency. */
const PARETO: readonly ParetoPoint[] = [
  point(0.4, 0.2, 1.0, 6, 0.88),
  point(0.42, 0.12, 1.2, 5, 0.9),
  point(0.45, 0.15, 1.1, 4, 0.89),
  point(0.5, 0.08, 1.4, 3, 0.91),
  point(0.55, 0.09, 1.3, 2, 0.905),
  point(0.6, 0.05, undefined, 1, 0.915),
];

function handMadeReport(extra: Partial<AutoReport> = {}): AutoReport {
  return {
    format: 'mixq-auto-report',
    version: AUTO_REPORT_VERSION,
    target: { kind: 'metric', metric: 'l2', threshold: 0.1, outputIndex: 0, description: 'l2 ≤ 0.1' },
    met: true,
    message: 'narrowed 3 of 6 layer groups',
    sensitivityMetric: 'l2',
    evaluations: 12,
    sensitivityEvaluations: 6,
    searchEvaluations: 4,
    retried: 0,
    cachedSensitivities: 0,
    stoppedEarly: false,
    seconds: 3.2,
    layers: [
      { name: 'conv1', op: 'Conv', nodes: ['conv1'], sensitivity: 0.03, precision: 'int8' },
      { name: 'conv2', op: 'Conv', nodes: ['conv2'], sensitivity: 0.3, precision: 'int16' },
    ],
    baseline: { float: { bytes: 1.5 * MB, latencyMs: 0.9 }, wide: { ...metrics(0.04), bytes: 0.62 * MB, latencyMs: 1.5 } },
    final: { ...metrics(0.08), bytes: 0.5 * MB, latencyMs: 1.4 },
    cost: { latency: { runs: 20, warmup: 3, threads: 2, batch: 1 }, int16QdqPairs: 4 },
    statistics: {},
    mixedPrecisionTensor: { Int8: ['a'], Int16: ['b'] },
    ...extra,
  };
}

const count = (svg: string, needle: string): number => svg.split(needle).length - 1;

describe('Pareto panel of the report chart', () => {
  it('is absent without a pareto list', () => {
    const svg = sensitivityChartSvg(handMadeReport());
    expect(svg).not.toContain('Accuracy vs size');
    expect(count(svg, '<circle')).toBe(0);
  });

  it('draws every candidate, the front in colour on both axes, the final model and the target', () => {
    const without = sensitivityChartSvg(handMadeReport());
    const svg = sensitivityChartSvg(handMadeReport({ pareto: PARETO }));
    expect(svg).toContain('Accuracy vs size / latency: 6 evaluated candidate(s)');
    expect(svg).toContain('size (MB)');
    expect(svg).toContain('latency (ms, onnxruntime CPU, this machine)');
    expect(svg).toContain('l2 (lower is better)');
    // Size front: A, B, D, F (C and E are beaten). Latency front over the 5 timed points: all 5.
    expect(count(svg, 'class="pareto-point"')).toBe(9);
    expect(count(svg, 'fill="#ced4da"')).toBe(2);
    expect(count(svg, 'class="pareto-front"')).toBe(2);
    expect(count(svg, '>final</text>')).toBe(2);
    expect(count(svg, '>target 0.1</text>')).toBe(2);
    expect(svg).toContain('<title>0.450 MB, 1.10 ms; l2 0.1500; 4 INT8 layer group(s)</title>');
    const height = (s: string): number => Number(/<svg [^>]*height="(\d+(?:\.\d+)?)"/.exec(s)![1]);
    expect(height(svg)).toBe(height(without) + 300);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('puts the better accuracy up for lower-is-better metrics', () => {
    const svg = sensitivityChartSvg(handMadeReport({ pareto: [point(0.4, 0.2, 1, 2), point(0.6, 0.05, 2, 1)] }));
    const ys = [...svg.matchAll(/class="pareto-point" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    // Per plot: the 0.2 point (worse) lies below (larger y) the 0.05 point.
    expect(ys).toHaveLength(4);
    expect(ys[0]!).toBeGreaterThan(ys[1]!);
    expect(ys[2]!).toBeGreaterThan(ys[3]!);
  });

  it('plots the evaluate score for top-1 targets and says when no latency was measured', () => {
    const untimed = PARETO.map(({ latencyMs: _drop, ...p }) => p);
    const svg = sensitivityChartSvg(
      handMadeReport({ target: { kind: 'top1', maxDrop: 0.01, relativeTo: 'float', mode: 'absolute', description: 'top-1 drop ≤ 0.01' }, pareto: untimed }),
    );
    expect(svg).toContain('evaluate score (higher is better)');
    expect(svg).toContain('not measured for these candidates');
    // Size front by score (higher is better): 0.88 → 0.9 → 0.91 → 0.915.
    expect(count(svg, 'class="pareto-point"')).toBe(4);
  });
});

describe('Pareto front as text (mixq report)', () => {
  it('lists the front by size with latency, accuracy and INT8 groups', () => {
    const text = formatPareto(handMadeReport({ pareto: PARETO }));
    expect(text.split('\n')[0]).toBe('Pareto front: 4 of 6 evaluated candidate(s) that no other beats on both size and l2 (lower is better)');
    const rows = text.split('\n').filter((l) => / MB /.test(l)).map((l) => l.split('│').map((c) => c.trim()).filter(Boolean));
    expect(rows).toEqual([
      ['0.38 MB', '1.00 ms', '0.2000', '6'],
      ['0.40 MB', '1.20 ms', '0.1200', '5'],
      ['0.48 MB', '1.40 ms', '0.08000', '3'],
      ['0.57 MB', '—', '0.05000', '1'],
    ]);
    expect(formatAutoReport(handMadeReport({ pareto: PARETO }))).toContain('Pareto front: 4 of 6');
    expect(formatPareto(handMadeReport())).toBe('');
    expect(formatAutoReport(handMadeReport())).not.toContain('Pareto front');
  });
});

describe('paretoFront', () => {
  it('keeps the points nothing beats on both axes, by x', () => {
    const pts = [
      { x: 3, y: 0.5 },
      { x: 1, y: 0.9 },
      { x: 2, y: 0.4 },
      { x: 2, y: 0.3 },
      { x: 4, y: 0.35 },
    ];
    expect(paretoFront(pts, false)).toEqual([{ x: 1, y: 0.9 }, { x: 2, y: 0.3 }]);
    expect(paretoFront(pts, true)).toEqual([{ x: 1, y: 0.9 }]);
    expect(paretoFront([], true)).toEqual([]);
  });
});

describe('report cost fields', () => {
  it('prints size and latency of float, wide and final with the measurement setup', () => {
    const text = formatCost(handMadeReport());
    expect(text).toContain('Cost on this machine (onnxruntime CPU, default options, 2 threads, batch 1, median of 20 runs after 3 warm-up)');
    expect(text).toMatch(/float\s+│?\s*1\.43 MB\s+│?\s*0\.90 ms/);
    expect(text).toMatch(/wide \(start\)\s+│?\s*0\.59 MB\s+│?\s*1\.50 ms/);
    expect(text).toContain('Size 1.43 MB → 0.48 MB (3.0× smaller); latency on this CPU (2 threads, batch 1): float 0.90 ms, final 1.40 ms (1.6× slower)');
    expect(formatAutoReport(handMadeReport({ cost: { latency: { runs: 20, warmup: 3, threads: 2, batch: 1 }, int16QdqPairs: 4, warning: 'slower here' } }))).toContain('warning: slower here');
  });

  it('prints no cost section for reports without figures', () => {
    const { float: _f, ...rest } = handMadeReport().baseline;
    expect(formatCost({ ...handMadeReport(), baseline: rest })).toBe('');
    expect(formatAutoReport({ ...handMadeReport(), baseline: rest })).not.toContain('Cost on this machine');
  });

  it('reads version-1 reports (float score as a number) and rejects malformed cost fields', () => {
    const v2 = handMadeReport();
    const v1 = { ...JSON.parse(JSON.stringify(v2)), version: 1, baseline: { float: 0.93, wide: metrics(0.04) } };
    const read = parseAutoReport(v1, 'old.json');
    expect(read.baseline.float).toEqual({ score: 0.93 });
    expect(read.version).toBe(AUTO_REPORT_VERSION);
    expect(formatAutoReport(read)).toMatch(/evaluate score\s+│?\s*0\.9300/);
    const bad = (patch: Record<string, unknown>): unknown => ({ ...JSON.parse(JSON.stringify(v2)), ...patch });
    expect(() => parseAutoReport(bad({ final: { ...metrics(0.1), bytes: '12' } }), 'r.json')).toThrow(/"final.bytes" is not a number/);
    expect(() => parseAutoReport(bad({ baseline: { float: { latencyMs: 'fast' }, wide: metrics(0.1) } }), 'r.json')).toThrow(/"baseline.float.latencyMs" is not a number/);
    expect(() => parseAutoReport(bad({ pareto: {} }), 'r.json')).toThrow(/"pareto" is not a list/);
    expect(() => parseAutoReport(bad({ pareto: [{ metrics: {} }] }), 'r.json')).toThrow(/pareto point 0 lacks bytes or metrics/);
    expect(parseAutoReport(bad({ pareto: PARETO }), 'r.json').pareto).toHaveLength(6);
  });
});
