/** `mixq auto --objective / --configs` on the detector-like export (issue 12). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoReport } from '../../src/report/auto-report.js';
import { detectorLike, saveFixture, type SavedFixture } from '../fixtures/exports/index.js';
import { runCli, tempDir } from '../cli/helpers.js';

describe('mixq auto --objective, --configs', () => {
  const dir = tempDir('mixq-weight-precision-cli-');
  let saved: SavedFixture;
  beforeAll(async () => {
    saved = await saveFixture(detectorLike(), dir.path, { count: 4 });
  });
  afterAll(() => dir.remove());

  const auto = (...args: string[]) => runCli(['auto', saved.modelPath, '--calib', saved.calibDir, '--l2-target', '0.007', '--metric', 'relative-l2', '--latency-runs', '3', ...args]);

  it('--objective size: the report says so, carries the Pareto points and 16-bit weights, and the text shows W16 layers', async () => {
    const report = join(dir.path, 'size.json');
    const run = await auto('--objective', 'size', '--report', report, '-o', join(dir.path, 'size.onnx'));
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(report, 'utf8')) as AutoReport;
    expect(r.objective).toBe('size');
    expect(r.met).toBe(true);
    const passing = r.pareto!.filter((p) => p.met);
    expect(r.pareto!.find((p) => p.chosen)!.bytes).toBe(Math.min(...passing.map((p) => p.bytes)));
    expect(r.layers.filter((l) => l.weight === 'int16').length).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/INT16 \/ W16/);
    expect(run.stdout).toContain("Chosen by objective 'size'");
  }, 60_000);

  it('--configs without A16W16 falls back to float layers instead; a bad name is a usage error', async () => {
    const report = join(dir.path, 'float.json');
    const run = await auto('--configs', 'A8W8,A16W8,BF16,FP32', '--report', report, '-o', join(dir.path, 'float.onnx'));
    expect(run.code, run.stderr).toBe(0);
    const r = JSON.parse(readFileSync(report, 'utf8')) as AutoReport;
    expect(r.layers.some((l) => l.weight === 'int16')).toBe(false);
    expect(r.layers.some((l) => l.activation === 'bfloat16' || l.activation === 'float32')).toBe(true);
    const bad = await auto('--configs', 'A8W8,A4W4', '-o', join(dir.path, 'bad.onnx'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown layer config 'A4W4'");
  }, 60_000);
});
