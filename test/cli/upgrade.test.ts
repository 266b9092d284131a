import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringAttr, Tensor } from '../../src/ir/index.js';
import { loadModel, saveModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { detectorLike } from '../fixtures/exports/index.js';
import { oldModel } from '../qdq/upgrade/helpers.js';
import { expectCliError, runCli, tempDir } from './helpers.js';

describe('mixq upgrade', () => {
  const dir = tempDir('mixq-upgrade-');
  const fx = detectorLike({ opset: 9 });
  const old = join(dir.path, 'detector9.onnx');
  const blocked = join(dir.path, 'mixed-resize.onnx');

  beforeAll(async () => {
    await saveModel(fx.build(), old);
    const m = oldModel(10);
    const x = m.input('x', [1, 1, 4, 6]);
    const scales = m.graph.addInitializer(Tensor.fromArray('scales', 'float32', [4], Float32Array.of(1, 1, 0.5, 2)));
    m.output(m.graph.addNode({ opType: 'Resize', name: 'odd_resize', inputs: [x, scales], outputs: ['y'], attributes: [stringAttr('mode', 'nearest')] }).output(0));
    await saveModel(m.model, blocked);
  });
  afterAll(() => dir.remove());

  it('raises opset 9 to 13, says what changed, and writes a model that runs with default options', async () => {
    const out = join(dir.path, 'detector13.onnx');
    const run = await runCli(['upgrade', old, '--opset', '13', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ai.onnx opset raised from 9 to 13: Clip ×2 (min/max → inputs), Upsample ×6 (→ Resize, asymmetric, nearest floor)');
    expect(run.stdout).toContain(`Wrote ${out}.`);
    const model = await loadModel(out);
    expect(model.opset).toBe(13);
    expect(model.irVersion).toBeGreaterThanOrEqual(7);
    const session = await ModelSession.create(model);
    const y = await session.run(fx.feeds(1, 2));
    await session.close();
    expect(Object.keys(y).sort()).toEqual([...fx.outputNames].sort());
  });

  it('--json gives the report', async () => {
    const out = join(dir.path, 'detector21.onnx');
    const run = await runCli(['upgrade', old, '--opset', '21', '-o', out, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { from: number; to: number; upgraded: boolean; changes: { opType: string; count: number }[]; output: string };
    expect([report.from, report.to, report.upgraded, report.output]).toEqual([9, 21, true, out]);
    expect(report.changes.map((c) => `${c.opType} ×${c.count}`)).toEqual(['Clip ×2', 'Upsample ×6']);
  });

  it('exits 2 naming the node that blocks, and writes nothing', async () => {
    const out = join(dir.path, 'never.onnx');
    const run = await runCli(['upgrade', blocked, '--opset', '13', '-o', out]);
    const lines = expectCliError(run, 2, 'UNSUPPORTED_OPSET');
    expect(lines.join('\n')).toContain("Resize 'odd_resize'");
    expect(lines.join('\n')).toContain('both up- and down-sample');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an opset outside 8..21', async () => {
    const run = await runCli(['upgrade', old, '--opset', '25', '-o', join(dir.path, 'x.onnx')]);
    expect(expectCliError(run, 2, 'INVALID_ARGUMENT')[0]).toContain('from 8 to 21');
  });

  it('a model already at the opset is written unchanged, and said so', async () => {
    const first = join(dir.path, 'again13.onnx');
    expect((await runCli(['upgrade', old, '--opset', '13', '-o', first])).code).toBe(0);
    const out = join(dir.path, 'again13-copy.onnx');
    const run = await runCli(['upgrade', first, '--opset', '11', '-o', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ai.onnx opset 13 is already at or above 11: model written unchanged');
    expect((await loadModel(out)).opset).toBe(13);
  });
});
