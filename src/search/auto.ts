import type { Range } from '../calibration/ranges.js';
import { describeError, MixqError } from '../errors.js';
import type { Model } from '../ir/index.js';
import type { MixedPrecisionTensor, QuantPlan, TensorPrecision } from '../qdq/types.js';
import { serializeModel } from '../onnx/index.js';
import { findCandidateGroups, requireCandidates, type CandidateGroup } from './candidates.js';
import { DEFAULT_EVALUATION_BATCH, defaultSensitivitySamples, type SearchConfig } from './config.js';
import { Evaluator, type Candidate } from './evaluator.js';
import { finishSearch, type Finished } from './finish.js';
import { describeOutcome } from './outcome.js';
import { lowerIsBetter, metricValue, type MetricName, type OutputMetrics } from './metrics.js';
import { planQuantization as makePlan } from '../qdq/plan.js';
import { allActivationTensors, buildModel, calibrate } from './pipeline.js';
import { hashParts, SensitivityCache } from './sensitivity-cache.js';
import { Budget, checkBudgetConfig, type StopReason } from './budget.js';
import { bisectThenRetry, defaultRetryFailures, greedySweep } from './strategy.js';
import { meets, validateTarget, type Measurement, type Target } from './targets.js';
import { describeLevels, levelsKey, TrialLog, type Direction, type FailedTrial, type Levels } from './trials.js';
import { checkLayerConfigs, precisionMapOf, precisionsOfLevel, resolveGroupConfigs } from './levels.js';
import { widenCheapestFirst } from './weights-first.js';
import { SharedCandidates } from './shared-candidates.js';
import { guessFromLooks } from './subset-guide.js';
import { checkObjective, chooseByObjective, type Objective, type ObjectiveChoice } from './objective.js';
import { toParetoCandidates, type ParetoCandidate } from './pareto.js';

export type { StopReason } from './budget.js';
export type { SearchConfig, SearchHooks } from './config.js';
export type { FailedTrial } from './trials.js';
export type { LayerConfigName, LayerConfigOverride, LayerConfigSelection } from './levels.js';
export type { Objective } from './objective.js';
export type { ParetoCandidate } from './pareto.js';

export interface LayerResult {
  readonly name: string;
  readonly op: string;
  readonly nodes: readonly string[];
  readonly sensitivity: number;
  /** The group's activation level (kept for compatibility; see activation / weight). */
  readonly precision: TensorPrecision;
  readonly activation: TensorPrecision;
  readonly weight: TensorPrecision;
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
  /** Samples each sensitivity was measured on (the first ones of the data; the search itself used all). */
  readonly sensitivitySamples?: number;
  readonly searchEvaluations: number;
  /** Of the search's evaluations, looks at candidates on the sensitivity samples that guided the bisection (cheap: one shared session). */
  readonly looks: number;
  readonly retried: number;
  readonly cachedSensitivities: number;
  readonly seconds: number;
  readonly sensitivityMetric: MetricName;
  readonly layers: readonly LayerResult[];
  readonly baseline: { readonly float?: number; readonly wide: MeasurementSummary };
  readonly final: MeasurementSummary;
  readonly stoppedEarly: boolean;
  /** Whether the every-group-narrowed candidate was tried first, and met the target (it costs one evaluation). */
  readonly optimistic?: 'met' | 'missed' | 'skipped';
  /** Why the search ended early (budget, or an error mid-search: the best model so far is returned). */
  readonly stoppedBy?: StopReason;
  /** Candidates that could not be built or loaded (skipped, the search went on). */
  readonly failedTrials: readonly FailedTrial[];
  /** Nodes the BF16 pass converted (useBf16). */
  readonly bf16Nodes: readonly string[];
  /** The objective that chose the returned candidate among those meeting the target. */
  readonly objective: Objective;
  /** Every measured candidate: bytes, metrics, latency for the Pareto front's points. */
  readonly pareto: readonly ParetoCandidate[];
}

export interface MeasurementSummary extends OutputMetrics {
  readonly score?: number;
}

const summary = (m: Measurement): MeasurementSummary => (m.score === undefined ? { ...m.metrics } : { ...m.metrics, score: m.score });

