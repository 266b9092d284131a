/**
 * The validity gate at the end of a search: the model returned must load with onnxruntime's
 * default options; a candidate whose model does not is a failed trial and the next best one by the
 * search's own order is returned instead (here: fewer groups narrowed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOutputError } from '../../src/errors.js';
import { cloneModel, type Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import type { QuantPlan } from '../../src/qdq/types.js';
import { finishSearch } from '../../src/search/finish.js';
import type { OutputMetrics } from '../../src/search/metrics.js';
import type { Target } from '../../src/search/targets.js';
import { TrialLog, type Levels } from '../../src/search/trials.js';
import { MODELS } from './helpers.js';

const metrics = (l2: number): OutputMetrics => ({ l2, relativeL2: l2 / 10, sqnr: 30, psnr: 36, cosine: 0.999, kl: 0, samples: 1 });
const plan: QuantPlan = { tensors: [], conversions: [], nodes: [] };
const target: Target = { kind: 'metric', metric: 'l2', threshold: 0.1 };
const levels = (...ids: string[]): Levels => new Map(ids.map((id) => [id, 'int8']));

let good: Model;
let broken: Model;
beforeAll(async () => {
  good = await loadModel(`${MODELS}/fashion-resnet.onnx`);
  // Stands in for a model that does not load with default options (as QLinearConv fused at opset 9 did).
  broken = cloneModel(good);
  broken.graph.nodes[0]!.opType = 'NoSuchOp';
});

function logWith(preferredModel: Model, fallbackModel: Model): TrialLog {
  const log = new TrialLog();
  log.add({ levels: levels(), plan, measure: { metrics: metrics(0.05), model: good }, ok: true });
  log.add({ levels: levels('a'), plan, measure: { metrics: metrics(0.08), model: fallbackModel }, ok: true });
  log.add({ levels: levels('a', 'b'), plan, measure: { metrics: metrics(0.09), model: preferredModel }, ok: true });
  log.add({ levels: levels('a', 'b', 'c'), plan, measure: { metrics: metrics(0.2), model: good }, ok: false });
  return log;
}

const finish = (log: TrialLog, warn: (w: string) => void = () => {}) =>
  finishSearch({ log, state: { direction: 'narrow', preferred: levels('a', 'b') }, target, reference: undefined, evaluator: undefined as never, withScore: false, warn, useBf16: false });

describe('finishSearch and the validity gate', () => {
  it('returns the preferred candidate when it loads with default options', async () => {
    const log = logWith(good, good);
    const f = await finish(log);
    expect([...f.trial.levels.keys()]).toEqual(['a', 'b']);
    expect(f.met).toBe(true);
    expect(log.failed).toEqual([]);
  });

  it('skips a candidate that fails the gate (a failed trial) and returns the next best passing one', async () => {
    const log = logWith(broken, good);
    const warnings: string[] = [];
    const f = await finish(log, (w) => warnings.push(w));
    expect([...f.trial.levels.keys()]).toEqual(['a']);
    expect(f.measure.model).toBe(good);
    expect(f.met).toBe(true);
    expect(log.failed).toHaveLength(1);
    expect(log.failed[0]!.candidate).toBe('2 group(s) to int8: a, b');
    expect(log.failed[0]!.reason).toMatch(/does not load in onnxruntime with default session options/);
    expect(warnings.some((w) => w.includes('2 group(s) to int8: a, b'))).toBe(true);
  });

  it('throws the gate error when no measured candidate loads', async () => {
    const log = new TrialLog();
    log.add({ levels: levels(), plan, measure: { metrics: metrics(0.05), model: broken }, ok: true });
    const error = await finish(log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOutputError);
  });
});
