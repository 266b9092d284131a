import { describe, expect, it } from 'vitest';
import { cloneModel, floatAttr, intAttr } from '../../../src/ir/index.js';
import { loadModel } from '../../../src/onnx/index.js';
import { formatUpgradeBlocks, formatUpgradeLine, MAX_TARGET_OPSET, rewriteAdapters, upgradeOpset } from '../../../src/qdq/upgrade/index.js';
import { OP_VERSIONS } from '../../../src/qdq/upgrade/op-versions.js';
import { ModelSession } from '../../../src/runtime/index.js';
import { catchMixq, RESNET, VIT } from '../../fixtures/helpers.js';
import { seededFloats } from '../../fixtures/random.js';
import { bytesOf, oldModel } from './helpers.js';

describe('opset upgrade: report, refusals and bad input', () => {
  it('rejects targets outside 8..21 with INVALID_ARGUMENT', () => {
    const m = oldModel(9);
    for (const target of [7, 22, 13.5, Number.NaN, '13' as unknown as number]) {
      const error = catchMixq(() => upgradeOpset(m.model, { target }));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain('from 8 to 21');
    }
    expect(catchMixq(() => upgradeOpset(m.model, undefined as never)).code).toBe('INVALID_ARGUMENT');
  });

  it('never lowers an opset: a target at or below the model is a no-op', () => {
    const m = oldModel(17);
    m.output(m.graph.addNode({ opType: 'Relu', inputs: [m.input('x', [2])], outputs: ['y'] }).output(0));
    const before = bytesOf(m.model);
    expect(upgradeOpset(m.model, { target: 13 })).toEqual({ from: 17, to: 17, target: 13, upgraded: false, changes: [] });
    expect(upgradeOpset(m.model, { target: 17 }).upgraded).toBe(false);
    expect(bytesOf(m.model)).toEqual(before);
  });

  it('reports every blocking node (unknown op, op that is not at this opset) and leaves the model untouched', () => {
    const m = oldModel(9);
    const x = m.input('x', [2]);
    const clip = m.graph.addNode({ opType: 'Clip', name: 'clip', inputs: [x], outputs: ['c'], attributes: [floatAttr('min', 0)] });
    const odd = m.graph.addNode({ opType: 'ImageScaler', name: 'scaler', inputs: [clip.output(0)], outputs: ['s'], attributes: [floatAttr('scale', 2)] });
    const late = m.graph.addNode({ opType: 'HardSwish', name: 'hswish', inputs: [odd.output(0)], outputs: ['y'] });
    m.output(late.output(0));
    const before = bytesOf(m.model);
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.upgraded).toBe(false);
    expect(report.blocked!.map((b) => `${b.opType} ${b.node}`)).toEqual(['ImageScaler scaler', 'HardSwish hswish']);
    expect(report.blocked![0]!.reason).toContain('not a standard ai.onnx operator');
    expect(report.blocked![1]!.reason).toContain('does not exist at opset 9');
    expect(bytesOf(m.model)).toEqual(before);
    expect(clip.attributes.has('min')).toBe(true);
    expect(formatUpgradeBlocks(report)[0]).toBe("ImageScaler 'scaler': not a standard ai.onnx operator (experimental, removed or misspelt)");
    expect(formatUpgradeLine(report)).toBe('ai.onnx opset kept at 9');
  });

  it('refuses opsets older than 7 and models with local functions', () => {
    const old = oldModel(6);
    expect(upgradeOpset(old.model, { target: 13 }).blocked?.[0]?.reason).toContain('older than 7');
    const withFunctions = oldModel(11);
    withFunctions.model.preserved['functions'] = [{ name: 'f' }];
    expect(upgradeOpset(withFunctions.model, { target: 13 }).blocked?.[0]?.reason).toContain('local function');
  });

  it('leaves other domains alone and keeps an "ai.onnx" opset key', () => {
    const m = oldModel(11);
    m.model.opsetImports.delete('');
    m.model.opsetImports.set('ai.onnx', 11);
    m.model.opsetImports.set('com.microsoft', 1);
    const x = m.input('x', [2]);
    const custom = m.graph.addNode({ opType: 'FusedGemm', domain: 'com.microsoft', name: 'ms', inputs: [x], outputs: ['y'], attributes: [intAttr('transA', 0)] });
    m.output(custom.output(0));
    const report = upgradeOpset(m.model, { target: 13 });
    expect(report.upgraded).toBe(true);
    expect([...m.model.opsetImports]).toEqual([['ai.onnx', 13], ['com.microsoft', 1]]);
  });

  it('formats the user-facing line with counts per rewrite and version bumps', () => {
    const line = formatUpgradeLine({ from: 9, to: 13, target: 13, upgraded: true, changes: [{ opType: 'Clip', count: 3, what: 'min/max → inputs' }, { opType: 'Upsample', count: 2, what: '→ Resize, asymmetric, nearest floor' }], versionBumps: 40 });
    expect(line).toBe('ai.onnx opset raised from 9 to 13: Clip ×3 (min/max → inputs), Upsample ×2 (→ Resize, asymmetric, nearest floor); 40 node(s): version number only');
  });

  it('every rewrite adapter is a real schema change of its op, at most at the highest target', () => {
    for (const a of rewriteAdapters()) {
      expect(OP_VERSIONS[a.opType], a.opType).toContain(a.version);
      expect(a.version).toBeLessThanOrEqual(MAX_TARGET_OPSET);
    }
  });

  for (const path of [RESNET, VIT]) {
    it(`${path.split('/').pop()}: 17 → 21 keeps outputs bit-identical (Reduce axes → inputs)`, async () => {
      const model = await loadModel(path);
      const upgraded = cloneModel(model);
      const report = upgradeOpset(upgraded, { target: 21 });
      expect(report.upgraded).toBe(true);
      expect(upgraded.opset).toBe(21);
      expect(upgraded.irVersion).toBeGreaterThanOrEqual(10);
      expect(model.opset).toBe(17);
      for (const n of [...upgraded.graph.allNodes()].filter((n) => n.opType === 'ReduceMean')) {
        expect(n.attributes.has('axes')).toBe(false);
        expect(n.inputs[1]?.initializer?.type).toBe('int64');
      }
      const input = { input: { type: 'float32' as const, dims: [4, 1, 28, 28], data: seededFloats(7, 4 * 784, 2) } };
      const [a, b] = [await ModelSession.create(model), await ModelSession.create(upgraded)];
      const [ya, yb] = [(await a.run(input))['logits']!.data, (await b.run(input))['logits']!.data];
      expect(Array.from(yb as Float32Array)).toEqual(Array.from(ya as Float32Array));
      await a.close();
      await b.close();
    });
  }
});