/** What the search phase decided, and how it went (the model is chosen from it afterwards). */
export interface SearchState {
  direction: Direction;
  /** The candidate the strategy chose; undefined when it did not get to choose (error, no data). */
  preferred: Levels | undefined;
  order: CandidateGroup[];
  mode: 'count' | 'narrow' | 'widen' | 'widen-off';
  /** The every-group-narrowed candidate tried before any sensitivity ('skipped': not tried). */
  optimistic: 'met' | 'missed' | 'skipped';
  retried: number;
  sensitivityEvaluations: number;
  searchStart: number;
  cut: boolean;
}

/** Checks what can be checked before any model runs (target, budget). */
/** Timed runs per latency measurement of a Pareto point when the configuration does not say. */
export const DEFAULT_PARETO_LATENCY_RUNS = 10;

export function assertSearchConfig(config: SearchConfig): void {
  validateTarget(config.target);
  checkBudgetConfig(config.budget);
  checkLayerConfigs(config.layerConfigs);
  checkObjective(config.objective ?? 'int8', config.latencyRuns ?? DEFAULT_PARETO_LATENCY_RUNS);
  const samples = config.sensitivitySamples;
  if (samples !== undefined && !(Number.isInteger(samples) && samples >= 0)) {
    throw new MixqError('INVALID_CONFIG', `sensitivitySamples must be a whole number ≥ 0, got ${samples}.`, { hint: 'Give e.g. 8 (the first 8 samples), or 0 for all of them.' });
  }
  const retries = config.maxConsecutiveRetryFailures;
  if (retries !== undefined && !((Number.isInteger(retries) || retries === Infinity) && retries >= 0)) {
    throw new MixqError('INVALID_CONFIG', `maxConsecutiveRetryFailures must be a whole number ≥ 0 or Infinity, got ${retries}.`, { hint: 'Give e.g. 4, 0 for no retries, or Infinity to retry every group.' });
  }
}

/** Samples the sensitivities are measured on; undefined: all `available` (0, or at least as many asked). */
function sensitivitySamplesOf(config: SearchConfig, available: number): number | undefined {
  const asked = config.sensitivitySamples ?? (config.strategy === 'greedy' ? 0 : defaultSensitivitySamples(available));
  return asked === 0 || asked >= available ? undefined : asked;
}

