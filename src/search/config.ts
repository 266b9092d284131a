/**
 * The one typed configuration of a search, built once by the API from the user's options and
 * passed down whole: the calibration part goes to calibrate() as is, the budget part to Budget,
 * the hooks to whoever reports. No stage copies options field by field.
 */
import type { CalibrationSource } from '../calibration/sources/types.js';
import type { Model } from '../ir/index.js';
import type { PlanOptions } from '../qdq/plan.js';
import type { TensorPrecision } from '../qdq/types.js';
import type { CandidateSelection } from './candidates.js';
import type { LayerConfigSelection } from './levels.js';
import type { Objective } from './objective.js';
import type { CalibrateOptions } from './pipeline.js';
import type { Target } from './targets.js';

export type SearchPhase = 'calibration' | 'sensitivity' | 'search';

export interface SearchHooks {
  readonly onProgress?: (phase: SearchPhase, done: number, total: number | undefined, detail?: string) => void;
  readonly onWarning?: (message: string) => void;
  /** Called with each candidate model before it is loaded; throwing makes it a failed trial. */
  readonly inspectCandidate?: (model: Model) => void;
}

export interface BudgetConfig {
  readonly maxEvaluations?: number;
  readonly timeoutMs?: number;
}

export interface SearchConfig {
  readonly target: Target;
  /** Planner options of the wide model (the starting point, A16W8 by default). */
  readonly wide: PlanOptions;
  /** Types a narrowed layer gets. */
  readonly narrow: { readonly activation: TensorPrecision; readonly weight: TensorPrecision };
  readonly candidates?: CandidateSelection;
  /** 'bisect': bisection + retries; 'greedy': Quark's legacy sweep. */
  readonly strategy: 'bisect' | 'greedy';
  /** Widen to BF16 then FP32 per layer when the wide model misses the target. */
  readonly fallback: boolean;
  /** Try every group narrowed first (bisect only): when it meets the target, no sensitivity pass is run. */
  readonly optimistic: boolean;
  /** The data (calibrated on, and what output metrics are measured on) and how to calibrate. */
  readonly calibration: { readonly source: CalibrationSource } & Omit<CalibrateOptions, 'onProgress' | 'onWarning'>;
  /**
   * Samples (the first ones of the calibration data) each layer's sensitivity is measured on: only
   * the ranking uses them, every accept/reject decision runs on all the data. 0: all samples;
   * absent: defaultSensitivitySamples (an eighth, at least 4) for 'bisect', all for 'greedy' (it emulates Quark).
   */
  readonly sensitivitySamples?: number;
  /** Retries after the bisection stop after this many failures in a row (absent: ⌈log2(N+1)⌉; Infinity: no limit). */
  readonly maxConsecutiveRetryFailures?: number;
  /** Worker threads for the sensitivity pass (1 = in this thread). */
  readonly workers: number;
  /** Directory of the sensitivity cache (absent: no cache). */
  readonly cacheDir?: string;
  readonly budget: BudgetConfig;
  /** Which configs each candidate group may take (default: A8W8, A16W8, A16W16; BF16/FP32 as fallbacks). */
  readonly layerConfigs?: LayerConfigSelection;
  /** Which passing candidate to return (default 'int8': the most INT8 groups). */
  readonly objective?: Objective;
  /** Timed runs per latency measurement of the Pareto front's points (0: no latency; default 10). */
  readonly latencyRuns?: number;
  /** Make the ops left float BF16 (an INT8/INT16/BF16/FP32 model); final metrics are re-measured. */
  readonly useBf16: boolean;
  readonly hooks: SearchHooks;
}

/** Samples per evaluation batch when the configuration does not say. */
export const DEFAULT_EVALUATION_BATCH = 32;

/**
 * Samples the default strategy ranks layers on: an eighth of the data, and at least 4. Fewer cost
 * INT8 layers: on fashion-vit (256 samples) at a tight target, 4 samples ranked so that 10 groups
 * could be narrowed where 32 samples and all 256 gave 16 (bench/results/sensitivity-subset.json).
 */
export const MIN_SENSITIVITY_SAMPLES = 4;
export const SENSITIVITY_FRACTION = 1 / 8;

/** The default number of sensitivity samples out of `available` (all of them when that is fewer). */
export const defaultSensitivitySamples = (available: number): number => Math.min(available, Math.max(MIN_SENSITIVITY_SAMPLES, Math.ceil(available * SENSITIVITY_FRACTION)));
