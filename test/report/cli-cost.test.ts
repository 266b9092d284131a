import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AutoReport } from '../../src/report/auto-report.js';
import { CALIB, expectCliError, RESNET, runCli, tempDir } from '../cli/helpers.js';

const COST_LINE = /Size 1\.46 MB → 0\.\d\d MB \(\d\.\d× smaller\); latency on this CPU \(2 threads, batch 1\): float \d+\.\d+ ms, final \d+\.\d+ ms \((\d+\.\d× (slower|faster)|about the same)\)/;

describe('cost figures on the command line', () => {
  const dir = tempDir('mixq-cli-cost-');
  const out = (name: string): string => join(dir.path, name);
  afterAll(() => dir.remove());

  it('quantize prints size and latency, float vs quantized, and --json carries them', async () => {
    const run = await runCli(['quantize', RESNET, '--calib', CALIB, '--latency-runs', '3', '-o', out('a8.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(COST_LINE);
    const json = await runCli(['quantize', RESNET, '--calib', CALIB, '--activation', 'int16', '--latency-runs', '0', '--json', '-o', out('a16.onnx')]);
    expect(json.code, json.stderr).toBe(0);
    const cost = (JSON.parse(json.stdout) as { cost: { float: { bytes: number; latencyMs?: number }; final: { bytes: number }; int16QdqPairs: number } }).cost;
    expect(cost.float.bytes).toBe(readFileSync(RESNET).byteLength);
    expect(cost.final.bytes).toBe(readFileSync(out('a16.onnx')).byteLength);
    expect(cost.float.latencyMs).toBeUndefined();
    expect(cost.int16QdqPairs).toBeGreaterThan(10);
  }, 120_000);

  it('auto prints the cost section and writes it into the report that `mixq report` reprints', async () => {
    const run = await runCli(['auto', RESNET, '--calib', CALIB, '--num-target', '3', '--max-evaluations', '4', '--latency-runs', '2', '--report', out('auto.json'), '-o', out('auto.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Cost on this machine (onnxruntime CPU, default options, 2 threads, batch 1, median of 2 runs after 3 warm-up)');
    expect(run.stdout).toMatch(COST_LINE);
    const report = JSON.parse(readFileSync(out('auto.json'), 'utf8')) as AutoReport;
    expect(report.baseline.float!.bytes).toBe(readFileSync(RESNET).byteLength);
    expect(report.final.bytes).toBe(readFileSync(out('auto.onnx')).byteLength);
    expect(report.baseline.wide.latencyMs).toBeGreaterThan(0);
    // A slower final model is reported on stderr as well, with the reason.
    if (report.cost?.warning) expect(run.stderr).toContain(`mixq: warning: ${report.cost.warning}`);
    const again = await runCli(['report', out('auto.json')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(COST_LINE);
  }, 180_000);

  it('refuses a negative --latency-runs', async () => {
    expectCliError(await runCli(['quantize', RESNET, '--calib', CALIB, '--latency-runs', '-1', '-o', out('x.onnx')]), 2, 'INVALID_ARGUMENT');
  });
});