export async function autoSearch(prepared: Model, config: SearchConfig): Promise<AutoSearchResult> {
  const started = Date.now();
  assertSearchConfig(config);
  const { target, narrow, wide, hooks } = config;
  const progress = hooks.onProgress ?? (() => {});
  const warn = hooks.onWarning ?? (() => {});
  const widePlan = makePlan(prepared, wide);
  const groups = findCandidateGroups(prepared, widePlan, config.candidates);
  requireCandidates(groups, config.candidates ?? {});
  const allowed = resolveGroupConfigs(prepared, groups, config.layerConfigs);

  const { source, ...calibrateOptions } = config.calibration;
  const { ranges } = await calibrate(prepared, allActivationTensors(prepared), source, {
    ...calibrateOptions,
    onProgress: (d, t) => progress('calibration', d, t),
    onWarning: warn,
  });
  const withScore = target.kind === 'top1';
  const evaluator = await Evaluator.create(prepared, {
    reference: { source, batchSize: config.calibration.batchSize ?? DEFAULT_EVALUATION_BATCH, outputIndex: target.kind === 'metric' ? (target.outputIndex ?? 0) : 0 },
    // A top-1 target is a drop in accuracy: its score lives in [0, 1] unless the target says otherwise.
    ...(target.kind === 'top1' ? { evaluate: target.evaluate, scoreRange: target.scoreRange ?? [0, 1] } : {}),
    ...(hooks.inspectCandidate ? { inspectCandidate: hooks.inspectCandidate } : {}),
  });
  const budget = new Budget(() => evaluator.evaluations, config.budget.maxEvaluations, config.budget.timeoutMs, started);
  const byId = new Map(groups.map((g) => [g.id, g]));
  /** Tensor precisions of a candidate: a group's activations at its level, its weights too (narrowed: the narrow weight type). */
  const overridesOf = (levels: Levels): Map<string, TensorPrecision> => {
    const merged = new Map(wide.tensorPrecision ?? []);
    for (const [id, level] of levels) {
      const g = byId.get(id)!;
      for (const t of g.activations) merged.set(t, level);
      for (const t of g.weights) merged.set(t, level === narrow.activation ? narrow.weight : level);
    }
    return merged;
  };
  const planFor = (levels: Levels): QuantPlan => makePlan(prepared, { ...wide, tensorPrecision: overridesOf(levels) });
  const candidateOf = (plan: QuantPlan, label: string): Candidate => ({ model: () => buildModel(prepared, plan, ranges).model, label });

  // Errors up to here (configuration, data, the float or wide model failing) are the caller's to fix: they throw.
  const floatScore = withScore ? await evaluator.scoreFloat() : undefined;
  const wideMeasure = await evaluator.measure(candidateOf(widePlan, 'wide model'), withScore);
  const reference = target.kind === 'top1' ? (target.relativeTo === 'float' ? floatScore : wideMeasure.score) : undefined;
  const wideMeets = meets(target, wideMeasure, reference);
  const log = new TrialLog();
  log.add({ levels: new Map(), plan: widePlan, measure: wideMeasure, ok: wideMeets });

  const metric: MetricName = target.kind === 'metric' ? target.metric : 'l2';
  const sensitivities = new Map<string, number>();
  const state: SearchState = { direction: wideMeets ? 'narrow' : 'widen', preferred: undefined, order: [], mode: 'narrow', optimistic: 'skipped', retried: 0, sensitivityEvaluations: 0, searchStart: evaluator.evaluations, cut: false };
  let trialsDone = 0;
  const trial = async (levels: Levels): Promise<boolean> => {
    const seen = log.get(levels);
    if (seen) return seen.ok;
    if (log.wasRejected(levels)) return false;
    let plan: QuantPlan | undefined;
    let m: Awaited<ReturnType<Evaluator['tryMeasure']>>;
    try {
      plan = planFor(levels);
      m = await evaluator.tryMeasure(candidateOf(plan, describeLevels(levels)), withScore);
    } catch (error) {
      // Planning refused it: as much a failed trial as a model onnxruntime will not load.
      if (plan !== undefined) throw error;
      m = { rejected: describeError(error), error };
    }
    progress('search', ++trialsDone, undefined);
    if ('rejected' in m) {
      const failed = log.reject(levels, m.rejected);
      warn(`Skipped a candidate that failed to build or load (${failed.candidate}): ${failed.reason}`);
      return false;
    }
    const ok = meets(target, m, reference);
    log.add({ levels, plan: plan!, measure: m, ok });
    return ok;
  };

  let stoppedBy: StopReason | undefined;
  let cachedSensitivities = 0;
  /** One session for the candidates that differ from the wide model in constants only (shared-candidates.ts). */
  let shared: SharedCandidates | undefined;
  const sensitivitySamples = sensitivitySamplesOf(config, evaluator.samples);
  try {
    const batch = config.calibration.batchSize ?? DEFAULT_EVALUATION_BATCH;
    // Sensitivities on a subset rank differently from those on all the data: a key of their own.
    const samples = sensitivitySamples ?? 'all';
    const cacheKey = hashParts([serializeModel(prepared) ?? new Uint8Array(0), JSON.stringify([...ranges]), JSON.stringify({ wide: { ...wide, tensorPrecision: [...(wide.tensorPrecision ?? [])], nodePrecision: [...(wide.nodePrecision ?? [])] }, narrow, metric, batch, samples }), evaluator.referenceDigest()]);
    const cache = SensitivityCache.open(config.cacheDir, cacheKey);
    cachedSensitivities = groups.filter((g) => cache.get(g.id) !== undefined).length;
    if (!(await optimisticMeets())) {
      const before = evaluator.evaluations;
      await measureSensitivities();
      state.sensitivityEvaluations = evaluator.evaluations - before;
      const sign = lowerIsBetter(metric) ? 1 : -1;
      state.order = groups.filter((g) => sensitivities.has(g.id)).sort((a, b) => sign * (sensitivities.get(a.id)! - sensitivities.get(b.id)!) || a.id.localeCompare(b.id));
      state.searchStart = evaluator.evaluations;
      await search();
    }

    /** Every group narrowed, tried first: when it meets the target, one evaluation is the whole search. */
    async function optimisticMeets(): Promise<boolean> {
      if (!config.optimistic || target.kind === 'count' || !wideMeets || config.strategy !== 'bisect') return false;
      // Only the groups whose configs allow A8W8 can be narrowed.
      const narrowable = groups.filter((g) => allowed.get(g.id)?.has('A8W8'));
      if (narrowable.length === 0) return false;
      const all: Levels = new Map(narrowable.map((g) => [g.id, narrow.activation]));
      state.optimistic = (await trial(all)) ? 'met' : 'missed';
      // Counted on its own in the report, neither sensitivity nor search.
      state.searchStart = evaluator.evaluations;
      if (state.optimistic === 'missed') return false;
      state.order = narrowable;
      state.preferred = all;
      return true;
    }

    async function measureSensitivities(): Promise<void> {
      const one = (g: CandidateGroup): Levels => new Map([[g.id, narrow.activation]]);
      const buildAlone = (g: CandidateGroup): Model => buildModel(prepared, planFor(one(g)), ranges).model;
      const narrowedAlone = (g: CandidateGroup): Candidate => ({ model: () => buildAlone(g), label: describeLevels(one(g)) });
      const todo = (): CandidateGroup[] => groups.filter((g) => cache.get(g.id) === undefined);
      // Progress counts each group once: read from the cache, or measured by whichever path did it.
      let done = groups.length - todo().length;
      const record = (id: string, m: OutputMetrics): void => {
        cache.set(id, metricValue(m, metric));
        progress('sensitivity', ++done, groups.length, id);
      };
      if (config.workers <= 1 && (todo().length > 0 || target.kind === 'metric')) {
        // One session for every group narrowed alone (and the bisection's looks): see shared-candidates.ts.
        shared = await SharedCandidates.open({ groups, wide: wideMeasure.model, narrowedAlone: buildAlone, evaluator, samples: sensitivitySamples, ...(hooks.inspectCandidate ? { inspectCandidate: hooks.inspectCandidate } : {}) });
        for (const g of todo()) if (shared?.has(g) && !budget.exhausted()) record(g.id, await shared.measureAlone(g));
      } else {
        const poolFailure = await evaluator.metricsInWorkers(todo().map((g) => ({ id: g.id, candidate: narrowedAlone(g) })), config.workers, record, sensitivitySamples);
        if (poolFailure) warn(`Some sensitivities could not be measured in worker threads (${poolFailure}); measuring them in this thread.`);
      }
      for (const g of groups) {
        if (cache.get(g.id) === undefined && budget.exhausted()) {
          // Out of budget: layers not measured stay wide (they are left out of the search).
          state.cut = true;
          return;
        }
        if (cache.get(g.id) === undefined) {
          const m = await evaluator.tryMetrics(narrowedAlone(g), sensitivitySamples);
          if ('rejected' in m) {
            // A layer whose narrowed model cannot be built or loaded stays wide.
            const failed = log.reject(one(g), m.rejected);
            warn(`Layer group '${g.id}' stays ${wide.activation}: narrowing it alone failed (${failed.reason}).`);
            continue;
          }
          record(g.id, m);
        }
        sensitivities.set(g.id, cache.get(g.id)!);
      }
    }

    async function search(): Promise<void> {
      // Narrowing moves only the groups whose configs include A8W8; widening filters per config.
      const order = wideMeets ? state.order.filter((g) => allowed.get(g.id)?.has('A8W8')) : state.order;
      const atLevel = (idx: readonly number[], level: TensorPrecision, from: CandidateGroup[] = order): Levels => new Map(idx.map((i) => [from[i]!.id, level]));
      const bisectionGuess = (): Promise<number | undefined> =>
        guessFromLooks({ shared, target, samples: sensitivitySamples, metric, order, narrow: narrow.activation, build: (levels) => buildModel(prepared, planFor(levels), ranges).model, measured: (levels) => log.get(levels)?.measure.metrics, wide: wideMeasure.metrics, exhausted: () => budget.exhausted() });
      if (target.kind === 'count') {
        // No accuracy check: the N least sensitive groups, measured once for the report.
        state.mode = 'count';
        const take = Array.from({ length: Math.min(target.layers, order.length) }, (_, i) => i);
        state.preferred = atLevel(take, narrow.activation);
        if (take.length > 0) await trial(state.preferred);
      } else if (wideMeets) {
        const narrowSet = (idx: readonly number[]): Promise<boolean> => trial(atLevel(idx, narrow.activation));
        const maxConsecutiveFailures = config.maxConsecutiveRetryFailures ?? defaultRetryFailures(order.length);
        const guess = config.strategy === 'bisect' ? await bisectionGuess() : undefined;
        const outcome = config.strategy === 'greedy' ? await greedySweep(order.length, narrowSet, budget) : await bisectThenRetry(order.length, narrowSet, budget, { retry: true, maxConsecutiveFailures, ...(guess !== undefined ? { guess } : {}) });
        state.retried = outcome.retried;
        state.cut ||= outcome.stoppedEarly;
        state.preferred = atLevel(outcome.accepted, narrow.activation);
      } else {
        // The wide model misses the target: cheapest configs first (16-bit weights, then BF16, FP32).
        state.mode = 'widen';
        const weights16 = wide.activation === 'int16' && (wide.weight === 'int8' || wide.weight === 'uint8');
        const outcome = await widenCheapestFirst({ order, allowed, narrowActivation: narrow.activation, weights16, floatFallback: config.fallback, trial, budget });
        state.retried = outcome.retried;
        state.cut ||= outcome.stoppedEarly;
        state.preferred = outcome.preferred;
        if (!outcome.preferred && !config.fallback) {
          state.mode = 'widen-off';
          state.preferred = new Map();
        }
      }
    }
  } catch (error) {
    // After the wide model was measured, nothing is lost: the best model so far is returned with the reason.
    stoppedBy = { kind: 'error', reason: describeError(error), ...(error instanceof MixqError ? { code: error.code } : {}) };
    warn(`The search stopped early: ${stoppedBy.reason}. Returning the best model measured so far.`);
  } finally {
    await shared?.close();
  }
  stoppedBy ??= budget.stoppedBy;

  const objective = config.objective ?? 'int8';
  let choice: ObjectiveChoice = { preferred: state.preferred, points: [], front: new Set() };
  try {
    choice = await chooseByObjective({
      objective,
      trials: log.ranked(state.direction, undefined, target, reference),
      int8Pick: state.preferred,
      target,
      reference,
      latencyRuns: config.latencyRuns ?? DEFAULT_PARETO_LATENCY_RUNS,
      source,
      warn,
    });
  } catch (error) {
    // The front is a report; a failure there must not cost the run its model.
    warn(`The Pareto front could not be measured (${describeError(error)}); returning the search's own pick.`);
  }
  state.preferred = choice.preferred;

  const finished: Finished = await finishSearch({ log, state, target, reference, evaluator, withScore, warn, useBf16: config.useBf16 });
  const message = describeOutcome(finished, state, narrow.activation, stoppedBy, log.failed.length) + (objective === 'int8' ? '' : ` Chosen by objective '${objective}' among the candidates that meet the target.`);
  if (state.direction === 'widen') warn(message);
  const levels = finished.trial.levels;
  const layers: LayerResult[] = groups.map((g) => ({
    name: g.id,
    op: g.opTypes.join('/'),
    nodes: g.nodes,
    sensitivity: sensitivities.get(g.id) ?? NaN,
    precision: levels.get(g.id) ?? wide.activation,
    ...precisionsOfLevel(levels.get(g.id), wide, narrow),
  }));
  return {
    model: finished.measure.model,
    plan: finished.trial.plan,
    mixedPrecisionTensor: precisionMapOf(finished.trial.plan, overridesOf(levels)),
    ranges,
    met: finished.met && stoppedBy?.kind !== 'error',
    message,
    evaluations: evaluator.evaluations,
    sensitivityEvaluations: state.sensitivityEvaluations,
    sensitivitySamples: sensitivitySamples ?? evaluator.samples,
    searchEvaluations: evaluator.evaluations - state.searchStart,
    looks: shared?.looks ?? 0,
    retried: state.retried,
    cachedSensitivities,
    seconds: (Date.now() - started) / 1000,
    sensitivityMetric: metric,
    layers,
    baseline: { ...(floatScore !== undefined ? { float: floatScore } : {}), wide: summary(wideMeasure) },
    final: summary(finished.measure),
    stoppedEarly: state.cut || stoppedBy !== undefined,
    optimistic: state.optimistic,
    ...(stoppedBy ? { stoppedBy } : {}),
    failedTrials: [...log.failed],
    bf16Nodes: finished.bf16Nodes,
    objective,
    pareto: toParetoCandidates(choice.points, choice.front, levelsKey(levels), narrow.activation, (t) => precisionMapOf(t.plan, overridesOf(t.levels))),
  };
}
