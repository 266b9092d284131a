/**
 * Measures what the float, wide and final models of a run cost on this machine: bytes always,
 * latency when asked (onnxruntime-node, CPU, default options). A failed latency measurement is
 * reported as a warning and leaves the figures without latency: it never loses the run.
 */
import type { Range } from '../calibration/ranges.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { ConfigError, describeError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { planQuantization, type PlanOptions } from '../qdq/plan.js';
import { measureLatency, modelBytes, type Feeds } from '../runtime/index.js';
import { buildModel } from '../search/pipeline.js';
import { countInt16QdqPairs, slowerThanFloatWarning, type CostFigures, type LatencySetup, type ModelCost } from '../report/cost.js';

export const DEFAULT_LATENCY_RUNS = 20;
const WARMUP = 3;
const THREADS = 2;
const BATCH = 1;

export interface CostOptions {
  /** Timed runs per model; 0 = bytes only. */
  readonly latencyRuns: number;
  /** Fills symbolic input dims and provides realistic input values (first calibration sample). */
  readonly sample?: Feeds;
  readonly onWarning?: (message: string) => void;
}

export async function measureCost(models: { float: Model; wide?: Model; final: Model }, options: CostOptions): Promise<CostFigures> {
  const setup: LatencySetup = { runs: options.latencyRuns, warmup: WARMUP, threads: THREADS, batch: BATCH };
  let latencyOk = options.latencyRuns > 0;
  const costOf = async (model: Model): Promise<ModelCost> => {
    const bytes = modelBytes(model);
    if (!latencyOk) return { bytes };
    try {
      const latency = await measureLatency(model, { ...setup, ...(options.sample ? { sample: options.sample } : {}) });
      return { bytes, latencyMs: latency.medianMs };
    } catch (error) {
      latencyOk = false;
      options.onWarning?.(`Latency not measured: ${describeError(error)}`);
      return { bytes };
    }
  };
  const float = await costOf(models.float);
  const wide = models.wide ? await costOf(models.wide) : undefined;
  const final = await costOf(models.final);
  // Latency figures are compared with each other: report them only when all of them were measured.
  const figures = {
    float: latencyOk ? float : { bytes: float.bytes },
    ...(wide ? { wide: latencyOk ? wide : { bytes: wide.bytes } } : {}),
    final: latencyOk ? final : { bytes: final.bytes },
    ...(latencyOk ? { latency: setup } : {}),
    int16QdqPairs: countInt16QdqPairs(models.final),
  };
  const warning = slowerThanFloatWarning(figures);
  if (warning) options.onWarning?.(warning);
  return warning ? { ...figures, warning } : figures;
}

/** The first calibration sample (batch of one), or undefined when the source is empty or unreadable. */
export async function firstSample(source: CalibrationSource): Promise<Feeds | undefined> {
  try {
    for await (const feed of source.batches(1)) return feed;
  } catch {
    // A source that cannot be read again (e.g. a one-shot iterable) only costs the sample's values.
  }
  return undefined;
}

/** Validates `latencyRuns` (a whole number ≥ 0). */
export function latencyRunsOf(value: number | undefined, fallback: number): number {
  const runs = value ?? fallback;
  if (!Number.isInteger(runs) || runs < 0) throw new ConfigError(`latencyRuns must be a whole number ≥ 0, got ${String(value)}.`, { hint: 'Use 0 to skip the latency measurement (bytes are still reported).' });
  return runs;
}

/**
 * The wide starting model (the search does not return it), rebuilt from its plan and the search's
 * ranges; undefined with a warning when that fails, so the cost of float and final is still reported.
 */
export function rebuildWideModel(prepared: Model, wide: PlanOptions, ranges: ReadonlyMap<string, Range>, onWarning?: (message: string) => void): Model | undefined {
  try {
    return buildModel(prepared, planQuantization(prepared, wide), ranges).model;
  } catch (error) {
    onWarning?.(`The wide model's size and latency are not reported: it could not be rebuilt (${describeError(error)}).`);
    return undefined;
  }
}
