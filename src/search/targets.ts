import { ConfigError } from '../errors.js';
import { lowerIsBetter, METRIC_NAMES, metricValue, type MetricName, type OutputMetrics } from './metrics.js';
import { checkEvaluateFunction, checkScoreRange, scoreDrop, withinDrop, type EvaluateFunction } from './score.js';

// The evaluate contract is the search engine's (score.ts), shared with the float-mix fallback.
export type { CandidateHandle, EvaluateFunction, ModelHandle } from './score.js';

export type Target =
  /** An output metric on the calibration data (Quark's L2Target is `{ kind: 'metric', metric: 'l2', threshold }`). */
  | { readonly kind: 'metric'; readonly metric: MetricName; readonly threshold: number; readonly outputIndex?: number }
  /**
   * Quark's Top1AccTarget: the score drop allowed. `relativeTo` says what the drop is measured
   * against (Quark: the float model); `mode` whether it is in score units or a fraction.
   */
  | {
      readonly kind: 'top1';
      readonly maxDrop: number;
      readonly evaluate: EvaluateFunction;
      readonly relativeTo: 'float' | 'wide';
      readonly mode: 'absolute' | 'relative';
      /** Declared score range; a score outside it is an error (default [0, 1]). */
      readonly scoreRange?: readonly [number, number];
    }
  /** Quark's NumTarget: narrow the N least sensitive layer groups, with no accuracy check. */
  | { readonly kind: 'count'; readonly layers: number };

/** A measured candidate: output metrics, and the evaluate score when the target uses one. */
export interface Measurement {
  readonly metrics: OutputMetrics;
  readonly score?: number;
}

export function validateTarget(target: Target): void {
  if (typeof target !== 'object' || target === null) throw new ConfigError('A target is required: { kind: "metric", metric: "l2", threshold } or { kind: "top1", maxDrop, evaluate, relativeTo, mode }.');
  if (target.kind === 'metric') {
    if (!METRIC_NAMES.includes(target.metric)) throw new ConfigError(`Unknown metric '${String(target.metric)}'.`, { hint: `Use one of ${METRIC_NAMES.join(', ')}.` });
    if (!Number.isFinite(target.threshold)) throw new ConfigError(`The ${target.metric} target must be a finite number (got ${String(target.threshold)}).`);
    if (lowerIsBetter(target.metric) && target.threshold < 0) throw new ConfigError(`An ${target.metric} target cannot be negative (got ${target.threshold}).`);
    return;
  }
  if (target.kind === 'top1') {
    if (typeof target.evaluate !== 'function') throw new ConfigError('A top-1 target needs an `evaluate` function.', { hint: 'Pass evaluate: async (model) => accuracy.' });
    checkEvaluateFunction(target.evaluate);
    checkScoreRange(target.scoreRange);
    if (!Number.isFinite(target.maxDrop) || target.maxDrop < 0) throw new ConfigError(`top1 maxDrop must be a number ≥ 0 (got ${String(target.maxDrop)}).`);
    if (target.relativeTo !== 'float' && target.relativeTo !== 'wide') throw new ConfigError("top1 target needs relativeTo: 'float' (Quark's meaning) or 'wide'.");
    if (target.mode !== 'absolute' && target.mode !== 'relative') throw new ConfigError("top1 target needs mode: 'absolute' or 'relative'.");
    return;
  }
  if (target.kind === 'count') {
    if (!Number.isInteger(target.layers) || target.layers < 0) throw new ConfigError(`A count target needs a whole number of layers ≥ 0 (got ${String(target.layers)}).`);
    return;
  }
  throw new ConfigError(`Unknown target kind '${String((target as { kind: unknown }).kind)}'.`, { hint: "Use 'metric' or 'top1'." });
}

/** Whether a measurement meets the target; `reference` is the score the drop is measured from. */
export function meets(target: Target, m: Measurement, reference: number | undefined): boolean {
  if (target.kind === 'count') return true;
  if (target.kind === 'metric') {
    const v = metricValue(m.metrics, target.metric);
    return lowerIsBetter(target.metric) ? v <= target.threshold : v >= target.threshold;
  }
  if (m.score === undefined || reference === undefined) return false;
  return withinDrop(reference, m.score, target.mode, target.maxDrop);
}

/** The score drop of a top-1 target, by the engine's one rule (score.ts). */
export function drop(target: Extract<Target, { kind: 'top1' }>, score: number, reference: number): number {
  return scoreDrop(reference, score, target.mode);
}

/** A single number where lower is better, to pick the best of several failing candidates. */
export function badness(target: Target, m: Measurement, reference: number | undefined): number {
  if (target.kind === 'count') return m.metrics.l2;
  if (target.kind === 'metric') {
    const v = metricValue(m.metrics, target.metric);
    return lowerIsBetter(target.metric) ? v : -v;
  }
  return m.score === undefined || reference === undefined ? Infinity : drop(target, m.score, reference);
}
