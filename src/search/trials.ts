/**
 * Every candidate a search measured, the ones that failed to build or load, and the choice of the
 * model to return: the candidate the search decided on, or, when that one cannot be used, the next
 * best one by the search's own order. The result is always a candidate that was measured, so what a
 * run reports (message, layers, metrics) describes exactly the model it returns.
 */
import type { QuantPlan, TensorPrecision } from '../qdq/types.js';
import type { Measured } from './evaluator.js';
import { badness, type Target } from './targets.js';

/** Group id → the precision its activations take in a candidate (groups not listed stay wide). */
export type Levels = ReadonlyMap<string, TensorPrecision>;

export interface Trial {
  readonly levels: Levels;
  readonly plan: QuantPlan;
  readonly measure: Measured;
  readonly ok: boolean;
}

/** A candidate that could not be built, loaded or kept (it is skipped; the search goes on). */
export interface FailedTrial {
  /** Which groups the candidate changed, e.g. "3 group(s) to bfloat16: /conv1, /conv2, /fc". */
  readonly candidate: string;
  readonly reason: string;
}

/** Which way the search moves from the wide model; it decides which passing candidate is better. */
export type Direction = 'narrow' | 'widen';

export class TrialLog {
  private readonly trials = new Map<string, Trial>();
  readonly failed: FailedTrial[] = [];
  private readonly rejected = new Set<string>();

  get(levels: Levels): Trial | undefined {
    return this.trials.get(levelsKey(levels));
  }

  wasRejected(levels: Levels): boolean {
    return this.rejected.has(levelsKey(levels));
  }

  add(trial: Trial): void {
    this.trials.set(levelsKey(trial.levels), trial);
  }

  reject(levels: Levels, reason: string): FailedTrial {
    const failed = { candidate: describeLevels(levels), reason };
    this.failed.push(failed);
    this.rejected.add(levelsKey(levels));
    this.trials.delete(levelsKey(levels));
    return failed;
  }

  /**
   * Measured candidates, best first: `preferred` (what the search chose), then those meeting the
   * target (narrowing: most groups narrowed; widening: fewest widened, BF16 before FP32), then the
   * rest by how far they miss it.
   */
  ranked(direction: Direction, preferred: Levels | undefined, target: Target, reference: number | undefined): Trial[] {
    const preferredKey = preferred ? levelsKey(preferred) : undefined;
    const moved = (t: Trial) => (direction === 'narrow' ? -t.levels.size : t.levels.size);
    const width = (t: Trial) => [...t.levels.values()].filter((p) => p === 'float32').length;
    const order = (a: Trial, b: Trial) =>
      Number(levelsKey(b.levels) === preferredKey) - Number(levelsKey(a.levels) === preferredKey) ||
      Number(b.ok) - Number(a.ok) ||
      (a.ok ? moved(a) - moved(b) || width(a) - width(b) : 0) ||
      badness(target, a.measure, reference) - badness(target, b.measure, reference);
    return [...this.trials.values()].sort(order);
  }
}

export function levelsKey(levels: Levels): string {
  return [...levels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([g, p]) => `${g}=${p}`).join('|');
}

/** "the wide model", or "2 group(s) to int8: /conv1, /conv2" (at most 3 names per precision). */
export function describeLevels(levels: Levels): string {
  if (levels.size === 0) return 'the wide model';
  const byPrecision = new Map<TensorPrecision, string[]>();
  for (const [group, p] of levels) byPrecision.set(p, [...(byPrecision.get(p) ?? []), group]);
  return [...byPrecision]
    .map(([p, gs]) => `${gs.length} group(s) to ${p}: ${gs.slice(0, 3).join(', ')}${gs.length > 3 ? ', …' : ''}`)
    .join('; ');
}
