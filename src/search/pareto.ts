/**
 * Every candidate a search measured as a point of accuracy against cost (issue 12): bytes of the
 * built model (one serialization of the model already built for its evaluation: no second build),
 * how far it is from the target, and, for the points no other point beats on both (the Pareto
 * front), the latency measured with onnxruntime's default options.
 */
import type { Feeds } from '../runtime/index.js';
import { measureLatency, modelBytes } from '../runtime/latency.js';
import type { MixedPrecisionTensor } from '../qdq/types.js';
import type { OutputMetrics } from './metrics.js';
import { badness, type Target } from './targets.js';
import { describeLevels, levelsKey, type Trial } from './trials.js';

export interface ParetoCandidate {
  /** Which groups this candidate changed from the wide model ("the wide model", "3 group(s) to int16: …"). */
  readonly candidate: string;
  readonly bytes: number;
  /** Median latency in ms (onnxruntime CPU, default options); measured for the front's points only. */
  readonly latencyMs?: number;
  readonly metrics: OutputMetrics;
  readonly score?: number;
  /** Layer groups whose activations are 8-bit. */
  readonly layers8: number;
  /** Layer groups whose weights are 16-bit. */
  readonly weights16: number;
  readonly met: boolean;
  /** On the front of (distance to the target, bytes). */
  readonly front: boolean;
  /** The candidate the run returned. */
  readonly chosen: boolean;
  readonly precisionMap: MixedPrecisionTensor;
}

/** A measured trial with what the front and the objectives need. */
export interface Point {
  readonly trial: Trial;
  readonly key: string;
  readonly bytes: number;
  readonly badness: number;
  latencyMs?: number;
}

/** At most this many front points get a latency measurement (each costs a session and N runs). */
export const MAX_TIMED_POINTS = 6;

export function pointsOf(trials: readonly Trial[], target: Target, reference: number | undefined): Point[] {
  return trials.map((trial) => ({ trial, key: levelsKey(trial.levels), bytes: modelBytes(trial.measure.model), badness: badness(target, trial.measure, reference) }));
}

/** Points no other point beats on both badness and bytes (smaller is better on both), smallest first. */
export function paretoFront(points: readonly Point[]): Point[] {
  const sorted = [...points].sort((a, b) => a.bytes - b.bytes || a.badness - b.badness);
  const front: Point[] = [];
  for (const p of sorted) if (front.length === 0 || p.badness < front[front.length - 1]!.badness) front.push(p);
  return front;
}

/** At most `cap` points of a front, spread over it, both ends kept. */
export function spread(front: readonly Point[], cap = MAX_TIMED_POINTS): Point[] {
  if (front.length <= cap) return [...front];
  const picked = new Set<number>();
  for (let i = 0; i < cap; i++) picked.add(Math.round((i * (front.length - 1)) / (cap - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => front[i]!);
}

/** Measures the latency of each point not yet measured; a model that cannot be timed is left without. */
export async function timePoints(points: readonly Point[], runs: number, sample: Feeds | undefined, warn: (m: string) => void): Promise<void> {
  if (runs <= 0) return;
  for (const p of points) {
    if (p.latencyMs !== undefined) continue;
    try {
      p.latencyMs = (await measureLatency(p.trial.measure.model, { runs, ...(sample ? { sample } : {}) })).medianMs;
    } catch (error) {
      warn(`Could not time the candidate (${describeLevels(p.trial.levels)}): ${String(error instanceof Error ? error.message : error)}`);
    }
  }
}

export function toParetoCandidates(
  points: readonly Point[],
  front: ReadonlySet<string>,
  chosenKey: string,
  narrowActivation: string,
  mapOf: (trial: Trial) => MixedPrecisionTensor,
): ParetoCandidate[] {
  return [...points]
    .sort((a, b) => a.bytes - b.bytes || a.badness - b.badness)
    .map((p) => {
      const levels = [...p.trial.levels.values()];
      const m = p.trial.measure;
      return {
        candidate: describeLevels(p.trial.levels),
        bytes: p.bytes,
        ...(p.latencyMs !== undefined ? { latencyMs: p.latencyMs } : {}),
        metrics: { ...m.metrics },
        ...(m.score !== undefined ? { score: m.score } : {}),
        layers8: levels.filter((l) => l === narrowActivation).length,
        weights16: levels.filter((l) => l === 'int16').length,
        met: p.trial.ok,
        front: front.has(p.key),
        chosen: p.key === chosenKey,
        precisionMap: mapOf(p.trial),
      };
    });
}
