import { beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision, type AutoMixedPrecisionResult } from '../../src/api/auto-mixed-precision.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { buildAutoReport, parseAutoReport, type AutoReport } from '../../src/report/auto-report.js';
import { countInt16QdqPairs } from '../../src/report/cost.js';
import { formatAutoReport } from '../../src/report/format-auto-report.js';
import { modelBytes } from '../../src/runtime/index.js';
import type { Target } from '../../src/search/targets.js';
import { calibSource, MODELS } from '../search/helpers.js';

const target: Target = { kind: 'metric', metric: 'l2', threshold: 0.14 };

describe('auto run on fashion-resnet: measured cost in result and report', () => {
  let float: Model;
  let result: AutoMixedPrecisionResult;
  let report: AutoReport;
  const warnings: string[] = [];

  beforeAll(async () => {
    float = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    result = await autoMixedPrecision(float, { calibration: await calibSource(), target, maxEvaluations: 6, latencyRuns: 3, onWarning: (w) => warnings.push(w) });
    report = buildAutoReport(result, target, { model: 'fashion-resnet.onnx' });
  }, 240_000);

  it('has bytes of float, wide and final, each measured on its own model', () => {
    expect(result.cost.float.bytes).toBe(modelBytes(float));
    expect(result.cost.final.bytes).toBe(modelBytes(result.model));
    // INT8 and INT16 activations both store 8-bit weights: wide and final are about a quarter of float.
    for (const c of [result.cost.wide!, result.cost.final]) {
      expect(c.bytes).toBeGreaterThan(result.cost.float.bytes / 5);
      expect(c.bytes).toBeLessThan(result.cost.float.bytes / 3);
    }
    expect(result.cost.int16QdqPairs).toBe(countInt16QdqPairs(result.model));
  });

  it('has latency of all three with the measurement setup, and warns exactly when final is slower', () => {
    expect(result.cost.latency).toEqual({ runs: 3, warmup: 3, threads: 2, batch: 1 });
    for (const c of [result.cost.float, result.cost.wide!, result.cost.final]) {
      expect(Number.isFinite(c.latencyMs)).toBe(true);
      expect(c.latencyMs!).toBeGreaterThan(0);
    }
    const slower = result.cost.final.latencyMs! > result.cost.float.latencyMs! * 1.05;
    expect(result.cost.warning !== undefined).toBe(slower);
    expect(warnings.filter((w) => w.includes('than the float model on this CPU'))).toEqual(slower ? [result.cost.warning] : []);
  });

  it('puts the figures in the report fields, typed, and survives a JSON round trip', () => {
    expect(report.baseline.float).toEqual({ bytes: result.cost.float.bytes, latencyMs: result.cost.float.latencyMs });
    expect(report.baseline.wide).toMatchObject({ bytes: result.cost.wide!.bytes, latencyMs: result.cost.wide!.latencyMs, l2: result.baseline.wide.l2 });
    expect(report.final).toMatchObject({ bytes: result.cost.final.bytes, latencyMs: result.cost.final.latencyMs, l2: result.final.l2 });
    expect(report.cost).toMatchObject({ latency: { runs: 3, warmup: 3, threads: 2, batch: 1 }, int16QdqPairs: result.cost.int16QdqPairs });
    const back = parseAutoReport(JSON.parse(JSON.stringify(report)), 'r.json');
    expect(back).toEqual(report);
  });

  it('prints a cost table and the one-line summary', () => {
    const text = formatAutoReport(report);
    expect(text).toContain('Cost on this machine (onnxruntime CPU, default options, 2 threads, batch 1, median of 3 runs after 3 warm-up)');
    expect(text).toMatch(/wide \(start\)\s+│?\s*0\.\d\d MB/);
    expect(text).toMatch(/Size 1\.46 MB → 0\.\d\d MB \(\d\.\d× smaller\); latency on this CPU \(2 threads, batch 1\): float \d+\.\d+ ms, final \d+\.\d+ ms/);
  });

  it('measures bytes only with latencyRuns 0 and refuses a negative count', async () => {
    const bytesOnly = await autoMixedPrecision(float, { calibration: await calibSource(), target: { kind: 'count', layers: 2 }, maxEvaluations: 4, latencyRuns: 0 });
    expect(bytesOnly.cost.float).toEqual({ bytes: modelBytes(float) });
    expect(bytesOnly.cost.wide!.latencyMs).toBeUndefined();
    expect(bytesOnly.cost.latency).toBeUndefined();
    const text = formatAutoReport(buildAutoReport(bytesOnly, { kind: 'count', layers: 2 }));
    expect(text).toContain('Cost on this machine (latency not measured)');
    expect(text).toContain('; latency not measured');
    await expect(autoMixedPrecision(float, { calibration: await calibSource(), target, latencyRuns: -2 })).rejects.toThrow(/latencyRuns must be a whole number ≥ 0, got -2/);
  }, 120_000);
});
