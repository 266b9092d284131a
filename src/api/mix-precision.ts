/**
 * mixPrecision: FP32 → BF16/FP16 mixed precision, the Neural Compressor way. Op lists decide the
 * 16-bit regions; with an `evaluate` function, an accuracy-driven search puts the most harmful ops
 * back to FP32 until the score is within `tolerableLoss` of the FP32 model. The input model is never
 * modified; saving the returned model is the caller's step (saveModel writes atomically).
 */
import { ConfigError, describeError, RuntimeFailureError } from '../errors.js';
import { cloneModel, constantsToInitializers, type Model } from '../ir/index.js';
import {
  convertFloatMix,
  type CastCounts,
  type Float32Reason,
  type FloatMixForm,
  type FloatMixResult,
  type FloatPrecision,
  type ListOverrides,
  type OverflowRecord,
} from '../qdq/float-mix/index.js';
import { columnOf, PRECISION_COLUMNS, type PrecisionStatistics } from '../report/statistics.js';
import { summarizeModel } from '../report/summary.js';
import { formatTable } from '../report/table.js';
import { assertLoadsWithDefaults, inferMissingTypes } from '../runtime/index.js';
import { formatUpgradeBlocks, formatUpgradeLine, upgradeOpset, type UpgradeReport } from '../qdq/upgrade/index.js';
import type { Criterion, EvaluateFunction } from '../search/float-fallback-eval.js';
import { nameUnnamedNodes, searchFloatFallback, type FallbackGranularity, type FloatFallbackResult } from '../search/float-fallback.js';
import type { ProgressEvent } from './config.js';

export type { CandidateHandle, Criterion, EvaluateFunction } from '../search/float-fallback-eval.js';

export interface MixPrecisionConfig {
  /** Default 'bf16'. */
  readonly precision?: FloatPrecision;
  /** Default 'emulated' (runs on the CPU onnxruntime); 'native' for runtimes with 16-bit kernels. */
  readonly form?: FloatMixForm;
  /** Edits of the default allow/deny/infer/clear lists, by op type. */
  readonly lists?: ListOverrides;
  /** Node names converted whatever their list says. */
  readonly forceLowPrecision?: readonly string[];
  /** Node names kept FP32 whatever their list says. */
  readonly forceFloat32?: readonly string[];
  /** Scores a candidate (higher is better); enables the accuracy-driven fallback. */
  readonly evaluate?: EvaluateFunction;
  /** Allowed drop from the FP32 score (default 0.01). */
  readonly tolerableLoss?: number;
  /** 'relative' (default) or 'absolute'. */
  readonly criterion?: Criterion;
  /** Declared [min, max] of evaluate's score; a score outside is an error. */
  readonly scoreRange?: readonly [number, number];
  /** Evaluation budget (≥ 2); the best model found within it is returned. */
  readonly maxEvaluations?: number;
  /** Time budget of the search, checked between evaluations. */
  readonly timeoutMs?: number;
  /** Fallback unit: one node (default) or one connected 16-bit region. */
  readonly granularity?: FallbackGranularity;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly onWarning?: (message: string) => void;
}

export interface Float32Node {
  readonly name: string;
  readonly opType: string;
  readonly reason: Float32Reason;
  readonly detail: string;
}

export interface MixPrecisionReport {
  readonly precision: FloatPrecision;
  readonly form: FloatMixForm;
  /** "Converted K/N nodes to BF16, inserted C casts". */
  readonly summary: string;
  readonly convertedNodes: number;
  readonly totalNodes: number;
  /** Cast nodes added (activation casts plus, in emulated form, one per stored 16-bit weight). */
  readonly castsInserted: number;
  readonly casts: CastCounts;
  /** "Mixed Precision Statistics": per op type, how many nodes run at INT8/INT16/BF16/FP16/FP32. */
  readonly statistics: PrecisionStatistics;
  /** Every node left FP32 (or integer), with the reason. */
  readonly float32Nodes: readonly Float32Node[];
  /** float16 weights out of range, kept FP32 with the node reading them. */
  readonly overflow: readonly OverflowRecord[];
  readonly convertedWeights: readonly string[];
  readonly parameterBytes: { readonly before: number; readonly after: number };
  /** Calls of `evaluate` (0 without it). */
  readonly evaluations: number;
  readonly baselineScore?: number;
  readonly fullConversionScore?: number;
  readonly finalScore?: number;
  readonly targetMet?: boolean;
  /** Nodes the search put back to FP32. */
  readonly fallbackNodes: readonly string[];
  /** The search's record: every evaluation, leave-one-out scores, why it stopped. */
  readonly search?: FloatFallbackResult;
  /** The ai.onnx opset upgrade done first (BF16 casts need 13); `upgraded: false` with `blocked` when refused. */
  readonly opsetUpgrade?: UpgradeReport;
  readonly warnings: readonly string[];
}

