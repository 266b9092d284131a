/**
 * The float-mix fallback's accuracy goal, in the engine's terms: the allowed drop from the FP32
 * score (the same drop rule as a top-1 target). The evaluate contract is the engine's (score.ts).
 */
import { ConfigError } from '../errors.js';
import { withinDrop, type DropMode } from './score.js';

export type { CandidateHandle, EvaluateFunction } from './score.js';

export type Criterion = DropMode;

export interface AccuracyGoal {
  readonly criterion: Criterion;
  readonly tolerableLoss: number;
}

export function meetsGoal(baseline: number, score: number, goal: AccuracyGoal): boolean {
  return withinDrop(baseline, score, goal.criterion, goal.tolerableLoss);
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
