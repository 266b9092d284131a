import type { Range } from '../calibration/ranges.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { ConfigError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { toPrecisionMap } from '../qdq/precision-map.js';
import type { MixedPrecisionTensor, QuantPlan, TensorPrecision } from '../qdq/types.js';
import { serializeModel } from '../onnx/index.js';
import { bf16AfterQuantization } from '../qdq/float-mix/index.js';
import { findCandidateGroups, precisionOverrides, requireCandidates, type CandidateGroup, type CandidateSelection } from './candidates.js';
import { Evaluator } from './evaluator.js';
import { lowerIsBetter, metricValue, type MetricName, type OutputMetrics } from './metrics.js';
import { planQuantization as makePlan, type PlanOptions } from '../qdq/plan.js';
import { allActivationTensors, calibrate } from './pipeline.js';
import { hashParts, SensitivityCache } from './sensitivity-cache.js';
import { bisectThenRetry, greedySweep, smallestPassingPrefix, type Budget } from './strategy.js';
import { badness, meets, validateTarget, type Measurement, type Target } from './targets.js';

export interface AutoSearchOptions {
  readonly source: CalibrationSource;
  readonly target: Target;
  /** Planner options of the wide model (A16W8 by default, set by the caller). */
  readonly wide: PlanOptions;
  /** Types a narrowed layer gets (default int8 activations, int8 weights). */
  readonly narrow?: { readonly activation: TensorPrecision; readonly weight: TensorPrecision };
  readonly candidates?: CandidateSelection;
  readonly strategy?: 'bisect' | 'greedy';
  /** Fall back to BF16 then FP32 per layer when the wide model misses the target (default true). */
  readonly fallback?: boolean;
  readonly batchSize?: number;
  readonly calibrationMethod?: 'minmax' | 'percentile' | 'entropy' | 'mse';
  /** Bytes a calibration pass may take (default 1 GiB); the batch comes down to fit, with a warning. */
  readonly memoryBudgetBytes?: number;
  /** Worker threads for the sensitivity pass (default 1 = in this thread). */
  readonly workers?: number;
  /** Directory for the sensitivity cache (undefined = no cache). */
  readonly cacheDir?: string;
  readonly maxEvaluations?: number;
  readonly timeoutMs?: number;
  readonly onProgress?: (phase: 'calibration' | 'sensitivity' | 'search', done: number, total: number | undefined, detail?: string) => void;
  readonly onWarning?: (message: string) => void;
  /** Make the ops left float BF16 (INT8/INT16/BF16/FP32 model); final metrics are re-measured. */
  readonly useBf16?: boolean;
}

export interface LayerResult {
  readonly name: string;
  readonly op: string;
  readonly nodes: readonly string[];
  readonly sensitivity: number;
  readonly precision: TensorPrecision;
}

export interface AutoSearchResult {
  readonly model: Model;
  readonly plan: QuantPlan;
  readonly mixedPrecisionTensor: MixedPrecisionTensor;
  readonly ranges: ReadonlyMap<string, Range>;
  readonly met: boolean;
  readonly message: string;
  readonly evaluations: number;
  readonly sensitivityEvaluations: number;
  readonly searchEvaluations: number;
  readonly retried: number;
  readonly cachedSensitivities: number;
  readonly seconds: number;
  readonly sensitivityMetric: MetricName;
  readonly layers: readonly LayerResult[];
  readonly baseline: { readonly float?: number; readonly wide: MeasurementSummary };
  readonly final: MeasurementSummary;
  readonly stoppedEarly: boolean;
  /** Nodes the BF16 pass converted (useBf16). */
  readonly bf16Nodes: readonly string[];
}

export interface MeasurementSummary extends OutputMetrics {
  readonly score?: number;
}

const summary = (m: Measurement): MeasurementSummary => (m.score === undefined ? { ...m.metrics } : { ...m.metrics, score: m.score });