export interface MixPrecisionResult {
  readonly model: Model;
  readonly report: MixPrecisionReport;
}

const SEARCH_OPTIONS = ['tolerableLoss', 'criterion', 'scoreRange', 'maxEvaluations', 'timeoutMs', 'granularity'] as const;

export async function mixPrecision(model: Model, config: MixPrecisionConfig = {}): Promise<MixPrecisionResult> {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    config.onWarning?.(message);
  };
  const conversion = conversionOptions(config);
  const prepared = await prepare(model, config.evaluate !== undefined, warn);
  const opsetUpgrade = raiseOpsetForCasts(prepared, warn);
  const search = config.evaluate ? await runSearch(prepared, config, conversion) : undefined;
  if (!config.evaluate) for (const key of SEARCH_OPTIONS) if (config[key] !== undefined) warn(`${key} has no effect without evaluate.`);
  const result = convertFloatMix(prepared, { ...conversion, form: config.form ?? 'emulated', fallbackNodes: search?.fallbackNodes ?? [] });
  for (const w of resultWarnings(result, search)) warn(w);
  // The native form targets runtimes with 16-bit kernels; the CPU onnxruntime is not its judge.
  if (result.form === 'emulated') await assertLoadsWithDefaults(result.model, `The ${result.precision.toUpperCase()} model`);
  return { model: result.model, report: { ...buildReport(model, result, search, warnings), ...(opsetUpgrade ? { opsetUpgrade } : {}) } };
}

function conversionOptions(config: MixPrecisionConfig): { precision: FloatPrecision; lists?: ListOverrides; forceLowPrecision?: readonly string[]; forceFloat32?: readonly string[] } {
  if (config === null || typeof config !== 'object') throw new ConfigError('mixPrecision expects a config object, e.g. { precision: "bf16" }.');
  const form = config.form ?? 'emulated';
  if (form !== 'emulated' && form !== 'native') throw new ConfigError(`form must be 'emulated' or 'native', not ${JSON.stringify(config.form)}.`);
  if (config.evaluate !== undefined && typeof config.evaluate !== 'function') throw new ConfigError('evaluate must be a function (candidate) => number | Promise<number>.');
  return {
    precision: config.precision ?? 'bf16',
    ...(config.lists !== undefined ? { lists: config.lists } : {}),
    ...(config.forceLowPrecision !== undefined ? { forceLowPrecision: config.forceLowPrecision } : {}),
    ...(config.forceFloat32 !== undefined ? { forceFloat32: config.forceFloat32 } : {}),
  };
}

/** A private copy with weights as initializers and element types filled in from onnxruntime. */
async function prepare(model: Model, forSearch: boolean, warn: (m: string) => void): Promise<Model> {
  const prepared = cloneModel(model);
  constantsToInitializers(prepared.graph);
  // The fallback names the nodes it puts back; an unnamed node needs a name to be one of them.
  if (forSearch) nameUnnamedNodes(prepared.graph);
  try {
    await inferMissingTypes(prepared);
  } catch (error) {
    if (!(error instanceof RuntimeFailureError) || forSearch) throw error;
    warn(`Element types could not be read from onnxruntime (${describeError(error)}); they were derived from the graph instead.`);
  }
  return prepared;
}

/** Casts to bfloat16 exist from ai.onnx 13: an older model is upgraded first (never lowered). */
function raiseOpsetForCasts(prepared: Model, warn: (m: string) => void): UpgradeReport | undefined {
  if (prepared.opset >= 13) return undefined;
  const report = upgradeOpset(prepared, { target: 13 });
  if (!report.upgraded) warn(`ai.onnx opset kept at ${report.from} (${formatUpgradeBlocks(report).join('; ')}): BF16 casts need opset 13.`);
  return report;
}

async function runSearch(prepared: Model, config: MixPrecisionConfig, conversion: ReturnType<typeof conversionOptions>): Promise<FloatFallbackResult> {
  const onProgress = config.onProgress;
  // The search reads its fields (evaluate, tolerableLoss, criterion, scoreRange, budget, granularity)
  // from the mix config as they are: one config object, not copies.
  return searchFloatFallback(prepared, {
    ...config,
    conversion,
    evaluate: config.evaluate!,
    ...(onProgress ? { onEvaluation: (e) => onProgress({ phase: 'evaluation', done: e.evaluations, total: undefined, detail: `${e.label}: ${e.score}` }) } : {}),
  });
}

