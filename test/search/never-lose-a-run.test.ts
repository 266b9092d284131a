/**
 * Never lose a run: an error after the wide model was measured ends the search with the best model
 * so far and the reason (API: a result with met false and stoppedBy; CLI: model and report written,
 * then the error's exit code).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { main } from '../../src/cli/main.js';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import type { EvaluateFunction } from '../../src/search/targets.js';
import { calibSource, MODELS, top1Evaluator } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Every layer narrowed keeps top-1 on fashion-resnet (the optimistic candidate would end the search
 * at once), so the scores are docked 0.002 per narrowed group, read from the candidate's label:
 * the optimistic candidate and the bisection's first step then miss a 0.01 drop.
 */
const narrowedIn = (label: string): number => Number(/(\d+) group\(s\) to int8/.exec(label)?.[1] ?? 0);
const PENALTY = 0.002;
const dir = mkdtempSync(join(tmpdir(), 'mixq-never-lose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an error mid-search', () => {
  it('the API returns the best model measured so far, met false, and the reason', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    const real = await top1Evaluator(500);
    let calls = 0;
    // Calls 1 and 2 score the float and wide models, 3 the optimistic candidate, 4 the first bisection step; 5 fails.
    const evaluate: EvaluateFunction = async (m) => {
      if (++calls === 5) throw new Error('the evaluation disk went away');
      return Math.max(0, (await real(m)) - PENALTY * narrowedIn(m.label));
    };
    const warnings: string[] = [];
    const r = await autoMixedPrecision(model, {
      calibration: await calibSource(),
      batchSize: 128,
      latencyRuns: 0,
      target: { kind: 'top1', maxDrop: 0.01, evaluate, relativeTo: 'float', mode: 'absolute' },
      onWarning: (w) => warnings.push(w),
    });
    expect(calls).toBe(5);
    expect(r.met).toBe(false);
    expect(r.stoppedBy?.kind).toBe('error');
    expect(r.stoppedBy?.code).toBe('EVALUATE_FAILED');
    expect(r.stoppedBy?.reason).toContain('the evaluation disk went away');
    expect(r.message).toContain('the evaluation disk went away');
    expect(warnings.some((w) => w.includes('stopped early'))).toBe(true);
    // The model returned is one the search measured, and it is what the result says it is.
    const session = await ModelSession.create(r.model, { optimization: 'disabled' });
    const narrowed = r.layers.filter((l) => l.precision === 'int8').length;
    const score = Math.max(0, (await real({ inputNames: session.inputNames, outputNames: session.outputNames, run: (f) => session.run(f) })) - PENALTY * narrowed);
    await session.close();
    expect(score).toBe(r.final.score);
    expect(r.baseline.float! - score).toBeLessThanOrEqual(0.01);
    expect(r.optimistic).toBe('missed');
    expect(r.message).toContain(`Narrowed ${narrowed} of ${r.layers.length}`);
  }, 300_000);

  it('the CLI writes the model and the report, prints the reason, and exits with the evaluate code (5)', async () => {
    const module = join(dir, 'flaky-evaluate.mjs');
    writeFileSync(
      module,
      `import real from ${JSON.stringify(join(ROOT, 'examples', 'fashion-eval', 'evaluate.mjs'))};
let calls = 0;
const narrowedIn = (label) => Number(/(\\d+) group\\(s\\) to int8/.exec(label)?.[1] ?? 0);
export default async (model) => {
  if (++calls === 5) throw new Error('the evaluation disk went away');
  return Math.max(0, (await real(model)) - ${PENALTY} * narrowedIn(model.label));
};
`,
    );
    const out = join(dir, 'out.onnx');
    const report = join(dir, 'report.json');
    const err: string[] = [];
    const code = await main(
      ['--quiet', 'auto', join(ROOT, 'examples', 'models', 'fashion-resnet.onnx'), '--calib', join(ROOT, 'calib-data'), '--batch-size', '128', '--top1-target', '0.01', '--evaluate', module, '--latency-runs', '0', '--report', report, '-o', out],
      { out: () => {}, err: (t) => err.push(t) },
    );
    expect(code).toBe(5);
    expect(err.join('\n')).toContain('the evaluation disk went away');
    expect(existsSync(out)).toBe(true);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { met: boolean; stoppedBy?: { kind: string; reason: string } };
    expect(written.met).toBe(false);
    expect(written.stoppedBy?.kind).toBe('error');
    expect(written.stoppedBy?.reason).toContain('the evaluation disk went away');
    // What was written loads with default onnxruntime options (the validity gate ran on it).
    const session = await ModelSession.create(await loadModel(out));
    await session.close();
  }, 300_000);
});
