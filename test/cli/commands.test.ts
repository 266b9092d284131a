/**
 * The happy paths of every command on the example ResNet, through the real CLI: what is printed,
 * what is written, and that the written files are what the other commands (and onnxruntime) read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import type { AutoReport } from '../../src/report/auto-report.js';
import { CALIB, RESNET, ROOT, ensureBuilt, runCli, tempDir } from './helpers.js';

const dir = tempDir();
const out = (name: string): string => join(dir.path, name);
const MAP = join(ROOT, 'examples', 'mixed-map.json');

beforeAll(() => ensureBuilt());
afterAll(() => dir.remove());

type Stats = Record<string, Record<'INT8' | 'INT16' | 'BF16' | 'FP16' | 'FP32', number>>;

describe('mixq inspect', () => {
  it('prints op counts of the float model', async () => {
    const run = await runCli(['inspect', RESNET]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/│ Conv\s+│\s+13 │/);
    expect(run.stdout).toMatch(/│ Relu\s+│\s+11 │/);
    expect(run.stdout).toContain('float32[N,1,28,28]');
    // A float model has nothing to say about precisions.
    expect(run.stdout).not.toContain('Mixed Precision Statistics');
  });

  it('--json gives the summary as data', async () => {
    const run = await runCli(['inspect', RESNET, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as { opCounts: Record<string, number>; statistics?: unknown };
    expect(summary.opCounts).toMatchObject({ Conv: 13, Relu: 11, Add: 5, Gemm: 1 });
    expect(summary.statistics).toBeUndefined();
  });
});

describe('mixq quantize', () => {
  it('A8W8 with a --mixed map: statistics, sizes, and a model onnxruntime loads', async () => {
    const run = await runCli(['quantize', RESNET, '--calib', CALIB, '--mixed', MAP, '--save-ranges', out('ranges.json'), '-o', out('mixed.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Mixed Precision Statistics');
    expect(run.stdout).toMatch(/parameters: 1\.45 MB → 0\.\d\d MB/);
    expect(run.stdout).toMatch(/│ Total\s+│/);
    const model = await loadModel(out('mixed.onnx'));
    const session = await ModelSession.create(model);
    expect(session.outputNames).toEqual(['logits']);
    await session.close();
  });

  it('inspect on the result shows the INT8 and INT16 counts the map asked for', async () => {
    const text = await runCli(['inspect', out('mixed.onnx')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Mixed Precision Statistics');
    const run = await runCli(['inspect', out('mixed.onnx'), '--json']);
    const stats = (JSON.parse(run.stdout) as { statistics: Stats }).statistics;
    // The map widens the inputs of two convolutions to INT16; the rest stays INT8.
    expect(stats['Conv']!.INT16).toBe(2);
    expect(stats['Conv']!.INT8).toBe(11);
    expect(stats['Relu']!.INT8 + stats['Relu']!.INT16).toBe(11);
  });

  it('reuses saved ranges (--ranges) without calibrating', async () => {
    const run = await runCli(['quantize', RESNET, '--ranges', out('ranges.json'), '--activation', 'int16', '--json', '-o', out('a16.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { calibrationSamples: number; statistics: Stats };
    expect(result.calibrationSamples).toBe(0);
    expect(result.statistics['Conv']!.INT16).toBe(13);
  });

  it('refuses ranges collected on another model', async () => {
    const vit = join(ROOT, 'examples', 'models', 'fashion-vit.onnx');
    const run = await runCli(['quantize', vit, '--ranges', out('ranges.json'), '-o', out('v.onnx')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('different model');
    expect(existsSync(out('v.onnx'))).toBe(false);
  });
});

describe('mixq auto and mixq report', () => {
  let report: AutoReport;

  it('auto --l2-target meets the target and writes model, report and chart', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--l2-target', '0.14', '--report', out('auto.json'), '--svg', out('auto.svg'), '-o', out('auto.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Layers by sensitivity');
    expect(run.stdout).toContain('Mixed Precision Statistics');
    report = JSON.parse(readFileSync(out('auto.json'), 'utf8')) as AutoReport;
    expect(report).toMatchObject({ format: 'mixq-auto-report', version: 2, met: true, target: { kind: 'metric', metric: 'l2', threshold: 0.14 } });
    for (const key of ['evaluations', 'sensitivityEvaluations', 'searchEvaluations', 'seconds'] as const) expect(report[key]).toBeGreaterThan(0);
    expect(report.final.l2).toBeLessThanOrEqual(0.14);
    expect(report.layers.length).toBeGreaterThan(5);
    for (const layer of report.layers) expect(layer).toMatchObject({ name: expect.any(String), op: expect.any(String), precision: expect.stringMatching(/^(int8|int16)$/) });
    expect(report.layers.some((l) => l.precision === 'int8')).toBe(true);
    expect(report.mixedPrecisionTensor.Int8?.length).toBeGreaterThan(0);
    expect(report.statistics['Conv']).toBeDefined();
    const svg = readFileSync(out('auto.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect /g)!.length).toBeGreaterThanOrEqual(report.layers.length);
    expect(existsSync(out('auto.onnx'))).toBe(true);
  });

  it('report re-prints the tables from the JSON', async () => {
    const run = await runCli(['report', out('auto.json')]);
    expect(run.code, run.stderr).toBe(0);
    for (const heading of ['Layers by sensitivity', 'Baseline vs final', 'Mixed Precision Statistics', 'Evaluations:']) expect(run.stdout).toContain(heading);
    for (const layer of report.layers) expect(run.stdout).toContain(layer.name);
    const json = await runCli(['report', out('auto.json'), '--json']);
    expect(JSON.parse(json.stdout)).toEqual(report);
  });

  it('report refuses a file that is not a report', async () => {
    const run = await runCli(['report', out('ranges.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mixq: error \[INVALID_CONFIG\]: .* is not a mixq auto report/);
  });

  it('a target that cannot be met: exit 3, the best model is still written', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--l2-target', '0.001', '--no-fallback', '--max-evaluations', '3', '--json', '-o', out('unmet.onnx')]);
    expect(run.code, run.stderr).toBe(3);
    // Warnings met on the way (e.g. the measured-latency one) come first, one line each; the run
    // ends with exactly one error line, TARGET_NOT_MET, and its hint naming the saved model.
    expect(run.stderr).toMatch(/^(mixq: warning: [^\n]*\n)*mixq: error \[TARGET_NOT_MET\]: [^\n]*\n {2}hint: [^\n]*\n?$/);
    expect(run.stderr.match(/^mixq: error/gm)).toHaveLength(1);
    expect(run.stderr.split('\n').find((l) => l.startsWith('  hint: '))).toContain(out('unmet.onnx'));
    expect((JSON.parse(run.stdout) as AutoReport).met).toBe(false);
    expect(existsSync(out('unmet.onnx'))).toBe(true);
  });
});
