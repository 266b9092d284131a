/** The one-line summary of a search run, written from the model it actually returns. */
import type { TensorPrecision } from '../qdq/types.js';
import type { SearchState } from './auto.js';
import type { StopReason } from './budget.js';
import type { Finished } from './finish.js';

/** The run's one-line summary, written from the model actually returned. */
export function describeOutcome(finished: Finished, state: SearchState, narrowTo: TensorPrecision, stopped: StopReason | undefined, failed: number): string {
  const levels = [...finished.trial.levels.values()];
  const total = state.order.length;
  const parts: string[] = [];
  if (state.mode === 'count') {
    parts.push(`Narrowed the ${levels.length} least sensitive of ${total} layer group(s) to ${narrowTo} (count target, no accuracy check).`);
  } else if (state.mode === 'narrow') {
    parts.push(`Narrowed ${levels.filter((p) => p === narrowTo).length} of ${total} layer group(s) to ${narrowTo}.`);
    if (state.optimistic === 'met' && finished.trial.levels.size === total) parts.push('Every group narrowed already meets the target: no sensitivity pass was needed.');
  } else {
    parts.push('The wide model already misses the target.');
    if (state.mode === 'widen-off') parts.push('Fallback is off: returning the wide model.');
    else if (finished.trial.ok && levels.includes('int16')) parts.push(widenedWeights(levels, narrowTo));
    else if (finished.trial.ok && levels.length > 0) parts.push(`Fell back ${levels.length} layer group(s) to ${levels[0] === 'bfloat16' ? 'BF16' : 'FP32'}; the target now holds.`);
    else if (stopped) parts.push('No model met it before the search stopped; the best model found is returned.');
    else parts.push('No model met it, even with every candidate layer in FP32; the best model found is returned.');
  }
  if (stopped) parts.push(`The search stopped early (${stopped.reason}): this is the best model so far.`);
  if (failed > 0) parts.push(`${failed} candidate(s) failed to build or load and were skipped (failedTrials).`);
  return parts.join(' ');
}

function widenedWeights(levels: readonly TensorPrecision[], narrowTo: TensorPrecision): string {
  const narrowed = levels.filter((p) => p === narrowTo).length;
  return `Widened the weights of ${levels.filter((p) => p === 'int16').length} layer group(s) to 16 bits (A16W16)${narrowed > 0 ? ` and narrowed ${narrowed} other(s) to ${narrowTo}` : ''}; the target now holds without float layers.`;
}
