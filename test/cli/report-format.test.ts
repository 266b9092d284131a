/**
 * The report data, tables, SVG chart and progress bars on hand-made inputs (no model runs): order,
 * totals, escaping, what is drawn for each kind of target, and when bars are shown.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildAutoReport, layersBySensitivity, parseAutoReport, type AutoReportInput } from '../../src/report/auto-report.js';
import { formatAutoReport } from '../../src/report/format-auto-report.js';
import { formatQuantizeSummary, formatSizeChange } from '../../src/report/format-quantize.js';
import { formatStatistics } from '../../src/report/format-statistics.js';
import { sensitivityChartSvg } from '../../src/report/svg-chart.js';
import type { Target } from '../../src/search/targets.js';
import { ProgressReporter } from '../../src/cli/progress.js';
import { main } from '../../src/cli/main.js';

const metrics = (l2: number, extra: { score?: number; sqnr?: number } = {}) => ({ l2, relativeL2: l2 / 10, sqnr: extra.sqnr ?? 40, psnr: (extra.sqnr ?? 40) + 6, cosine: 0.9999, kl: l2 / 100, samples: 256, ...(extra.score !== undefined ? { score: extra.score } : {}) });

function fakeResult(over: Partial<AutoReportInput> = {}): AutoReportInput {
  return {
    met: true,
    message: 'Narrowed 2 of 3 layer group(s) to int8.',
    evaluations: 8,
    sensitivityEvaluations: 3,
    searchEvaluations: 3,
    retried: 0,
    cachedSensitivities: 0,
    seconds: 1.5,
    sensitivityMetric: 'l2',
    stoppedEarly: false,
    bf16Nodes: [],
    layers: [
      { name: 'conv_b', op: 'Conv', nodes: ['conv_b'], sensitivity: 0.3, precision: 'int16' },
      { name: 'conv_<a>&"x"', op: 'Conv', nodes: ['conv_a'], sensitivity: 0.1, precision: 'int8' },
      { name: 'fc', op: 'Gemm', nodes: ['fc'], sensitivity: 0.2, precision: 'int8' },
    ],
    baseline: { wide: metrics(0.05) },
    final: metrics(0.18),
    mixedPrecisionTensor: { Int8: ['a_in', 'fc_in'], Int16: ['b_in'] },
    statistics: { Conv: { INT8: 1, INT16: 1, BF16: 0, FP16: 0, FP32: 0 }, Gemm: { INT8: 1, INT16: 0, BF16: 0, FP16: 0, FP32: 0 } },
    ...over,
  };
}

const l2Target: Target = { kind: 'metric', metric: 'l2', threshold: 0.25 };

describe('auto report data', () => {
  it('is plain JSON with a format and version, and survives a round trip', () => {
    const report = buildAutoReport(fakeResult(), l2Target, { model: 'm.onnx', output: 'o.onnx' });
    expect(report).toMatchObject({ format: 'mixq-auto-report', version: 2, target: { kind: 'metric', description: 'l2 ≤ 0.25' }, met: true });
    const back = parseAutoReport(JSON.parse(JSON.stringify(report)), 'r.json');
    expect(back).toEqual(report);
  });

  it('writes infinite SQNR and unmeasured sensitivities as null', () => {
    const result = fakeResult({ final: metrics(0, { sqnr: Infinity }) });
    const layers = result.layers.map((l, i) => (i === 0 ? { ...l, sensitivity: NaN } : l));
    const report = buildAutoReport({ ...result, layers }, l2Target);
    expect(report.final.sqnr).toBeNull();
    expect(report.layers[0]!.sensitivity).toBeNull();
    expect(layersBySensitivity(report).at(-1)!.name).toBe('conv_b');
  });

  it('describes a top-1 target without its function', () => {
    const target: Target = { kind: 'top1', maxDrop: 0.01, evaluate: () => 1, relativeTo: 'float', mode: 'absolute' };
    const report = buildAutoReport(fakeResult({ baseline: { float: 0.93, wide: metrics(0.05, { score: 0.93 }) }, final: metrics(0.2, { score: 0.925 }) }), target);
    expect(report.target).toEqual({ kind: 'top1', maxDrop: 0.01, relativeTo: 'float', mode: 'absolute', description: 'top-1 drop ≤ 0.01 (absolute, vs float)' });
    expect(JSON.stringify(report)).not.toContain('evaluate');
    expect(formatAutoReport(report)).toMatch(/evaluate score\s+│\s+0\.9300\s+│\s+0\.9300\s+│\s+0\.9250/);
  });

  it('rejects what is not a report, naming the problem', () => {
    expect(() => parseAutoReport([], 'x.json')).toThrow(/not a JSON object/);
    expect(() => parseAutoReport({ format: 'mixq-ranges' }, 'x.json')).toThrow(/"format" is "mixq-ranges"/);
    expect(() => parseAutoReport({ format: 'mixq-auto-report', version: 9 }, 'x.json')).toThrow(/version 9/);
  });
});

describe('console tables', () => {
  const text = formatAutoReport(buildAutoReport(fakeResult(), l2Target));

  it('lists layers least sensitive first with the chosen precision', () => {
    const order = ['conv_<a>', 'fc', 'conv_b'].map((n) => text.indexOf(n));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text).toMatch(/conv_b\s+│ Conv │\s+0\.3000 │ INT16/);
  });

  it('has the statistics with a total row, baseline vs final, and the effort', () => {
    expect(text).toMatch(/│ Total\s+│\s+2 │\s+1 │\s+0 │\s+0 │\s+0 │/);
    expect(text).toMatch(/│ l2\s+│\s+— │\s+0\.05000 │\s+0\.1800 │/);
    expect(text).toContain('Evaluations: 8 model runs over the calibration data (3 sensitivity, 3 search, 2 reference/baseline); 1.5 s');
  });

  it('quantize summary: statistics and sizes', () => {
    const s = formatQuantizeSummary({ statistics: { Conv: { INT8: 2, INT16: 0, BF16: 0, FP16: 1, FP32: 0 } }, parameterBytes: { before: 4 << 20, after: 1 << 20 }, calibrationSamples: 10, warnings: ['w'] });
    expect(s).toContain('4.00 MB → 1.00 MB (4.0× smaller)');
    expect(s).toContain('note: w');
    expect(formatStatistics({})).toMatch(/│ Total\s+│\s+0 │/);
    expect(formatSizeChange(100, 200)).toContain('2.0× larger');
  });
});

describe('SVG chart', () => {
  const svg = sensitivityChartSvg(buildAutoReport(fakeResult(), l2Target));

  it('is well-formed, self-contained SVG with one bar per layer', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balancedTags(svg)).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    expect(svg).toContain('conv_&lt;a&gt;&amp;&quot;x&quot;');
    expect(svg.match(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="13"/g)).toHaveLength(3);
  });

  it('colours bars by precision, marks the target, the wide model and the cut', () => {
    expect(svg.match(/fill="#2b6cb0"/g)!.length).toBeGreaterThanOrEqual(2 + 1); // two INT8 bars + legend
    expect(svg).toContain('fill="#dd8a1e"');
    expect(svg).toContain('target 0.2500');
    expect(svg).toContain('wide 0.05000');
    expect(svg).toContain('>cut</text>');
  });

  it('draws no target line for a top-1 target and no cut when precisions interleave', () => {
    const target: Target = { kind: 'top1', maxDrop: 0.01, evaluate: () => 1, relativeTo: 'wide', mode: 'relative' };
    const result = fakeResult();
    const layers = result.layers.map((l) => (l.name === 'fc' ? { ...l, precision: 'int16' as const } : { ...l, precision: 'int8' as const }));
    const chart = sensitivityChartSvg(buildAutoReport({ ...result, layers }, target));
    expect(chart).not.toContain('target 0.');
    expect(chart).not.toContain('>cut</text>');
    expect(balancedTags(chart)).toBe(true);
  });

  it('handles a higher-is-better metric and a single layer', () => {
    const result = fakeResult({ sensitivityMetric: 'sqnr', layers: [{ name: 'only', op: 'MatMul', nodes: ['only'], sensitivity: 31.5, precision: 'bfloat16' }] });
    const chart = sensitivityChartSvg(buildAutoReport(result, { kind: 'metric', metric: 'sqnr', threshold: 30 }));
    expect(chart).toContain('sqnr (dB, higher is better)');
    expect(chart).toContain('fill="#2f9e44"');
    expect(chart).not.toMatch(/NaN|Infinity/);
  });
});

describe('progress bars', () => {
  it('draw phase, counts and ETA on a TTY stream, and nothing elsewhere', () => {
    let written = '';
    const tty = Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => ((written += chunk.toString()), done()) }), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const lines: string[] = [];
    const bars = new ProgressReporter(tty, (t) => lines.push(t));
    bars.update({ phase: 'calibration', done: 0, total: 256 });
    bars.update({ phase: 'calibration', done: 256, total: 256 });
    bars.warn('later');
    expect(lines).toEqual([]);
    bars.update({ phase: 'search', done: 1, total: undefined });
    bars.stop();
    expect(lines).toEqual(['later']);
    expect(written).toContain('calibration');
    expect(written).toContain('256/256 samples');
    expect(written).toContain('ETA');
    expect(written).toContain('1 trials');

    const quiet = new ProgressReporter(undefined, () => {});
    expect(quiet.enabled).toBe(false);
    quiet.update({ phase: 'calibration', done: 1, total: 2 });
    const pipe = new ProgressReporter(Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false }), () => {});
    expect(pipe.enabled).toBe(false);
  });
});

describe('main() in-process', () => {
  it('returns exit codes instead of exiting, and writes through the given io', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    expect(await main(['--version'], io)).toBe(0);
    expect(out.join('')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await main(['report', 'missing.json'], io)).toBe(2);
    expect(err[0]).toMatch(/^mixq: error \[FILE_NOT_FOUND\]: Report 'missing.json' does not exist\./);
  });
});

/** A small check that every opened element is closed, in order (enough for the SVG we write). */
function balancedTags(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0;
}
