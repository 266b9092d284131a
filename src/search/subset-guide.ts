/**
 * Where the bisection should start: a guess of the longest passing prefix, from looks at prefix
 * candidates on the sensitivity samples through the shared session (a few samples, no model to
 * load: a look costs a fraction of one evaluation). Every accept/reject is still decided on all the
 * data by bisectFromGuess; a good guess only saves evaluations (2 instead of ⌈log2(N+1)⌉).
 *
 * A metric on a few samples is not in the units of the same metric on all the data, so the target
 * is mapped between two candidates measured both ways: the wide model (prefix 0) and every group
 * narrowed (prefix N, the optimistic try that missed), linearly in between.
 */
import type { Model } from '../ir/index.js';
import type { TensorPrecision } from '../qdq/types.js';
import type { CandidateGroup } from './candidates.js';
import { lowerIsBetter, metricValue, type MetricName, type OutputMetrics } from './metrics.js';
import type { SharedCandidates } from './shared-candidates.js';
import type { Target } from './targets.js';
import type { Levels } from './trials.js';

export interface GuessInput {
  /** Groups in the bisection's order. */
  readonly count: number;
  /** The metric of prefix k on the sensitivity samples; undefined when it cannot be looked at (no guess then). */
  readonly lookAt: (k: number) => Promise<number | undefined>;
  /** The same metric of prefixes 0 and `count` on all the data. */
  readonly full: { readonly none: number; readonly all: number };
  readonly threshold: number;
  readonly lowerIsBetter: boolean;
  readonly exhausted: () => boolean;
}

/** The guessed longest passing prefix, or undefined (anchors that do not differ, a look that failed, no budget). */
export async function guessPassingPrefix(input: GuessInput): Promise<number | undefined> {
  const { count, full } = input;
  if (count < 2 || full.all === full.none || input.exhausted()) return undefined;
  const none = await input.lookAt(0);
  if (none === undefined || input.exhausted()) return undefined;
  const all = await input.lookAt(count);
  if (all === undefined || all === none) return undefined;
  const mapped = none + ((input.threshold - full.none) * (all - none)) / (full.all - full.none);
  const passes = (m: number): boolean => (input.lowerIsBetter ? m <= mapped : m >= mapped);
  // Prefix 0 met the target on all the data, prefix `count` did not: bisect the looks between them.
  let [lo, hi] = [0, count];
  while (hi - lo > 1) {
    if (input.exhausted()) return undefined;
    const mid = Math.floor((lo + hi) / 2);
    const m = await input.lookAt(mid);
    if (m === undefined) return undefined;
    if (passes(m)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface LooksInput {
  readonly shared: SharedCandidates | undefined;
  readonly target: Target;
  /** The sensitivity samples (undefined: all of them, and looks would cost what evaluations do: no guess). */
  readonly samples: number | undefined;
  readonly metric: MetricName;
  /** Groups in the bisection's order. */
  readonly order: readonly CandidateGroup[];
  readonly narrow: TensorPrecision;
  readonly build: (levels: Levels) => Model;
  /** Metrics on all the data of a candidate already measured (the optimistic try), else undefined. */
  readonly measured: (levels: Levels) => OutputMetrics | undefined;
  readonly wide: OutputMetrics;
  readonly exhausted: () => boolean;
}

/**
 * The search's guess: looks at prefixes of `order` through the shared session, anchored on the
 * wide model and the every-group-narrowed try (both measured on all the data). Metric targets only.
 */
export async function guessFromLooks(input: LooksInput): Promise<number | undefined> {
  const { shared, target, metric, order } = input;
  const levelsOf = (k: number): Levels => new Map(order.slice(0, k).map((g) => [g.id, input.narrow]));
  const all = input.measured(levelsOf(order.length));
  if (!shared || target.kind !== 'metric' || input.samples === undefined || !all) return undefined;
  return guessPassingPrefix({
    count: order.length,
    lookAt: async (k) => {
      const m = input.exhausted() ? undefined : await shared.measure(input.build(levelsOf(k)));
      return m && metricValue(m, metric);
    },
    full: { none: metricValue(input.wide, metric), all: metricValue(all, metric) },
    threshold: target.threshold,
    lowerIsBetter: lowerIsBetter(metric),
    exhausted: input.exhausted,
  });
}
