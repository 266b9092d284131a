import type { CalibrationSource } from '../calibration/sources/types.js';
import { ConfigError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { autoSearch, assertSearchConfig, type AutoSearchResult, type SearchConfig } from '../search/auto.js';
import type { CandidateSelection } from '../search/candidates.js';
import type { LayerConfigName, LayerConfigOverride, Objective } from '../search/auto.js';
import { mapUsesSixteenBit, type UpgradeReport } from '../qdq/upgrade/index.js';
import { prepareForQuantization } from '../search/pipeline.js';
import type { CostFigures } from '../report/cost.js';
import { DEFAULT_LATENCY_RUNS, firstSample, latencyRunsOf, measureCost, rebuildWideModel } from './measure-cost.js';
import type { Target } from '../search/targets.js';
import { statisticsFromPlan, type PrecisionStatistics } from '../report/statistics.js';
import type { ProgressEvent, QuantizeConfig } from './config.js';
import { planOptionsFrom } from './quantize.js';

export interface AutoMixedPrecisionOptions
  extends Omit<QuantizeConfig, 'calibration' | 'onProgress' | 'activationType' | 'weightType'> {
  /** Calibration data; also the data the output metrics are measured on. */
  readonly calibration: CalibrationSource;
  readonly calibrationMethod?: 'minmax' | 'percentile' | 'entropy' | 'mse';
  readonly batchSize?: number;
  /** Bytes a calibration pass may take (default 1 GiB); see CalibrationConfig.memoryBudgetBytes. */
  readonly memoryBudgetBytes?: number;
  readonly target: Target;
  /** The wide starting point (default A16W8). */
  readonly wide?: { readonly activationType: 'int16' | 'uint16' | 'int8' | 'uint8'; readonly weightType: 'int8' | 'uint8' | 'int16' };
  /** What a narrowed layer becomes (default A8W8). */
  readonly narrow?: { readonly activationType: 'int8' | 'uint8' | 'int16'; readonly weightType: 'int8' | 'uint8' | 'int16' };
  readonly candidates?: CandidateSelection;
  /**
   * Configs every candidate layer group may take (default A8W8, A16W8, A16W16, BF16, FP32; BF16 and
   * FP32 only as the fallback). When the wide model misses the target, the most harmful groups'
   * weights go to 16 bits first (A16W16), and only if that is not enough to BF16, then FP32.
   */
  readonly configs?: readonly LayerConfigName[];
  /** Per op type or node name: the configs those layers may take (a node entry wins). */
  readonly configOverrides?: readonly LayerConfigOverride[];
  /** Which passing candidate to return: 'int8' (default, most INT8 layers), 'size' (fewest bytes), 'latency' (fastest measured). */
  readonly objective?: Objective;
  /** 'bisect' (default): bisection + retries; 'greedy': Quark's legacy sweep. */
  readonly strategy?: 'bisect' | 'greedy';
  /** BF16 → FP32 per-layer fallback when the wide model misses the target (default true). */
  readonly fallback?: boolean;
  /** Directory for the on-disk sensitivity cache (reruns and interrupted runs resume). */
  readonly cacheDir?: string;
  /** Worker threads for the sensitivity pass, each with its own onnxruntime session (default 1). */
  readonly workers?: number;
  /**
   * Samples (the first ones of the data) each layer's sensitivity is measured on; only the ranking
   * uses them, the search's decisions use all the data. 0: all; default an eighth of them (at least 4) for 'bisect', all for 'greedy'.
   */
  readonly sensitivitySamples?: number;
  /** Retries after the bisection stop after this many failures in a row (default ⌈log2(N+1)⌉; Infinity: none skipped). */
  readonly maxConsecutiveRetryFailures?: number;
  /** Make the ops left float BF16 (an INT8/INT16/BF16/FP32 model). */
  readonly useBf16?: boolean;
  /**
   * Try every layer narrowed first (default true): when that meets the target, the search ends
   * after one evaluation and no per-layer sensitivity is measured (the report shows none).
   */
  readonly optimistic?: boolean;
  /** Called with each candidate model before it is loaded; throwing makes it a failed trial (skipped). */
  readonly inspectCandidate?: (model: Model) => void;
  readonly maxEvaluations?: number;
  readonly timeoutMs?: number;
  readonly onProgress?: (event: ProgressEvent) => void;
}

const PARETO_LATENCY_RUNS = 10;

export interface AutoMixedPrecisionResult extends AutoSearchResult {
  readonly statistics: PrecisionStatistics;
  /** The ai.onnx opset upgrade done before the search (`upgraded: false` with `blocked` when refused). */
  readonly opsetUpgrade?: UpgradeReport;
  /** Bytes and measured latency of the float (as given), wide and final models on this machine. */
  readonly cost: CostFigures;
}

/**
 * Quantizes wide (A16W8), measures each layer's sensitivity to A8W8, and narrows as many layers
 * as the target allows. The returned `mixedPrecisionTensor` reproduces the model with quantize().
 */
export async function autoMixedPrecision(model: Model, options: AutoMixedPrecisionOptions): Promise<AutoMixedPrecisionResult> {
  const loose = options as unknown as Record<string, unknown>;
  if ('l2Target' in loose || 'top1AccTarget' in loose) {
    throw new ConfigError('Give exactly one `target` ({ kind: "metric", ... } or { kind: "top1", ... }), not l2Target / top1AccTarget.', {
      hint: 'Quark drops one of two targets silently; mixq asks you to choose.',
    });
  }
  const latencyRuns = latencyRunsOf(options.latencyRuns, DEFAULT_LATENCY_RUNS);
  const wide = options.wide ?? { activationType: 'int16', weightType: 'int8' };
  const narrow = options.narrow ?? { activationType: 'int8', weightType: 'int8' };
  const sixteenBit = [wide.activationType, wide.weightType, narrow.activationType, narrow.weightType].some((t) => t === 'int16' || t === 'uint16')
    || [options.mixedPrecisionTensor, options.nodePrecision, options.opTypePrecision].some(mapUsesSixteenBit);
  const { model: prepared, opsetUpgrade, warnings: upgradeWarnings } = await prepareForQuantization(model, { sixteenBit });
  for (const w of upgradeWarnings) options.onWarning?.(w);
  const planOptions = planOptionsFrom(prepared, { ...options, calibration: { kind: 'ranges', ranges: new Map() }, activationType: wide.activationType, weightType: wide.weightType });
  const config: SearchConfig = {
    target: options.target,
    wide: planOptions,
    narrow: { activation: narrow.activationType, weight: narrow.weightType },
    ...(options.candidates ? { candidates: options.candidates } : {}),
    strategy: options.strategy ?? 'bisect',
    fallback: options.fallback ?? true,
    optimistic: options.optimistic ?? true,
    calibration: {
      source: options.calibration,
      method: options.calibrationMethod ?? 'minmax',
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
    },
    workers: options.workers ?? 1,
    ...(options.sensitivitySamples !== undefined ? { sensitivitySamples: options.sensitivitySamples } : {}),
    ...(options.maxConsecutiveRetryFailures !== undefined ? { maxConsecutiveRetryFailures: options.maxConsecutiveRetryFailures } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    budget: {
      ...(options.maxEvaluations !== undefined ? { maxEvaluations: options.maxEvaluations } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    },
    useBf16: options.useBf16 === true,
    ...(options.configs || options.configOverrides ? { layerConfigs: { ...(options.configs ? { configs: options.configs } : {}), ...(options.configOverrides ? { overrides: options.configOverrides } : {}) } } : {}),
    ...(options.objective ? { objective: options.objective } : {}),
    // The Pareto front's points are timed with a few runs each (the objective compares them in this process).
    latencyRuns: Math.min(latencyRuns, PARETO_LATENCY_RUNS),
    hooks: {
      ...(options.onWarning ? { onWarning: options.onWarning } : {}),
      ...(options.inspectCandidate ? { inspectCandidate: options.inspectCandidate } : {}),
      ...(options.onProgress ? { onProgress: (phase, done, total, detail) => options.onProgress!({ phase, done, total, ...(detail ? { detail } : {}) }) } : {}),
    },
  };
  assertSearchConfig(config);
  const result = await autoSearch(prepared, config);
  const bf16 = new Set(result.bf16Nodes);
  const nodes = result.plan.nodes.map((n) => (n.precision === 'float32' && bf16.has(n.name) ? { ...n, precision: 'bfloat16' as const } : n));
  const wideModel = rebuildWideModel(prepared, planOptions, result.ranges, options.onWarning);
  const sample = latencyRuns > 0 ? await firstSample(options.calibration) : undefined;
  const cost = await measureCost({ float: model, ...(wideModel ? { wide: wideModel } : {}), final: result.model }, {
    latencyRuns,
    ...(sample ? { sample } : {}),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  return { ...result, statistics: statisticsFromPlan(nodes), cost, ...(opsetUpgrade ? { opsetUpgrade } : {}) };
}