export async function autoSearch(prepared: Model, options: AutoSearchOptions): Promise<AutoSearchResult> {
  const started = Date.now();
  validateTarget(options.target);
  const target = options.target;
  const narrow = options.narrow ?? { activation: 'int8', weight: 'int8' };
  const progress = options.onProgress ?? (() => {});
  const widePlan = makePlan(prepared, options.wide);
  const groups = findCandidateGroups(prepared, widePlan, options.candidates);
  requireCandidates(groups, options.candidates ?? {});

  const { ranges } = await calibrate(prepared, allActivationTensors(prepared), options.source, {
    method: options.calibrationMethod ?? 'minmax',
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    onProgress: (d, t) => progress('calibration', d, t),
  });
  const withScore = target.kind === 'top1';
  const evaluator = await Evaluator.create(prepared, ranges, options.source, {
    batchSize: options.batchSize ?? 32,
    outputIndex: target.kind === 'metric' ? (target.outputIndex ?? 0) : 0,
    ...(target.kind === 'top1' ? { evaluate: target.evaluate, ...(target.scoreRange ? { scoreRange: target.scoreRange } : {}) } : {}),
  });
  const budget: Budget = {
    exhausted: () =>
      (options.maxEvaluations !== undefined && evaluator.evaluations >= options.maxEvaluations) || (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs),
  };
  const planFor = (overrides: Map<string, TensorPrecision>): QuantPlan => {
    const merged = new Map(options.wide.tensorPrecision ?? []);
    for (const [k, v] of overrides) merged.set(k, v);
    return makePlan(prepared, { ...options.wide, tensorPrecision: merged });
  };

  const floatScore = withScore ? await evaluator.scoreFloat() : undefined;
  const wideMeasure = await evaluator.measure(widePlan, withScore);
  const reference = target.kind === 'top1' ? (target.relativeTo === 'float' ? floatScore : wideMeasure.score) : undefined;

  const metric: MetricName = target.kind === 'metric' ? target.metric : 'l2';
  const cacheKey = hashParts([serializeModel(prepared) ?? new Uint8Array(0), JSON.stringify([...ranges]), JSON.stringify({ wide: { ...options.wide, tensorPrecision: [...(options.wide.tensorPrecision ?? [])], nodePrecision: [...(options.wide.nodePrecision ?? [])] }, narrow, metric, batch: options.batchSize ?? 32 }), evaluator.referenceDigest()]);
  const cache = SensitivityCache.open(options.cacheDir, cacheKey);
  const cachedSensitivities = groups.filter((g) => cache.get(g.id) !== undefined).length;
  const sensitivities = new Map<string, number>();
  const evalsBeforeSensitivity = evaluator.evaluations;
  let sensitivityCut = false;
  const workers = options.workers ?? 1;
  if (workers > 1) {
    const todo = groups.filter((g) => cache.get(g.id) === undefined);
    let done = groups.length - todo.length;
    await evaluator.metricsInWorkers(todo.map((g) => ({ id: g.id, plan: planFor(precisionOverrides([g], narrow.activation, narrow.weight)) })), workers, (id, m) => {
      cache.set(id, metricValue(m, metric));
      progress('sensitivity', ++done, groups.length, id);
    });
  }
  for (const [i, g] of groups.entries()) {
    let s = cache.get(g.id);
    if (s === undefined && budget.exhausted()) {
      // Out of budget: layers not measured stay wide (they are left out of the search).
      sensitivityCut = true;
      break;
    }
    if (s === undefined) {
      const m = await evaluator.metricsOf(planFor(precisionOverrides([g], narrow.activation, narrow.weight)));
      s = metricValue(m, metric);
      cache.set(g.id, s);
    }
    sensitivities.set(g.id, s);
    progress('sensitivity', i + 1, groups.length, g.id);
  }
  const sensitivityEvaluations = evaluator.evaluations - evalsBeforeSensitivity;
  const sign = lowerIsBetter(metric) ? 1 : -1;
  const order = groups.filter((g) => sensitivities.has(g.id)).sort((a, b) => sign * (sensitivities.get(a.id)! - sensitivities.get(b.id)!) || a.id.localeCompare(b.id));

  let best = { plan: widePlan, measure: wideMeasure as Measurement & { model: Model }, precisions: new Map<string, TensorPrecision>() };
  const wideMeets = meets(target, wideMeasure, reference);
  const trials: { done: number } = { done: 0 };
  const trial = async (overrides: Map<string, TensorPrecision>): Promise<boolean> => {
    const p = planFor(overrides);
    const m = await evaluator.measure(p, withScore);
    progress('search', ++trials.done, undefined);
    const ok = meets(target, m, reference);
    const bestMeets = meets(target, best.measure, reference);
    if ((ok && (!bestMeets || overrides.size >= best.precisions.size)) || (!ok && !bestMeets && badness(target, m, reference) < badness(target, best.measure, reference))) {
      best = { plan: p, measure: m, precisions: overrides };
    }
    return ok;
  };

  const evalsBeforeSearch = evaluator.evaluations;
  let retried = 0;
  let stoppedEarly = sensitivityCut;
  let message: string;
  let met: boolean;
  const chosen = new Map<string, TensorPrecision>();
  let bf16Nodes = new Set<string>();
  if (target.kind === 'count') {
    // No accuracy check: the N least sensitive groups, measured once for the report.
    const take = Math.min(target.layers, order.length);
    const overrides = precisionOverrides(order.slice(0, take), narrow.activation, narrow.weight);
    if (take > 0) await trial(overrides);
    for (const g of order.slice(0, take)) chosen.set(g.id, narrow.activation);
    met = true;
    message = `Narrowed the ${take} least sensitive of ${order.length} layer group(s) to ${narrow.activation} (count target, no accuracy check).`;
  } else if (wideMeets) {
    const select = (idx: readonly number[]) => precisionOverrides(idx.map((i) => order[i]!), narrow.activation, narrow.weight);
    const search = options.strategy === 'greedy' ? greedySweep : bisectThenRetry;
    const outcome = await search(order.length, (idx) => trial(select(idx)), budget);
    retried = outcome.retried;
    stoppedEarly ||= outcome.stoppedEarly;
    // The accepted set was measured during the search (or is the wide model itself).
    const accepted = select(outcome.accepted);
    if (accepted.size > 0 && best.precisions !== accepted && !sameMap(best.precisions, accepted)) await trial(accepted);
    for (const i of outcome.accepted) chosen.set(order[i]!.id, narrow.activation);
    met = true;
    message = `Narrowed ${outcome.accepted.length} of ${order.length} layer group(s) to ${narrow.activation}${stoppedEarly ? ' (budget ran out: best model so far)' : ''}.`;
  } else {
    const result = await fallBack(order.slice().reverse(), trial, budget, options, chosen);
    met = result.met;
    stoppedEarly ||= result.stoppedEarly;
    message = result.message;
    options.onWarning?.(message);
  }
  let final = best.measure;
  if (options.useBf16) {
    // Ops the plan left float become BF16 (emulated Cast pairs); the final figures are re-measured.
    const converted = bf16AfterQuantization(final.model, best.plan.nodes);
    final = await evaluator.measureModel(converted.model, withScore);
    bf16Nodes = new Set(converted.nodes.filter((n) => n.precision === 'bfloat16').map((n) => n.name));
    met = met && meets(target, final, reference);
  }
  const layers: LayerResult[] = groups.map((g) => ({
    name: g.id,
    op: g.opTypes.join('/'),
    nodes: g.nodes,
    sensitivity: sensitivities.get(g.id) ?? NaN,
    precision: chosen.get(g.id) ?? options.wide.activation,
  }));
  return {
    model: final.model,
    plan: best.plan,
    mixedPrecisionTensor: toPrecisionMap(best.plan.tensors.filter((t) => t.role !== 'bias').map((t) => [t.name, t.precision])),
    ranges,
    met,
    message,
    evaluations: evaluator.evaluations,
    sensitivityEvaluations,
    searchEvaluations: evaluator.evaluations - evalsBeforeSearch,
    retried,
    cachedSensitivities,
    seconds: (Date.now() - started) / 1000,
    sensitivityMetric: metric,
    layers,
    baseline: { ...(floatScore !== undefined ? { float: floatScore } : {}), wide: summary(wideMeasure) },
    final: summary(final),
    stoppedEarly,
    bf16Nodes: [...bf16Nodes],
  };
}

