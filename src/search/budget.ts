import { ConfigError } from '../errors.js';

/** Why a search ended before it finished. */
export interface StopReason {
  /** 'evaluations' / 'timeout': a budget ran out; 'error': an evaluation failed mid-search. */
  readonly kind: 'evaluations' | 'timeout' | 'error';
  readonly reason: string;
  /** The MixqError code of the error that stopped it, when it was one. */
  readonly code?: string;
}

/** Checks a budget before any work is done (a bad one would otherwise surface after calibration). */
export function checkBudgetConfig(budget: { readonly maxEvaluations?: number; readonly timeoutMs?: number }): void {
  if (budget.maxEvaluations !== undefined && !(budget.maxEvaluations >= 1)) throw new ConfigError('maxEvaluations must be ≥ 1.');
  if (budget.timeoutMs !== undefined && !(budget.timeoutMs > 0)) throw new ConfigError('timeoutMs must be > 0.');
}

/**
 * The evaluation and time budget of a search. `exhausted()` is asked before each evaluation;
 * once it says yes it keeps saying yes, and `stoppedBy` says which limit was reached.
 */
export class Budget {
  private readonly deadline: number;
  stoppedBy: StopReason | undefined;

  constructor(
    private readonly count: () => number,
    private readonly maxEvaluations: number | undefined,
    timeoutMs: number | undefined,
    started = Date.now(),
  ) {
    checkBudgetConfig({ ...(maxEvaluations !== undefined ? { maxEvaluations } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    this.deadline = timeoutMs === undefined ? Infinity : started + timeoutMs;
  }

  exhausted(): boolean {
    if (this.stoppedBy) return true;
    if (this.maxEvaluations !== undefined && this.count() >= this.maxEvaluations) {
      this.stoppedBy = { kind: 'evaluations', reason: `the budget of ${this.maxEvaluations} evaluations was spent` };
    } else if (Date.now() >= this.deadline) {
      this.stoppedBy = { kind: 'timeout', reason: 'the time budget ran out' };
    }
    return this.stoppedBy !== undefined;
  }
}
