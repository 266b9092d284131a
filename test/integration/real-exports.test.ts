/**
 * Issue 10's acceptance matrix on models that look like real exports (opset 9 and 11, weights in
 * Constant nodes, dynamic H/W, depthwise + hardswish + SE, a channel with near-zero weights and a
 * large bias): every output of quantize (A8W8, A16W8, A16W16), auto (L2 and top-1 targets, and a
 * target the wide model misses) and mix (bf16, fp16) loads in onnxruntime with DEFAULT session
 * options, runs to finite outputs, and holds no saturated int32 bias.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { mixPrecision } from '../../src/api/mix-precision.js';
import { quantize } from '../../src/api/quantize.js';
import { saturatedInt32Constants } from '../../src/calibration/compare-map.js';
import type { HostTensor, Model } from '../../src/ir/index.js';
import type { Feeds } from '../../src/runtime/index.js';
import type { CandidateHandle } from '../../src/search/score.js';
import { biasOverflowFixture, detectorLike, recognizerLike, type ExportFixture } from '../fixtures/exports/index.js';
import { run } from '../qdq/upgrade/helpers.js';

const FIXTURES: readonly ExportFixture[] = [recognizerLike({ opset: 9 }), detectorLike({ opset: 11 }), biasOverflowFixture()];
const HELD_OUT = 77;

/** Loads with graph optimizations 'all' (QDQ fusion), runs, and gives finite outputs of the float model's shapes. */
async function expectValid(model: Model, fx: ExportFixture, floatOut: Feeds): Promise<void> {
  const out = await run(model, fx.feeds(2, HELD_OUT), 'all');
  for (const name of fx.outputNames) {
    const got = out[name]!;
    expect(got.dims, name).toEqual(floatOut[name]!.dims);
    expect((got.data as Float32Array).every(Number.isFinite), `${name} finite`).toBe(true);
  }
  expect(saturatedInt32Constants(model.graph), 'saturated int32 biases').toEqual([]);
}

/**
 * A top-1-like score in 0..1 against the float model on held-out data: the share of positions whose
 * arg-max class agrees (recognizer: per time step), or of pixels on the same side of 0.5 (detector
 * map), or of values within 5% of the output range (a plain regression output).
 */
function agreementScore(fx: ExportFixture, reference: HostTensor): (candidate: CandidateHandle) => Promise<number> {
  const ref = reference.data as Float32Array;
  const classes = reference.dims[reference.dims.length - 1] ?? 1;
  return async (candidate) => {
    const got = (await candidate.run(fx.feeds(2, HELD_OUT)))[fx.outputNames[0]!]!.data as Float32Array;
    if (fx.name.startsWith('recognizer')) return argmaxAgreement(ref, got, classes);
    if (fx.name.startsWith('detector')) return ref.reduce((n, v, i) => n + ((v > 0.5) === (got[i]! > 0.5) ? 1 : 0), 0) / ref.length;
    const span = Math.max(...ref) - Math.min(...ref);
    return ref.reduce((n, v, i) => n + (Math.abs(v - got[i]!) <= 0.05 * span ? 1 : 0), 0) / ref.length;
  };
}

function argmaxAgreement(a: Float32Array, b: Float32Array, classes: number): number {
  let same = 0;
  const rows = a.length / classes;
  for (let r = 0; r < rows; r++) {
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < classes; c++) {
      if (a[r * classes + c]! > a[r * classes + ia]!) ia = c;
      if (b[r * classes + c]! > b[r * classes + ib]!) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}

describe.each(FIXTURES.map((fx) => [fx.name, fx] as const))('real-export matrix: %s', (_name, fx) => {
  let floatOut: Feeds;
  beforeAll(async () => {
    floatOut = await run(fx.build(), fx.feeds(2, HELD_OUT), 'all');
  });

  for (const [label, activationType, weightType] of [['A8W8', 'int8', 'int8'], ['A16W8', 'int16', 'int8'], ['A16W16', 'int16', 'int16']] as const) {
    it(`quantize ${label}: valid with default options, no saturated int32 bias`, async () => {
      const r = await quantize(fx.build(), { calibration: { kind: 'data', source: fx.source(8) }, activationType, weightType, latencyRuns: 0 });
      expect(r.model.opset).toBeGreaterThanOrEqual(13);
      await expectValid(r.model, fx, floatOut);
    });
  }

  it('auto with an L2 target: met, valid with default options', async () => {
    const r = await autoMixedPrecision(fx.build(), { calibration: fx.source(8), target: { kind: 'metric', metric: 'relative-l2', threshold: 0.1 }, maxEvaluations: 40, latencyRuns: 0 });
    expect(r.met).toBe(true);
    expect(r.final.relativeL2).toBeLessThanOrEqual(0.1);
    expect(r.layers.some((l) => l.activation === 'int8')).toBe(true);
    await expectValid(r.model, fx, floatOut);
  });

  it('auto with a top-1 target (score agreement with the float model on held-out data): met, valid', async () => {
    const evaluate = agreementScore(fx, floatOut[fx.outputNames[0]!]!);
    const r = await autoMixedPrecision(fx.build(), {
      calibration: fx.source(8),
      target: { kind: 'top1', maxDrop: 0.05, evaluate, relativeTo: 'float', mode: 'absolute' },
      maxEvaluations: 40,
      latencyRuns: 0,
    });
    expect(r.baseline.float).toBe(1);
    expect(r.met).toBe(true);
    expect(r.final.score!).toBeGreaterThanOrEqual(0.95);
    await expectValid(r.model, fx, floatOut);
  });

  it('auto with a target the wide model misses: widens layers (never loses the run), valid', async () => {
    const r = await autoMixedPrecision(fx.build(), { calibration: fx.source(8), target: { kind: 'metric', metric: 'relative-l2', threshold: 1e-4 }, maxEvaluations: 40, latencyRuns: 0 });
    expect(r.baseline.wide.relativeL2).toBeGreaterThan(1e-4);
    expect(r.final.relativeL2).toBeLessThan(r.baseline.wide.relativeL2);
    expect(r.layers.some((l) => l.weight !== 'int8' || l.activation !== 'int16')).toBe(true);
    await expectValid(r.model, fx, floatOut);
  });

  for (const precision of ['bf16', 'fp16'] as const) {
    it(`mix ${precision}: converts nodes, valid with default options`, async () => {
      const { model, report } = await mixPrecision(fx.build(), { precision });
      expect(report.convertedNodes).toBeGreaterThan(0);
      await expectValid(model, fx, floatOut);
    });
  }
});
