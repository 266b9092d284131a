/**
 * Old-opset exports through quantize / mix / auto: the opset is raised before planning, and every
 * output loads and runs in onnxruntime with DEFAULT session options (graph optimizations 'all',
 * QDQ fusion), which failed before the upgrade pass ("No Op registered for QLinearConv with
 * domain_version of 9").
 */
import { describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../../src/api/auto-mixed-precision.js';
import { mixPrecision } from '../../../src/api/mix-precision.js';
import { quantize } from '../../../src/api/quantize.js';
import { Tensor, type Model } from '../../../src/ir/index.js';
import { tensorSource } from '../../quantize/helpers.js';
import { detectorLike, recognizerLike, type ExportFixture } from '../../fixtures/exports/index.js';
import { catchMixqAsync } from '../../fixtures/helpers.js';
import { oldModel, run } from './helpers.js';

async function expectRunsWithDefaults(model: Model, fx: ExportFixture): Promise<void> {
  const out = await run(model, fx.feeds(2, 5), 'all');
  for (const name of fx.outputNames) {
    const data = out[name]!.data as Float32Array;
    expect(data.length, name).toBeGreaterThan(0);
    expect(data.every(Number.isFinite), `${name} finite`).toBe(true);
  }
}

const FIXTURES = [recognizerLike({ opset: 9 }), detectorLike({ opset: 11 }), detectorLike({ opset: 9 })];
const SETTINGS = [
  { label: 'A8W8', activationType: 'int8', weightType: 'int8', opset: 13 },
  { label: 'A16W8', activationType: 'int16', weightType: 'int8', opset: 21 },
  { label: 'A16W16', activationType: 'int16', weightType: 'int16', opset: 21 },
] as const;

describe('quantize on old-opset exports', () => {
  for (const fx of FIXTURES) {
    for (const s of SETTINGS) {
      it(`${fx.name} ${s.label}: raised ${fx.opset} → ${s.opset}, loads and runs with default options`, async () => {
        const r = await quantize(fx.build(), { calibration: { kind: 'data', source: fx.source(6) }, activationType: s.activationType, weightType: s.weightType, latencyRuns: 0 });
        expect(r.model.opset).toBe(s.opset);
        expect(r.opsetUpgrade).toMatchObject({ from: fx.opset, to: s.opset, upgraded: true });
        expect(r.model.graph.nodes.some((n) => n.domain === 'com.microsoft')).toBe(false);
        expect(r.model.graph.nodes.some((n) => n.opType === 'Upsample')).toBe(false);
        await expectRunsWithDefaults(r.model, fx);
      });
    }
  }
});

describe('mix and auto on old-opset exports', () => {
  // (The recognizer's decomposed LayerNorm trips onnxruntime's LayerNormFusion once BF16 casts are in,
  // at any opset: a float-mix matter, not an opset one.)
  for (const fx of [detectorLike({ opset: 9 }), detectorLike({ opset: 11 })]) {
    it(`${fx.name}: mix bf16 works (it was refused below opset 13) and loads with default options`, async () => {
      const { model, report } = await mixPrecision(fx.build(), { precision: 'bf16' });
      expect(model.opset).toBe(13);
      expect(report.opsetUpgrade).toMatchObject({ from: fx.opset, to: 13, upgraded: true });
      expect(report.convertedNodes).toBeGreaterThan(0);
      expect(model.graph.nodes.some((n) => n.opType === 'Cast' && n.attrInt('to') === 16)).toBe(true);
      await expectRunsWithDefaults(model, fx);
    });
  }

  it('detector opset 11: auto (target the wide model misses, ops left float as BF16) writes Cast(bfloat16) at 21 and loads with defaults', async () => {
    const fx = detectorLike({ opset: 11 });
    const r = await autoMixedPrecision(fx.build(), {
      calibration: fx.source(4),
      target: { kind: 'metric', metric: 'relative-l2', threshold: 0.01 },
      useBf16: true,
      maxEvaluations: 80,
      latencyRuns: 0,
    });
    expect(r.opsetUpgrade).toMatchObject({ from: 11, to: 21, upgraded: true });
    expect(r.baseline.wide.relativeL2).toBeGreaterThan(0.01);
    expect(r.model.opset).toBe(21);
    expect(r.bf16Nodes.length).toBeGreaterThan(0);
    expect(r.model.graph.nodes.some((n) => n.opType === 'Cast' && n.attrInt('to') === 16)).toBe(true);
    await expectRunsWithDefaults(r.model, fx);
  });
});

describe('an opset-9 model the pass cannot upgrade', () => {
  it('warns, naming the node, then refuses the 8-bit model before calibrating (UNSUPPORTED_OPSET)', async () => {
    const m = oldModel(9);
    const x = m.input('x', [1, 2, 4, 4]);
    const w = m.graph.addInitializer(Tensor.fromArray('w', 'float32', [2, 2, 1, 1], Float32Array.of(1, 0.5, -0.5, 1)));
    const conv = m.graph.addNode({ opType: 'Conv', name: 'conv', inputs: [x, w], outputs: ['c'] });
    const drop = m.graph.addNode({ opType: 'Dropout', name: 'drop', inputs: [conv.output(0)], outputs: ['y', 'mask'] });
    m.output(drop.output(0));
    m.output(drop.output(1));
    const warnings: string[] = [];
    const data = { type: 'float32' as const, dims: [2, 2, 4, 4], data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)) };
    const error = await catchMixqAsync(() => quantize(m.model, { calibration: { kind: 'data', source: tensorSource({ x: data }) }, latencyRuns: 0, onWarning: (w) => warnings.push(w) }));
    expect(warnings[0]).toContain("Dropout 'drop'");
    expect(warnings[0]).toContain("'basic'");
    expect(error.code).toBe('UNSUPPORTED_OPSET');
    expect(error.message).toContain("8-bit Conv 'conv' cannot be written");
    expect(error.message).toContain("the opset upgrade is blocked: Dropout 'drop'");
  });
});
