/**
 * The one contract between a search and the user's evaluate function: the handle it receives, the
 * checks on what it returns, and the rule that turns two scores into a drop. Both searches (INT8/INT16
 * auto with a top-1 target, and the float-mix fallback) use exactly these.
 */
import { ConfigError, describeError, EvaluateError, MixqError } from '../errors.js';
import type { HostTensor, Model } from '../ir/index.js';

/** The part of a candidate every evaluate function needs: a way to run it on its own data. */
export interface ModelHandle {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
}

/** What `evaluate` receives: one candidate model, runnable, with what it is. */
export interface CandidateHandle extends ModelHandle {
  /** 'float model', 'wide model', "2 group(s) to int8: …", 'fp32 baseline', "fallback of '/conv1'"… */
  readonly label: string;
  /** The candidate (runs on the CPU onnxruntime). Read it, do not modify it. */
  readonly model: Model;
  /** Float-mix candidates: the nodes that compute in 16 bits (none for the baseline); empty otherwise. */
  readonly convertedNodes: readonly string[];
}

/**
 * Scores a candidate, higher is better (top-1 accuracy in 0..1, negative loss…). May be async. A
 * function written against the older ModelHandle (only run()) is still an EvaluateFunction.
 */
export type EvaluateFunction = (candidate: CandidateHandle) => number | Promise<number>;

export type ScoreRange = readonly [number, number];

/** 'absolute': the drop in score units; 'relative': as a fraction of the reference score. */
export type DropMode = 'absolute' | 'relative';

export function checkEvaluateFunction(evaluate: unknown): asserts evaluate is EvaluateFunction {
  if (typeof evaluate !== 'function') throw new ConfigError('evaluate must be a function (candidate) => number | Promise<number>.', { hint: 'Pass evaluate: async (model) => accuracy.' });
}

export function checkScoreRange(range: unknown): void {
  if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) && range[0] <= range[1])) {
    throw new ConfigError(`scoreRange must be [min, max] with finite min ≤ max, not ${JSON.stringify(range)}.`);
  }
}

/** Runs `evaluate` on a handle and checks the score: a finite number, inside `range` when declared. */
export async function scoreWith(evaluate: EvaluateFunction, handle: CandidateHandle, range: ScoreRange | undefined): Promise<number> {
  let raw: unknown;
  try {
    raw = await evaluate(handle);
  } catch (error) {
    // Our own errors (a candidate onnxruntime refused, bad feeds) already say what to do.
    if (error instanceof MixqError) throw error;
    throw new EvaluateError(`evaluate threw on candidate '${handle.label}': ${describeError(error)}`, {
      hint: 'Fix the evaluate function (run it on the float model first to check it); it receives a handle whose run(feeds) runs the candidate model.',
      cause: error,
    });
  }
  if (typeof raw !== 'number') {
    throw new EvaluateError(`evaluate returned ${describeValue(raw)} for candidate '${handle.label}'; it must return a number (higher is better).`, {
      hint: 'Return the score as a number, e.g. top-1 accuracy in 0..1.',
    });
  }
  if (!Number.isFinite(raw)) {
    throw new EvaluateError(`evaluate returned ${raw} for candidate '${handle.label}'; a score must be a finite number.`, {
      hint: 'A NaN often means an empty batch or a division by zero in the metric.',
    });
  }
  if (range && (raw < range[0] || raw > range[1])) {
    throw new EvaluateError(`evaluate returned ${raw} for candidate '${handle.label}', outside the declared score range [${range[0]}, ${range[1]}].`, {
      hint: 'Return a score in the declared range, or declare the range (scoreRange).',
    });
  }
  return raw;
}

/**
 * How much `score` lost against `reference`. Relative: as a fraction of |reference|; a zero reference
 * has no relative scale, so the drop is then taken in score units.
 */
export function scoreDrop(reference: number, score: number, mode: DropMode): number {
  const d = reference - score;
  return mode === 'absolute' || reference === 0 ? d : d / Math.abs(reference);
}

/** Whether the drop stays within `maxDrop` (with a hair of slack for a bound computed another way). */
export function withinDrop(reference: number, score: number, mode: DropMode, maxDrop: number): boolean {
  return scoreDrop(reference, score, mode) <= maxDrop + 1e-12;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `${typeof value} ${String(value)}`;
}
