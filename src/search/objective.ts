/**
 * Which passing candidate a search returns (issue 12). 'int8' (the default, the mission's rule):
 * the search's own pick, as many INT8 groups as the target allows. 'size': among the candidates
 * that meet the target, the fewest bytes. 'latency': among the passing candidates on the Pareto
 * front plus the int8 pick, the lowest latency measured in this process — the int8 pick is one of
 * them, so the answer is never slower than it by the run's own figures.
 */
import { ConfigError } from '../errors.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import type { Feeds } from '../runtime/index.js';
import type { Target } from './targets.js';
import { paretoFront, pointsOf, spread, timePoints, type Point } from './pareto.js';
import { levelsKey, type Levels, type Trial } from './trials.js';

export const OBJECTIVES = ['int8', 'size', 'latency'] as const;
export type Objective = (typeof OBJECTIVES)[number];

export function checkObjective(objective: unknown, latencyRuns: number): void {
  if (!(OBJECTIVES as readonly unknown[]).includes(objective)) {
    throw new ConfigError(`Unknown objective '${String(objective)}'.`, { hint: `Use one of ${OBJECTIVES.join(', ')}.` });
  }
  if (objective === 'latency' && latencyRuns <= 0) {
    throw new ConfigError("objective 'latency' needs latency measurements, but latencyRuns is 0.", { hint: 'Set latencyRuns ≥ 1 (default 10), or use objective int8 or size.' });
  }
}

export interface ObjectiveInput {
  readonly objective: Objective;
  /** Every measured candidate (the wide model included). */
  readonly trials: readonly Trial[];
  /** What the search chose (the int8 rule); undefined when it did not get to choose. */
  readonly int8Pick: Levels | undefined;
  readonly target: Target;
  readonly reference: number | undefined;
  readonly latencyRuns: number;
  readonly source: CalibrationSource;
  readonly warn: (message: string) => void;
}

export interface ObjectiveChoice {
  readonly preferred: Levels | undefined;
  readonly points: readonly Point[];
  /** Keys (levelsKey) of the front's points. */
  readonly front: ReadonlySet<string>;
}

export async function chooseByObjective(input: ObjectiveInput): Promise<ObjectiveChoice> {
  const points = pointsOf(input.trials, input.target, input.reference);
  const front = paretoFront(points);
  const timed = spread(front);
  const int8Key = input.int8Pick ? levelsKey(input.int8Pick) : undefined;
  const int8Point = points.find((p) => p.key === int8Key);
  if (input.objective === 'latency' && int8Point && !timed.includes(int8Point)) timed.push(int8Point);
  if (input.latencyRuns > 0 && timed.length > 0) await timePoints(timed, input.latencyRuns, await firstSample(input.source), input.warn);
  const frontKeys = new Set(front.map((p) => p.key));
  const passing = points.filter((p) => p.trial.ok);
  let chosen: Point | undefined;
  if (input.objective === 'size') chosen = best(passing, (p) => p.bytes, int8Key);
  else if (input.objective === 'latency') chosen = best(passing.filter((p) => p.latencyMs !== undefined), (p) => p.latencyMs!, int8Key);
  return { preferred: chosen?.trial.levels ?? input.int8Pick, points, front: frontKeys };
}

/** The lowest cost; ties go to the int8 pick, then to the candidate nearer the target's safe side. */
function best(points: readonly Point[], cost: (p: Point) => number, int8Key: string | undefined): Point | undefined {
  let out: Point | undefined;
  for (const p of points) {
    if (!out) out = p;
    else if (cost(p) < cost(out) || (cost(p) === cost(out) && (p.key === int8Key || (out.key !== int8Key && p.badness < out.badness)))) out = p;
  }
  return out;
}

async function firstSample(source: CalibrationSource): Promise<Feeds | undefined> {
  try {
    for await (const feed of source.batches(1)) return feed;
  } catch {
    // A source that cannot be read again only costs the sample's values (inputs are synthesized).
  }
  return undefined;
}
