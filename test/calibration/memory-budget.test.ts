/**
 * The calibration memory budget: the liveness estimate, tensors split over passes and the batch
 * size lowered to fit (ranges unchanged), bad budgets rejected, and the CLI flag.
 */
import { dirname } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import { collectRanges } from '../../src/calibration/collect.js';
import { peakLiveBytes, planOutputPasses, planReductionPass, RUNTIME_SLACK } from '../../src/calibration/memory-plan.js';
import type { Range } from '../../src/calibration/ranges.js';
import { npyDirectorySource } from '../../src/calibration/sources/index.js';
import { addCalibrationOptions, calibrationTuning, parseMemoryBudget, type CalibrationOptions } from '../../src/cli/options.js';
import { createModel, tensorType, type Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { allActivationTensors, prepareModel } from '../../src/search/pipeline.js';
import { calibrationNpyPath, catchMixqAsync, RESNET } from '../fixtures/helpers.js';

const plain = (ranges: ReadonlyMap<string, Range>): Record<string, Range> => Object.fromEntries([...ranges].sort((a, b) => a[0].localeCompare(b[0])));

/** x → a → b → c (graph output), plus d = Add(a, c) as a second output: a lives until d. */
function chain(): Model {
  const model = createModel(13, 'chain');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', ['N', 4]));
  const node = (op: string, name: string, inputs: ReturnType<typeof g.addInput>[]) => g.addNode({ opType: op, name: `${name}_node`, inputs, outputs: [name] }).outputs[0]!;
  const a = node('Relu', 'a', [x]);
  const b = node('Relu', 'b', [a]);
  const c = node('Relu', 'c', [b]);
  const d = node('Add', 'd', [a, c]);
  g.addOutput(c);
  g.addOutput(d);
  return model;
}

describe('memory estimate', () => {
  const sizes = new Map([['x', 1], ['a', 10], ['b', 100], ['c', 1000], ['d', 10000]]);
  const sized = { graph: chain().graph, bytesPerSample: sizes };

  it('peak of the values alive at once, in node order', () => {
    // x(1) a(10) b(100) → c: x a b c = 1111, b freed → 1011; d: 1011 + 10000 = 11011.
    expect(peakLiveBytes(sized)).toBe(11011);
    // Without d's 10000, the peak is at c: x + a + b + c.
    expect(peakLiveBytes({ graph: sized.graph, bytesPerSample: new Map([...sizes, ['d', 0]]) })).toBe(1111);
  });

  it('a kept value (exposed as an output) stays alive to the end', () => {
    expect(peakLiveBytes(sized, new Set(['b']))).toBe(11111);
  });

  it('one reduction pass: batch lowered to what the budget holds, with a message', () => {
    const perSample = RUNTIME_SLACK * 11011;
    expect(planReductionPass(sized, ['a', 'b'], 32, 1e9)).toMatchObject({ batchSize: 32, passes: [['a', 'b']], estimatedBytes: 32 * perSample });
    const low = planReductionPass(sized, ['a', 'b'], 32, 5 * perSample);
    expect(low.batchSize).toBe(5);
    expect(low.lowered).toMatch(/lowered from 32 to 5/);
    // Not even one sample fits: batch 1, and the message says to raise the budget.
    const none = planReductionPass(sized, ['a'], 32, 10);
    expect(none.batchSize).toBe(1);
    expect(none.lowered).toMatch(/raise it/);
  });

  it('exposed tensors are packed into passes that fit', () => {
    // Per sample: cost(pass) = 2 x peak(kept) + bytes of the pass.
    const all = planOutputPasses(sized, ['a', 'b', 'c'], 1, 1e9);
    expect(all.passes).toEqual([['a', 'b', 'c']]);
    const split = planOutputPasses(sized, ['a', 'b', 'c'], 1, 2 * 11111 + 110);
    expect(split.passes).toEqual([['a', 'b'], ['c']]);
    expect(split.batchSize).toBe(1);
    expect(planOutputPasses(sized, ['a', 'b', 'c'], 1, 1e9, 2).passes).toEqual([['a', 'b'], ['c']]);
  });
});

describe('calibration under a budget (fashion-resnet, 256 samples)', () => {
  async function setup() {
    const model = await prepareModel(await loadModel(RESNET));
    return { model, tensors: allActivationTensors(model), source: await npyDirectorySource(dirname(calibrationNpyPath())) };
  }

  it('min/max: a tiny budget lowers the batch (warned), ranges identical to the unbudgeted path', async () => {
    const { model, tensors, source } = await setup();
    const reference = await collectRanges(model, tensors, source, { method: 'minmax', batchSize: 32, engine: 'outputs' });
    const wide = await collectRanges(model, tensors, source, { method: 'minmax', batchSize: 32 });
    expect(wide.batchSize).toBe(32);
    const warnings: string[] = [];
    const budget = Math.floor(wide.estimatedBytes! / 6);
    const tight = await collectRanges(model, tensors, source, { method: 'minmax', batchSize: 32, memoryBudgetBytes: budget, onWarning: (w) => warnings.push(w) });
    expect(tight.batchSize).toBe(5);
    expect(tight.estimatedBytes!).toBeLessThanOrEqual(budget);
    expect(tight.batches).toBe(Math.ceil(256 / 5));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/batch size lowered from 32 to 5/);
    expect(plain(tight.ranges)).toEqual(plain(reference.ranges));
  }, 120_000);

  it('percentile: tensors split over several passes to fit, same ranges as one pass', async () => {
    const { model, tensors, source } = await setup();
    const options = { method: 'percentile' as const, batchSize: 32, limit: 96 };
    const reference = await collectRanges(model, tensors, source, { ...options, engine: 'outputs' });
    const roomy = await collectRanges(model, tensors, source, options);
    expect(roomy.passes).toBe(1);
    const split = await collectRanges(model, tensors, source, { ...options, memoryBudgetBytes: Math.floor(roomy.estimatedBytes! / 3) });
    expect(split.passes).toBeGreaterThanOrEqual(3);
    expect(split.batchSize).toBe(32);
    expect(split.estimatedBytes!).toBeLessThanOrEqual(roomy.estimatedBytes! / 3);
    expect(split.samples).toBe(96);
    expect(plain(split.ranges)).toEqual(plain(reference.ranges));
    expect(plain(roomy.ranges)).toEqual(plain(reference.ranges));
    // tensorsPerPass still caps a pass.
    const capped = await collectRanges(model, tensors.slice(0, 10), source, { ...options, tensorsPerPass: 4 });
    expect(capped.passes).toBe(3);
  }, 120_000);

  it('quantize() passes the budget and reports the lowered batch among its warnings', async () => {
    const { source } = await setup();
    const model = await loadModel(RESNET);
    const result = await quantize(model, { calibration: { kind: 'data', source, batchSize: 64, limit: 64, memoryBudgetBytes: 256 * 1024 } });
    expect(result.warnings.some((w) => /batch size lowered from 64 to 1\b/.test(w))).toBe(true);
    expect(result.calibrationSamples).toBe(64);
  }, 120_000);

  it('a budget that is not a number of bytes > 0 is a ConfigError', async () => {
    const { model, tensors, source } = await setup();
    for (const bad of [0, -1, Number.NaN, Infinity, '1GB' as unknown as number]) {
      const error = await catchMixqAsync(() => collectRanges(model, tensors, source, { method: 'minmax', memoryBudgetBytes: bad }));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message).toContain('memoryBudgetBytes');
    }
    const viaQuantize = await catchMixqAsync(() => quantize(model, { calibration: { kind: 'data', source, memoryBudgetBytes: -5 } }));
    expect(viaQuantize.code).toBe('INVALID_CONFIG');
  }, 60_000);
});

describe('--memory-budget', () => {
  it('parses megabytes into bytes', () => {
    expect(parseMemoryBudget('512')).toBe(512 * 1024 * 1024);
    expect(parseMemoryBudget('0.5')).toBe(512 * 1024);
    for (const bad of ['0', '-3', 'abc', '', '1GB']) expect(() => parseMemoryBudget(bad), bad).toThrow(/megabytes > 0/);
  });

  it('is a calibration option of the commands; calibrationTuning hands it to the API in bytes', async () => {
    const cmd = addCalibrationOptions(new Command('quantize').exitOverride());
    cmd.parse(['--memory-budget', '256', '--batch-size', '8'], { from: 'user' });
    const opts = cmd.opts<CalibrationOptions>();
    expect(opts.memoryBudget).toBe(256 * 1024 * 1024);
    expect(calibrationTuning(opts)).toEqual({ batchSize: 8, memoryBudgetBytes: 256 * 1024 * 1024 });
    expect(calibrationTuning({})).toEqual({});
    const bad = addCalibrationOptions(new Command('auto').exitOverride().configureOutput({ writeErr: () => {} }));
    expect(() => bad.parse(['--memory-budget', '-1'], { from: 'user' })).toThrow(/megabytes > 0/);
  });
});
