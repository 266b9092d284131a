import { ConfigError } from '../errors.js';

/** Why a search ended before it finished. */
export interface StopReason {
  /** 'evaluations' / 'timeout': a budget ran out; 'error': an evaluation failed mid-search. */
  readonly kind: 'evaluations' | 'timeout' | 'error';
  readonly reason: string;
  /** The MixqError code of the error that stopped it, when it was one. */
  readonly code?: string;
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
    if (maxEvaluations !== undefined && !(maxEvaluations >= 1)) throw new ConfigError('maxEvaluations must be ≥ 1.');
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new ConfigError('timeoutMs must be > 0.');
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
