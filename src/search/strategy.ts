/**
 * Search strategies over groups sorted by ascending sensitivity. `trial(k)` or `trialSet(set)`
 * measures a candidate and says whether it meets the target; each call is one full evaluation.
 */
export interface Budget {
  /** Returns true when no more evaluations may be spent (count or time budget used up). */
  exhausted(): boolean;
}

export interface SearchOutcome {
  /** Indices (into the sorted list) of the groups taken. */
  readonly accepted: readonly number[];
  /** Evaluations spent by the bisection, and by retries of single layers. */
  readonly bisectEvaluations: number;
  readonly retried: number;
  /** True when the budget ran out before the search finished. */
  readonly stoppedEarly: boolean;
}

/**
 * Bisection for the longest prefix that meets the target (⌈log2(N+1)⌉ evaluations), then each
 * remaining group tried on its own on top of what was accepted (a failing layer is skipped, not
 * the end of the search as in Quark's sweep).
 */
export async function bisectThenRetry(count: number, trialSet: (indices: readonly number[]) => Promise<boolean>, budget: Budget, options: { retry: boolean } = { retry: true }): Promise<SearchOutcome> {
  let lo = 0; // prefix known to meet (the wide model, measured before the search)
  let hi = count + 1; // prefix known to fail (sentinel)
  let bisectEvaluations = 0;
  let stoppedEarly = false;
  const prefix = (k: number) => Array.from({ length: k }, (_, i) => i);
  while (hi - lo > 1) {
    if (budget.exhausted()) {
      stoppedEarly = true;
      break;
    }
    const mid = Math.floor((lo + hi) / 2);
    bisectEvaluations++;
    if (await trialSet(prefix(mid))) lo = mid;
    else hi = mid;
  }
  const accepted = prefix(lo);
  let retried = 0;
  if (options.retry && !stoppedEarly) {
    // Group `lo` is known to fail on top of the prefix; try the ones after it.
    for (let j = lo + 1; j < count; j++) {
      if (budget.exhausted()) {
        stoppedEarly = true;
        break;
      }
      retried++;
      if (await trialSet([...accepted, j])) accepted.push(j);
    }
  }
  return { accepted, bisectEvaluations, retried, stoppedEarly };
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

/**
 * Smallest prefix (of groups sorted most-harmful first) whose widening makes the target hold;
 * used when even the wide model misses it. Returns undefined when the full prefix still fails.
 */
export async function smallestPassingPrefix(count: number, trialSet: (indices: readonly number[]) => Promise<boolean>, budget: Budget): Promise<{ k: number | undefined; evaluations: number }> {
  let evaluations = 0;
  const prefix = (k: number) => Array.from({ length: k }, (_, i) => i);
  if (budget.exhausted()) return { k: undefined, evaluations };
  evaluations++;
  if (!(await trialSet(prefix(count)))) return { k: undefined, evaluations };
  let lo = 0; // fails (the wide model)
  let hi = count; // meets
  while (hi - lo > 1 && !budget.exhausted()) {
    const mid = Math.floor((lo + hi) / 2);
    evaluations++;
    if (await trialSet(prefix(mid))) hi = mid;
    else lo = mid;
  }
  return { k: hi, evaluations };
}
