/** quantize / mix / auto tell the user when they raised the model's opset (text, --json, report file). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectorLike, saveFixture, type SavedFixture } from '../fixtures/exports/index.js';
import { runCli, tempDir } from './helpers.js';

const LINE = 'ai.onnx opset raised from 9 to 13: Clip ×2 (min/max → inputs), Upsample ×6 (→ Resize, asymmetric, nearest floor)';

describe('the opset upgrade in the output of quantize, mix and auto', () => {
  const dir = tempDir('mixq-upgrade-cmds-');
  let saved: SavedFixture;
  beforeAll(async () => {
    saved = await saveFixture(detectorLike({ opset: 9 }), dir.path, { count: 4 });
  });
  afterAll(() => dir.remove());

  it('quantize prints the line; --json carries opsetUpgrade', async () => {
    const text = await runCli(['quantize', saved.modelPath, '--calib', saved.calibDir, '--latency-runs', '0', '-o', join(dir.path, 'q.onnx')]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe(`${LINE}; 46 node(s): version number only`);
    const json = await runCli(['quantize', saved.modelPath, '--calib', saved.calibDir, '--activation', 'int16', '--latency-runs', '0', '-o', join(dir.path, 'q16.onnx'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { opsetUpgrade: { from: number; to: number; upgraded: boolean } };
    expect(parsed.opsetUpgrade).toMatchObject({ from: 9, to: 21, upgraded: true });
  });

  it('mix prints the line (BF16 on an opset-9 model)', async () => {
    const run = await runCli(['mix', saved.modelPath, '--precision', 'bf16', '-o', join(dir.path, 'm.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`${LINE}; 46 node(s): version number only`);
  });

  it('auto prints the line and writes opsetUpgrade into the report', async () => {
    const report = join(dir.path, 'auto.json');
    const run = await runCli(['auto', saved.modelPath, '--calib', saved.calibDir, '--l2-target', '1000', '--latency-runs', '0', '--report', report, '-o', join(dir.path, 'a.onnx')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('ai.onnx opset raised from 9 to 21: Clip ×2 (min/max → inputs), Upsample ×6');
    const written = JSON.parse(readFileSync(report, 'utf8')) as { opsetUpgrade: { from: number; to: number; changes: unknown[] } };
    expect(written.opsetUpgrade).toMatchObject({ from: 9, to: 21 });
    expect(written.opsetUpgrade.changes).toHaveLength(2);
    const reprint = await runCli(['report', report]);
    expect(reprint.code, reprint.stderr).toBe(0);
    expect(reprint.stdout).toContain('ai.onnx opset raised from 9 to 21');
  });
});
