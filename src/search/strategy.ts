/**
 * Search strategies over candidate groups in a fixed order. `trialSet(set)` measures a candidate
 * and says whether it meets the target; each call is one full evaluation. Every strategy that
 * bisects uses bisectPrefix: narrowing (longest passing prefix), widening to BF16/FP32 and the
 * float-mix fallback (shortest passing prefix).
 */
import type { Budget as BudgetClass } from './budget.js';

/** What a strategy asks of a budget: may another evaluation be spent? */
export type Budget = Pick<BudgetClass, 'exhausted'>;

export interface SearchOutcome {
  /** Indices (into the sorted list) of the groups taken. */
  readonly accepted: readonly number[];
  /** Evaluations spent by the bisection, and by retries of single layers. */
  readonly bisectEvaluations: number;
  readonly retried: number;
  /** True when the budget ran out before the search finished. */
  readonly stoppedEarly: boolean;
}

export interface Boundary {
  /** The last prefix length known to give the low-side answer. */
  readonly lo: number;
  /** The first prefix length known to give the other answer. */
  readonly hi: number;
  readonly evaluations: number;
  readonly stoppedEarly: boolean;
}

const prefix = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

/**
 * The one bisection. `passes(k)` is monotone in the prefix length k; the caller knows (measured or
 * implied) that prefix `lo` answers `lowPasses` and prefix `hi` the opposite. Finds adjacent lo/hi
 * in ⌈log2(hi − lo)⌉ evaluations, or stops where it is when the budget runs out.
 */
export async function bisectPrefix(lo: number, hi: number, lowPasses: boolean, passes: (k: number) => Promise<boolean>, budget: Budget): Promise<Boundary> {
  let evaluations = 0;
  while (hi - lo > 1) {
    if (budget.exhausted()) return { lo, hi, evaluations, stoppedEarly: true };
    const mid = Math.floor((lo + hi) / 2);
    evaluations++;
    if ((await passes(mid)) === lowPasses) lo = mid;
    else hi = mid;
  }
  return { lo, hi, evaluations, stoppedEarly: false };
}

/**
 * bisectPrefix started from a guess of where the answer flips (between `guess` and `guess + 1`):
 * it measures the guess, then steps away from it by 1, 2, 4… until the flip is bracketed, then
 * bisects what is left. A right guess costs 2 evaluations; a wrong one at most about twice the
 * plain bisection's ⌈log2(hi − lo)⌉. Same contract and result as bisectPrefix.
 */
export async function bisectFromGuess(lo: number, hi: number, guess: number, lowPasses: boolean, passes: (k: number) => Promise<boolean>, budget: Budget): Promise<Boundary> {
  let evaluations = 0;
  const probe = async (k: number): Promise<boolean | undefined> => {
    if (budget.exhausted()) return undefined;
    evaluations++;
    return (await passes(k)) === lowPasses;
  };
  let at = Math.min(Math.max(guess, lo + 1), hi - 1);
  if (hi - lo <= 1) return { lo, hi, evaluations, stoppedEarly: false };
  const first = await probe(at);
  if (first === undefined) return { lo, hi, evaluations, stoppedEarly: true };
  // Walk away from the guess with doubling steps: up when it was on the low side, down otherwise.
  if (first) lo = at;
  else hi = at;
  for (let step = 1; hi - lo > 1; step *= 2) {
    at = first ? Math.min(lo + step, hi - 1) : Math.max(hi - step, lo + 1);
    const low = await probe(at);
    if (low === undefined) return { lo, hi, evaluations, stoppedEarly: true };
    if (low) lo = at;
    else hi = at;
    // Bracketed: the flip lies between the last two probes; bisect the rest.
    if (low !== first) break;
  }
  const rest = await bisectPrefix(lo, hi, lowPasses, passes, budget);
  return { ...rest, evaluations: evaluations + rest.evaluations };
}

/** Consecutive failed retries after which the retries stop by default: ⌈log2(N+1)⌉, the bisection's own cost. */
export const defaultRetryFailures = (count: number): number => Math.ceil(Math.log2(count + 1));

