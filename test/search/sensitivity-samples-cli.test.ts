/** `mixq auto --sensitivity-samples` on the detector-like export. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AutoReport } from '../../src/report/auto-report.js';
import { detectorLike, saveFixture, type SavedFixture } from '../fixtures/exports/index.js';
import { runCli, tempDir } from '../cli/helpers.js';

describe('mixq auto --sensitivity-samples', () => {
  const dir = tempDir('mixq-sensitivity-samples-cli-');
  let saved: SavedFixture;
  beforeAll(async () => {
    saved = await saveFixture(detectorLike(), dir.path, { count: 4 });
  });
  afterAll(() => dir.remove());

  const auto = (...args: string[]) => runCli(['auto', saved.modelPath, '--calib', saved.calibDir, '--l2-target', '0.007', '--metric', 'relative-l2', '--latency-runs', '0', '--no-optimistic', ...args]);
  const sensitivities = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as AutoReport).layers.map((l) => l.sensitivity);

  it('ranks on the first n samples (different sensitivities from all of them); a negative count is a usage error', async () => {
    const [two, all] = [join(dir.path, 'two.json'), join(dir.path, 'all.json')];
    const runTwo = await auto('--sensitivity-samples', '2', '--report', two, '-o', join(dir.path, 'two.onnx'));
    expect(runTwo.code, runTwo.stderr).toBe(0);
    const runAll = await auto('--sensitivity-samples', '0', '--report', all, '-o', join(dir.path, 'all.onnx'));
    expect(runAll.code, runAll.stderr).toBe(0);
    // The default (8) is at least the 4 samples there are: all of them, as 0 says.
    const runDefault = await auto('--report', join(dir.path, 'default.json'), '-o', join(dir.path, 'default.onnx'));
    expect(runDefault.code, runDefault.stderr).toBe(0);
    expect(sensitivities(join(dir.path, 'default.json'))).toEqual(sensitivities(all));
    expect(sensitivities(two).every(Number.isFinite)).toBe(true);
    expect(sensitivities(two)).not.toEqual(sensitivities(all));
    const bad = await auto('--sensitivity-samples', '-1', '-o', join(dir.path, 'bad.onnx'));
    expect(bad.code).toBe(2);
  }, 90_000);
});
