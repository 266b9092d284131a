/**
 * The widening search when the wide model (A16W8) misses the target, cheapest config first:
 * 1. A16W16: widen the weights of the most harmful groups to int16, bisecting for the smallest
 *    prefix that meets the target (16-bit weights cost bytes but keep the model integer);
 * 2. from that base, narrow the other groups' activations to A8 where the target still holds (the
 *    narrowing bisection, least sensitive first);
 * 3. only if even every allowed group at W16 misses: BF16, then FP32 (the float fallbacks).
 * Each group takes only the configs it allows (see levels.ts). End-to-end checks decide everything.
 */
import type { TensorPrecision } from '../qdq/types.js';
import type { CandidateGroup } from './candidates.js';
import type { LayerConfigName } from './levels.js';
import { bisectThenRetry, smallestPassingPrefix, type Budget } from './strategy.js';
import type { Levels } from './trials.js';

export interface WidenContext {
  /** Groups least sensitive first (the narrowing order); reversed, most harmful first. */
  readonly order: readonly CandidateGroup[];
  readonly allowed: ReadonlyMap<string, ReadonlySet<LayerConfigName>>;
  /** The activation type of a narrowed group (A8W8). */
  readonly narrowActivation: TensorPrecision;
  /** False when the wide config cannot take 16-bit weights as a step (not A16 with 8-bit weights). */
  readonly weights16: boolean;
  /** Whether BF16 / FP32 may be tried (the `fallback` option). */
  readonly floatFallback: boolean;
  readonly trial: (levels: Levels) => Promise<boolean>;
  readonly budget: Budget;
}

export interface WidenOutcome {
  /** The chosen candidate; undefined when none met the target. */
  readonly preferred: Levels | undefined;
  readonly retried: number;
  readonly stoppedEarly: boolean;
}

const FLOAT_STEPS = [
  ['BF16', 'bfloat16'],
  ['FP32', 'float32'],
] as const;

export async function widenCheapestFirst(ctx: WidenContext): Promise<WidenOutcome> {
  const mostHarmfulFirst = ctx.order.slice().reverse();
  const allows = (g: CandidateGroup, c: LayerConfigName) => ctx.allowed.get(g.id)?.has(c) ?? false;
  const levelsOf = (groups: readonly CandidateGroup[], level: TensorPrecision, base: Levels = new Map()): Map<string, TensorPrecision> => {
    const out = new Map(base);
    for (const g of groups) out.set(g.id, level);
    return out;
  };
  if (ctx.weights16) {
    const widenable = mostHarmfulFirst.filter((g) => allows(g, 'A16W16'));
    if (widenable.length > 0) {
      const { k, stoppedEarly } = await smallestPassingPrefix(widenable.length, (idx) => ctx.trial(levelsOf(idx.map((i) => widenable[i]!), 'int16')), ctx.budget);
      if (k !== undefined) {
        const base = levelsOf(widenable.slice(0, k), 'int16');
        if (stoppedEarly) return { preferred: base, retried: 0, stoppedEarly };
        return narrowFrom(base, ctx);
      }
      if (ctx.budget.exhausted()) return { preferred: undefined, retried: 0, stoppedEarly: true };
    }
  }
  if (!ctx.floatFallback) return { preferred: undefined, retried: 0, stoppedEarly: false };
  for (const [config, level] of FLOAT_STEPS) {
    const widenable = mostHarmfulFirst.filter((g) => allows(g, config));
    if (widenable.length === 0) continue;
    const { k, stoppedEarly } = await smallestPassingPrefix(widenable.length, (idx) => ctx.trial(levelsOf(idx.map((i) => widenable[i]!), level)), ctx.budget);
    if (k !== undefined) return { preferred: levelsOf(widenable.slice(0, k), level), retried: 0, stoppedEarly };
    if (ctx.budget.exhausted()) return { preferred: undefined, retried: 0, stoppedEarly: true };
  }
  return { preferred: undefined, retried: 0, stoppedEarly: false };
}

/** From a passing base, narrow the groups it left wide to A8 where the target still holds. */
async function narrowFrom(base: Levels, ctx: WidenContext): Promise<WidenOutcome> {
  const rest = ctx.order.filter((g) => !base.has(g.id) && (ctx.allowed.get(g.id)?.has('A8W8') ?? false));
  const at = (idx: readonly number[]): Levels => {
    const out = new Map(base);
    for (const i of idx) out.set(rest[i]!.id, ctx.narrowActivation);
    return out;
  };
  const outcome = await bisectThenRetry(rest.length, (idx) => ctx.trial(at(idx)), ctx.budget);
  return { preferred: at(outcome.accepted), retried: outcome.retried, stoppedEarly: outcome.stoppedEarly };
}