export interface RetryOptions {
  readonly retry: boolean;
  /** Where the bisection starts looking (a prefix length guessed to pass while the next fails); absent: plain bisection. */
  readonly guess?: number;
  /**
   * Stop retrying after this many failures in a row (default: no limit). Groups come least
   * sensitive first, so a run of failures says the ones after it will fail too.
   */
  readonly maxConsecutiveFailures?: number;
}

/**
 * Bisection for the longest prefix that meets the target (⌈log2(N+1)⌉ evaluations), then each
 * remaining group tried on its own on top of what was accepted (a failing layer is skipped, not
 * the end of the search as in Quark's sweep), until `maxConsecutiveFailures` fail in a row.
 */
export async function bisectThenRetry(count: number, trialSet: (indices: readonly number[]) => Promise<boolean>, budget: Budget, options: RetryOptions = { retry: true }): Promise<SearchOutcome> {
  // Prefix 0 (the wide model) was measured before the search; count + 1 is a failing sentinel.
  const passes = (k: number): Promise<boolean> => trialSet(prefix(k));
  const bounds = options.guess === undefined ? await bisectPrefix(0, count + 1, true, passes, budget) : await bisectFromGuess(0, count + 1, options.guess, true, passes, budget);
  const accepted = prefix(bounds.lo);
  let stoppedEarly = bounds.stoppedEarly;
  let retried = 0;
  let failuresInARow = 0;
  const maxFailures = options.maxConsecutiveFailures ?? Infinity;
  if (options.retry && !stoppedEarly) {
    // Group `lo` is known to fail on top of the prefix; try the ones after it.
    for (let j = bounds.lo + 1; j < count && failuresInARow < maxFailures; j++) {
      if (budget.exhausted()) {
        stoppedEarly = true;
        break;
      }
      retried++;
      if (await trialSet([...accepted, j])) {
        accepted.push(j);
        failuresInARow = 0;
      } else failuresInARow++;
    }
  }
  return { accepted, bisectEvaluations: bounds.evaluations, retried, stoppedEarly };
}

/** Quark's legacy sweep (our test oracle): add groups in order, stop at the first that fails. */
export async function greedySweep(count: number, trialSet: (indices: readonly number[]) => Promise<boolean>, budget: Budget): Promise<SearchOutcome> {
  const accepted: number[] = [];
  let evaluations = 0;
  for (let j = 0; j < count; j++) {
    if (budget.exhausted()) return { accepted, bisectEvaluations: evaluations, retried: 0, stoppedEarly: true };
    evaluations++;
    if (!(await trialSet([...accepted, j]))) break;
    accepted.push(j);
  }
  return { accepted, bisectEvaluations: evaluations, retried: 0, stoppedEarly: false };
}

export interface PrefixKnowledge {
  /** A prefix length already known to fail (default 0: the starting model). */
  readonly failing?: number;
  /** True when the full prefix is known to pass without measuring it (e.g. it is the float model). */
  readonly fullPasses?: boolean;
}

/**
 * Smallest prefix (of groups sorted most-harmful first) whose widening makes the target hold;
 * used when the starting model misses it. Returns undefined when the full prefix still fails (or
 * the budget ran out before it was known to pass).
 */
export async function smallestPassingPrefix(count: number, trialSet: (indices: readonly number[]) => Promise<boolean>, budget: Budget, known: PrefixKnowledge = {}): Promise<{ k: number | undefined; evaluations: number; stoppedEarly: boolean }> {
  let evaluations = 0;
  if (!known.fullPasses) {
    if (budget.exhausted()) return { k: undefined, evaluations, stoppedEarly: true };
    evaluations++;
    if (!(await trialSet(prefix(count)))) return { k: undefined, evaluations, stoppedEarly: false };
  }
  const bounds = await bisectPrefix(Math.min(known.failing ?? 0, count), count, false, (k) => trialSet(prefix(k)), budget);
  return { k: bounds.hi, evaluations: evaluations + bounds.evaluations, stoppedEarly: bounds.stoppedEarly };
}