function resultWarnings(result: FloatMixResult, search: FloatFallbackResult | undefined): string[] {
  const out: string[] = [];
  for (const f of search?.failedTrials ?? []) out.push(`Candidate '${f.candidate}' failed to load and was skipped: ${f.reason}`);
  if (result.form === 'native' && result.precision === 'bf16' && result.converted > 0) {
    out.push('Native BF16: the CPU onnxruntime has no bfloat16 kernels for most ops, and ONNX types Conv as bfloat16 only from opset 22; run it where BF16 kernels exist, or use form "emulated".');
  }
  if (result.overflow.length > 0) {
    out.push(`${result.overflow.length} weight(s) exceed the float16 range and stayed FP32 with their node: ${result.overflow.map((o) => `'${o.tensor}' (${o.node})`).join(', ')}.`);
  }
  if (search?.stoppedBy) out.push(`The accuracy search stopped early (${search.error ? `error: ${search.error.reason}` : search.stoppedBy}) after ${search.evaluations} evaluations; the result is the best model found.`);
  if (search && !search.targetMet) out.push(`No candidate met the accuracy goal; returning the best-scoring one (score ${search.finalScore}, FP32 ${search.baseline}).`);
  return out;
}

function buildReport(original: Model, result: FloatMixResult, search: FloatFallbackResult | undefined, warnings: readonly string[]): MixPrecisionReport {
  const casts = result.casts;
  return {
    precision: result.precision,
    form: result.form,
    summary: result.summary,
    convertedNodes: result.converted,
    totalNodes: result.total,
    castsInserted: casts.toLow + casts.toFloat + casts.weight,
    casts,
    statistics: statisticsOf(result),
    float32Nodes: result.nodes.flatMap((d) => (d.reason ? [{ name: d.name, opType: d.opType, reason: d.reason, detail: d.detail ?? '' }] : [])),
    overflow: result.overflow,
    convertedWeights: result.convertedWeights,
    parameterBytes: { before: summarizeModel(original).parameterBytes, after: summarizeModel(result.model).parameterBytes },
    evaluations: search?.evaluations ?? 0,
    ...(search
      ? { baselineScore: search.baseline, fullConversionScore: search.fullScore, finalScore: search.finalScore, targetMet: search.targetMet, search }
      : {}),
    fallbackNodes: search?.fallbackNodes ?? [],
    warnings,
  };
}

function statisticsOf(result: FloatMixResult): PrecisionStatistics {
  const stats: PrecisionStatistics = {};
  for (const d of result.nodes) {
    const row = (stats[d.opType] ??= { INT8: 0, INT16: 0, BF16: 0, FP16: 0, FP32: 0 });
    row[columnOf(d.precision)]++;
  }
  return Object.fromEntries(Object.entries(stats).sort((a, b) => a[0].localeCompare(b[0])));
}

/** The report as text: summary, the per-op-type table, FP32 reasons, scores. */
export function formatMixPrecisionReport(report: MixPrecisionReport): string {
  const rows = Object.entries(report.statistics).map(([op, row]) => [op, PRECISION_COLUMNS.reduce((n, c) => n + row[c], 0), ...PRECISION_COLUMNS.map((c) => row[c])]);
  const reasons = new Map<string, number>();
  for (const n of report.float32Nodes) reasons.set(n.reason, (reasons.get(n.reason) ?? 0) + 1);
  const opset = report.opsetUpgrade?.upgraded ? [formatUpgradeLine(report.opsetUpgrade)] : [];
  const lines = [...opset, report.summary, formatTable(['Op Type', 'Total', ...PRECISION_COLUMNS], rows)];
  if (reasons.size > 0) lines.push(`Left FP32: ${[...reasons].map(([r, n]) => `${n} ${r}`).join(', ')}`);
  if (report.baselineScore !== undefined) {
    lines.push(`Scores: FP32 ${report.baselineScore}, full conversion ${report.fullConversionScore}, final ${report.finalScore} (${report.evaluations} evaluations; goal ${report.targetMet ? 'met' : 'not met'}; ${report.fallbackNodes.length} node(s) fell back)`);
  }
  return [...lines, ...report.warnings.map((w) => `warning: ${w}`)].join('\n');
}
