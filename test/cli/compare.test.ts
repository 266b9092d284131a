/**
 * `mixq compare` and the int32-bias note of `mixq quantize`, through the real CLI, on the
 * export-like bias-overflow fixture written to disk.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import { cloneModel } from '../../src/ir/index.js';
import { saveModel } from '../../src/onnx/index.js';
import { materialize } from '../../src/qdq/materialize.js';
import { prepareModel } from '../../src/search/pipeline.js';
import { biasOverflowFixture, saveFixture, type SavedFixture } from '../fixtures/exports/index.js';
import { CALIB, RESNET, ensureBuilt, expectCliError, runCli, tempDir } from './helpers.js';

const dir = tempDir();
const out = (name: string): string => join(dir.path, name);
const fixture = biasOverflowFixture();
let saved: SavedFixture;

interface CompareJson {
  samples: number;
  jumps: string[];
  saturatedInt32: { tensor: string; consumers: string[]; values: number }[];
  tensors: { tensor: string; producerOp: string; quantized: string; relativeL2: number | null; sqnr: number | null; jump: boolean }[];
}

beforeAll(async () => {
  ensureBuilt();
  saved = await saveFixture(fixture, join(dir.path, 'fixture'), { count: 16 });
  // The same A16W16 plan built the old way (biases clipped), for compare to find.
  const r = await quantize(fixture.build(), { calibration: { kind: 'data', source: fixture.source(16) }, activationType: 'int16', weightType: 'int16' });
  const clipped = cloneModel(await prepareModel(fixture.build()));
  materialize(clipped, r.plan, { ranges: r.ranges, fitInt32Bias: false });
  await saveModel(clipped, out('clipped.onnx'));
}, 120_000);
afterAll(() => dir.remove());

describe('mixq quantize says when it raised weight scales for int32 biases', () => {
  it('A16W16 on the bias fixture: one note per raised bias, and the count line', async () => {
    const run = await runCli(['quantize', saved.modelPath, '--calib', saved.calibDir, '--activation', 'int16', '--weight', 'int16', '-o', out('a16w16.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    for (const tiny of fixture.tinyChannels) expect(run.stdout).toContain(`note: raised the weight scale of 1 channel(s) of '${tiny.conv}' so its int32 bias fits`);
    expect(run.stdout).toContain('int32 biases: 2 fitted by raising 2 weight scale(s), 0 still saturated');
  });
});

describe('mixq compare', () => {
  it('--json on the quantized fixture: rows in topological order, no clipped bias', async () => {
    const run = await runCli(['compare', saved.modelPath, out('a16w16.onnx'), '--calib', saved.calibDir, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const c = JSON.parse(run.stdout) as CompareJson;
    expect(c.samples).toBe(16);
    expect(c.tensors[0]).toMatchObject({ tensor: 'x', producerOp: 'input', quantized: 'int16' });
    expect(c.tensors.at(-1)!.tensor).toBe(fixture.outputNames[0]);
    expect(c.saturatedInt32).toEqual([]);
    expect(c.jumps).toEqual([]);
    expect(Math.max(...c.tensors.map((t) => t.relativeL2 ?? Infinity))).toBeLessThan(0.01);
  });

  it('finds the clipped biases of a model built without the raise, and where the error jumps', async () => {
    const run = await runCli(['compare', saved.modelPath, out('clipped.onnx'), '--calib', saved.calibDir, '--calib-limit', '4']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Compared \d+ tensors of .*clipped\.onnx against .*model\.onnx on 4 samples \(1 pass\)\./);
    expect(run.stdout).toMatch(/Saturated int32 biases: 2 \(values at the int32 limits\)/);
    expect(run.stdout).toContain(`Error jumps first at '${fixture.tinyChannels[0]!.conv}.out' (Conv, int16`);
    expect(run.stdout).toMatch(/│ tensor\s+│ op\s+│ quantized │ rel\. L2 │ SQNR dB │ jump/);
  });

  it('a model against itself: relative L2 0 and SQNR null on every row', async () => {
    const run = await runCli(['compare', saved.modelPath, saved.modelPath, '--calib', saved.calibDir, '--json', '--tensors-per-pass', '3']);
    expect(run.code, run.stderr).toBe(0);
    const c = JSON.parse(run.stdout) as CompareJson & { passes: number };
    expect(c.passes).toBe(Math.ceil(c.tensors.length / 3));
    expect(new Set(c.tensors.map((t) => `${t.relativeL2}/${t.sqnr}/${t.quantized}`))).toEqual(new Set(['0/null/float']));
  });

  it('--memory-budget bounds one comparison pass: a tiny budget splits the tensors over more passes, same numbers', async () => {
    const whole = await runCli(['compare', saved.modelPath, out('a16w16.onnx'), '--calib', saved.calibDir, '--calib-limit', '2', '--json']);
    const tight = await runCli(['compare', saved.modelPath, out('a16w16.onnx'), '--calib', saved.calibDir, '--calib-limit', '2', '--json', '--memory-budget', '0.01']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(tight.code, tight.stderr).toBe(0);
    const [a, b] = [JSON.parse(whole.stdout), JSON.parse(tight.stdout)] as (CompareJson & { passes: number })[];
    expect(a!.passes).toBe(1);
    expect(b!.passes).toBeGreaterThan(1);
    expect(b!.tensors).toEqual(a!.tensors);
  });

  it('models with different inputs, missing --calib, and --calib-method are bad input (exit 2)', async () => {
    const [first] = expectCliError(await runCli(['compare', saved.modelPath, RESNET, '--calib', saved.calibDir]), 2, 'INVALID_ARGUMENT');
    expect(first).toMatch(/The two models take different inputs: only the float model has 'x'; only the quantized model has 'input'/);
    expectCliError(await runCli(['compare', saved.modelPath, out('a16w16.onnx')]), 2, 'INVALID_CONFIG');
    expectCliError(await runCli(['compare', saved.modelPath, out('a16w16.onnx'), '--calib', saved.calibDir, '--calib-method', 'entropy']), 2, 'INVALID_CONFIG');
    // Data for another model.
    expectCliError(await runCli(['compare', saved.modelPath, out('a16w16.onnx'), '--calib', CALIB]), 2, 'CALIBRATION_DATA');
  });
});