function sameMap(a: Map<string, TensorPrecision>, b: Map<string, TensorPrecision>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/** The wide model misses the target: widen the most sensitive groups to BF16, then to FP32. */
async function fallBack(
  mostHarmfulFirst: CandidateGroup[],
  trial: (o: Map<string, TensorPrecision>) => Promise<boolean>,
  budget: Budget,
  options: AutoSearchOptions,
  chosen: Map<string, TensorPrecision>,
): Promise<{ met: boolean; stoppedEarly: boolean; message: string }> {
  const prefix = 'The wide model already misses the target.';
  if (options.fallback === false) {
    return { met: false, stoppedEarly: false, message: `${prefix} Fallback is off: returning the wide model.` };
  }
  for (const level of ['bfloat16', 'float32'] as const) {
    const select = (idx: readonly number[]) => precisionOverrides(idx.map((i) => mostHarmfulFirst[i]!), level, level);
    const { k } = await smallestPassingPrefix(mostHarmfulFirst.length, (idx) => trial(select(idx)), budget);
    if (k !== undefined) {
      for (const g of mostHarmfulFirst.slice(0, k)) chosen.set(g.id, level);
      return { met: true, stoppedEarly: false, message: `${prefix} Fell back ${k} layer group(s) to ${level === 'bfloat16' ? 'BF16' : 'FP32'}; the target now holds.` };
    }
    if (budget.exhausted()) break;
  }
  return { met: false, stoppedEarly: budget.exhausted(), message: `${prefix} No model met it, even with every candidate layer in FP32; the best model found is returned.` };
}

export function assertOptions(options: AutoSearchOptions): void {
  if (options.maxEvaluations !== undefined && !(options.maxEvaluations >= 1)) throw new ConfigError('maxEvaluations must be ≥ 1.');
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new ConfigError('timeoutMs must be > 0.');
}

