/**
 * Running the user's evaluate function on candidate models: one handle per candidate (its session is
 * created on the first run and released afterwards), strict checks on the score, a count of every
 * evaluation, and the accuracy criterion.
 */
import { ConfigError, describeError, EvaluateError, MixqError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { ModelSession, type Feeds } from '../runtime/index.js';

/** What `evaluate` receives: a candidate model it can run. */
export interface CandidateHandle {
  /** 'fp32 baseline', 'full conversion', "fallback of '/conv1'", 'fallback of the 3 most harmful'... */
  readonly label: string;
  /** The candidate (emulated form, runs on the CPU onnxruntime). Read it, do not modify it. */
  readonly model: Model;
  /** Names of the nodes that compute in 16 bits in this candidate (none for the baseline). */
  readonly convertedNodes: readonly string[];
  /** Runs the candidate on one batch (graph optimisations disabled, so Cast pairs stay as written). */
  run(feeds: Feeds): Promise<Feeds>;
}

/** Scores a candidate; higher is better (accuracy, negative loss...). May be async. */
export type EvaluateFunction = (candidate: CandidateHandle) => number | Promise<number>;

export type Criterion = 'relative' | 'absolute';

export interface AccuracyGoal {
  readonly criterion: Criterion;
  readonly tolerableLoss: number;
}

/** Relative: (baseline - score) / |baseline| ≤ loss; absolute: baseline - score ≤ loss. */
export function lossOf(baseline: number, score: number, criterion: Criterion): number {
  // A zero baseline has no relative scale: compare absolutely.
  return criterion === 'absolute' || baseline === 0 ? baseline - score : (baseline - score) / Math.abs(baseline);
}

export function meetsGoal(baseline: number, score: number, goal: AccuracyGoal): boolean {
  // A hair of slack so that a score equal to the bound, computed another way, still passes.
  return lossOf(baseline, score, goal.criterion) <= goal.tolerableLoss + 1e-12;
}

export function checkGoal(tolerableLoss: number | undefined, criterion: Criterion | undefined): AccuracyGoal {
  const loss = tolerableLoss ?? 0.01;
  if (typeof loss !== 'number' || !Number.isFinite(loss) || loss < 0) {
    throw new ConfigError(`tolerableLoss must be a finite number ≥ 0, not ${String(tolerableLoss)}.`, { hint: '0.01 with the relative criterion allows a 1% drop from the FP32 score.' });
  }
  const kind = criterion ?? 'relative';
  if (kind !== 'relative' && kind !== 'absolute') throw new ConfigError(`criterion must be 'relative' or 'absolute', not ${JSON.stringify(criterion)}.`);
  return { criterion: kind, tolerableLoss: loss };
}

export interface EvaluatorOptions {
  /** Declared [min, max] of the score; a score outside is an EvaluateError. */
  readonly scoreRange?: readonly [number, number];
}

export class CandidateEvaluator {
  /** Evaluations made so far (each call of the user's function counts). */
  count = 0;

  constructor(
    private readonly evaluate: EvaluateFunction,
    private readonly options: EvaluatorOptions = {},
  ) {
    if (typeof evaluate !== 'function') throw new ConfigError('evaluate must be a function (candidate) => number | Promise<number>.');
    const range = options.scoreRange;
    if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1])) {
      throw new ConfigError(`scoreRange must be [min, max] with finite min ≤ max, not ${JSON.stringify(range)}.`);
    }
  }

  async score(model: Model, label: string, convertedNodes: readonly string[]): Promise<number> {
    this.count++;
    let session: Promise<ModelSession> | undefined;
    const handle: CandidateHandle = {
      label,
      model,
      convertedNodes,
      run: async (feeds) => {
        session ??= ModelSession.create(model, { optimization: 'disabled' });
        return (await session).run(feeds);
      },
    };
    let raw: unknown;
    try {
      raw = await this.evaluate(handle);
    } catch (error) {
      // Our own errors (a candidate onnxruntime refused, bad feeds) already say what to do.
      if (error instanceof MixqError) throw error;
      throw new EvaluateError(`evaluate threw on candidate '${label}': ${describeError(error)}`, {
        hint: 'Fix the evaluate function; it receives a handle whose run(feeds) runs the candidate model.',
        cause: error,
      });
    } finally {
      if (session) await session.then((s) => s.close(), () => undefined);
    }
    return this.checked(raw, label);
  }

  private checked(raw: unknown, label: string): number {
    if (typeof raw !== 'number') {
      throw new EvaluateError(`evaluate returned ${describeValue(raw)} for candidate '${label}'; it must return a number (higher is better).`);
    }
    if (!Number.isFinite(raw)) {
      throw new EvaluateError(`evaluate returned ${raw} for candidate '${label}'; a score must be a finite number.`, {
        hint: 'A NaN often means an empty batch or a division by zero in the metric.',
      });
    }
    const range = this.options.scoreRange;
    if (range && (raw < range[0] || raw > range[1])) {
      throw new EvaluateError(`evaluate returned ${raw} for candidate '${label}', outside the declared scoreRange [${range[0]}, ${range[1]}].`);
    }
    return raw;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}
