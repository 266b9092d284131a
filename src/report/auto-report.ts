/**
 * The report of an automatic mixed-precision run as plain JSON data: what was measured, what each
 * layer became and why. `mixq auto --report` writes it, `mixq report` reads it back; it holds no
 * functions or models, so it can be diffed, archived and compared across runs.
 */
import { ConfigError } from '../errors.js';
import type { MixedPrecisionTensor, TensorPrecision } from '../qdq/types.js';
import type { UpgradeReport } from '../qdq/upgrade/index.js';
import type { AutoSearchResult, FailedTrial, LayerResult, MeasurementSummary, StopReason } from '../search/auto.js';
import { lowerIsBetter, type MetricName } from '../search/metrics.js';
import type { Target } from '../search/targets.js';
import type { CostFigures, LatencySetup } from './cost.js';
import type { PrecisionStatistics } from './statistics.js';

export const AUTO_REPORT_FORMAT = 'mixq-auto-report';
/** 2: `baseline.float` became an object (score, bytes, latencyMs); version 1 is still read. */
export const AUTO_REPORT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

/** Output metrics as JSON. `sqnr` is null when the outputs are identical (infinite SQNR). */
export interface ReportMetrics {
  readonly l2: number;
  readonly relativeL2: number;
  readonly sqnr: number | null;
  /** null when the outputs are identical (infinite PSNR); absent in reports of older versions. */
  readonly psnr?: number | null;
  readonly cosine: number;
  readonly kl?: number;
  readonly samples: number;
  /** The evaluate function's score, for top-1 targets. */
  readonly score?: number;
}

export type ReportTarget =
  | { readonly kind: 'metric'; readonly metric: MetricName; readonly threshold: number; readonly outputIndex: number; readonly description: string }
  | {
      readonly kind: 'top1';
      readonly maxDrop: number;
      readonly relativeTo: 'float' | 'wide';
      readonly mode: 'absolute' | 'relative';
      readonly description: string;
    }
  | { readonly kind: 'count'; readonly layers: number; readonly description: string };

export interface ReportLayer {
  readonly name: string;
  readonly op: string;
  /** The nodes narrowed together (a shared input makes one group of several nodes). */
  readonly nodes: readonly string[];
  /** The sensitivity metric with only this layer narrowed; null when it was not measured (budget ran out). */
  readonly sensitivity: number | null;
  /** The group's activation level (kept for older readers; see activation / weight). */
  readonly precision: TensorPrecision;
  /** Activation and weight precision of the layer (absent in older reports). */
  readonly activation?: TensorPrecision;
  readonly weight?: TensorPrecision;
}

/** What a model costs on the machine that ran the search (see report/cost.ts). */
export interface ReportCost {
  readonly bytes?: number;
  /** Median latency, onnxruntime CPU with default options; absent when not measured. */
  readonly latencyMs?: number;
}

export interface ReportFloatBaseline extends ReportCost {
  /** The evaluate function's score of the float model (top-1 targets). */
  readonly score?: number;
}

/** One evaluated candidate of the search: a point of accuracy against cost. */
export interface ParetoPoint {
  readonly bytes: number;
  /** Measured for the points on the front (others may lack it). */
  readonly latencyMs?: number;
  /** Output metrics against the float model (the fields the search measured). */
  readonly metrics: Partial<ReportMetrics>;
  readonly score?: number;
  /** Layer groups at INT8 in this candidate. */
  readonly layers8: number;
  readonly precisionMap: MixedPrecisionTensor;
  /** Groups with 16-bit weights, whether it met the target, on the front, the returned model (newer reports). */
  readonly weights16?: number;
  readonly met?: boolean;
  readonly front?: boolean;
  readonly chosen?: boolean;
  /** Which groups the candidate changed from the wide model. */
  readonly candidate?: string;
}

export interface AutoReport {
  readonly format: typeof AUTO_REPORT_FORMAT;
  readonly version: typeof AUTO_REPORT_VERSION;
  /** Where the model came from and went to, when the caller knows (the CLI does). */
  readonly model?: string;
  readonly output?: string;
  readonly target: ReportTarget;
  readonly met: boolean;
  readonly message: string;
  readonly sensitivityMetric: MetricName;
  readonly evaluations: number;
  readonly sensitivityEvaluations: number;
  readonly searchEvaluations: number;
  /** Of the search evaluations, looks at candidates on the sensitivity samples (absent: none). */
  readonly looks?: number;
  readonly retried: number;
  readonly cachedSensitivities: number;
  readonly stoppedEarly: boolean;
  /** Why the search ended early (budget or an error mid-search); the model is the best so far. */
  readonly stoppedBy?: StopReason;
  /** The every-group-narrowed candidate, tried before any sensitivity (one evaluation when tried). */
  readonly optimistic?: 'met' | 'missed' | 'skipped';
  /** Candidates that could not be built or loaded (skipped; the search went on). */
  readonly failedTrials?: readonly FailedTrial[];
  readonly seconds: number;
  readonly layers: readonly ReportLayer[];
  readonly baseline: { readonly float?: ReportFloatBaseline; readonly wide: ReportMetrics & ReportCost };
  readonly final: ReportMetrics & ReportCost;
  /** How latency was measured, 16-bit Q/DQ count of the final model, and the slower-than-float warning. */
  readonly cost?: { readonly latency?: LatencySetup; readonly int16QdqPairs: number; readonly warning?: string };
  /** Every evaluated candidate (accuracy vs size / latency), when the search recorded them. */
  readonly pareto?: readonly ParetoPoint[];
  /** The objective that chose the model among the candidates meeting the target (absent: 'int8'). */
  readonly objective?: 'int8' | 'size' | 'latency';
  readonly statistics: PrecisionStatistics;
  readonly mixedPrecisionTensor: MixedPrecisionTensor;
  /** The ai.onnx opset upgrade done before the search (`upgraded: false` with `blocked` when refused). */
  readonly opsetUpgrade?: UpgradeReport;
}

/** One line a person can read: "l2 ≤ 0.14" or "top-1 drop ≤ 0.01 (absolute, vs float)". */
export function describeTarget(target: Target): string {
  if (target.kind === 'count') return `narrow the ${target.layers} least sensitive layer group(s)`;
  if (target.kind === 'metric') {
    const cmp = lowerIsBetter(target.metric) ? '≤' : '≥';
    return `${target.metric} ${cmp} ${target.threshold}${target.outputIndex ? ` (output ${target.outputIndex})` : ''}`;
  }
  return `top-1 drop ≤ ${target.maxDrop}${target.mode === 'relative' ? ' (relative' : ' (absolute'}, vs ${target.relativeTo})`;
}

export function reportTarget(target: Target): ReportTarget {
  if (target.kind === 'count') return { kind: 'count', layers: target.layers, description: describeTarget(target) };
  if (target.kind === 'metric') {
    return { kind: 'metric', metric: target.metric, threshold: target.threshold, outputIndex: target.outputIndex ?? 0, description: describeTarget(target) };
  }
  return { kind: 'top1', maxDrop: target.maxDrop, relativeTo: target.relativeTo, mode: target.mode, description: describeTarget(target) };
}

// JSON has no Infinity: identical outputs (SQNR = ∞) become null rather than a silent 1e308.
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function reportMetrics(m: MeasurementSummary): ReportMetrics {
  const base = { l2: m.l2, relativeL2: m.relativeL2, sqnr: finiteOrNull(m.sqnr), psnr: finiteOrNull(m.psnr), cosine: m.cosine, kl: m.kl, samples: m.samples };
  return m.score === undefined ? base : { ...base, score: m.score };
}

export interface AutoReportInput extends Omit<AutoSearchResult, 'model' | 'plan' | 'ranges' | 'failedTrials' | 'pareto' | 'objective' | 'layers' | 'looks'> {
  readonly looks?: number;
  /** Layers as the search returns them (activation / weight may be absent in hand-made inputs). */
  readonly layers: readonly (Omit<LayerResult, 'activation' | 'weight'> & Partial<Pick<LayerResult, 'activation' | 'weight'>>)[];
  readonly objective?: AutoSearchResult['objective'];
  readonly statistics: PrecisionStatistics;
  readonly failedTrials?: readonly FailedTrial[];
  /** Measured by autoMixedPrecision; absent in hand-made inputs. */
  readonly cost?: CostFigures;
  readonly pareto?: readonly ParetoPoint[];
  readonly opsetUpgrade?: UpgradeReport;
}

const costFields = (c: { bytes: number; latencyMs?: number } | undefined): ReportCost =>
  c === undefined ? {} : { bytes: c.bytes, ...(c.latencyMs !== undefined ? { latencyMs: c.latencyMs } : {}) };

function floatBaseline(score: number | undefined, cost: CostFigures | undefined): { float?: ReportFloatBaseline } {
  const float = { ...(score !== undefined ? { score } : {}), ...costFields(cost?.float) };
  return Object.keys(float).length > 0 ? { float } : {};
}

/** Builds the report of a run (pass the autoMixedPrecision result; the model itself is left out). */
export function buildAutoReport(result: AutoReportInput, target: Target, paths: { model?: string; output?: string } = {}): AutoReport {
  return {
    format: AUTO_REPORT_FORMAT,
    version: AUTO_REPORT_VERSION,
    ...(paths.model !== undefined ? { model: paths.model } : {}),
    ...(paths.output !== undefined ? { output: paths.output } : {}),
    target: reportTarget(target),
    met: result.met,
    message: result.message,
    sensitivityMetric: result.sensitivityMetric,
    evaluations: result.evaluations,
    sensitivityEvaluations: result.sensitivityEvaluations,
    searchEvaluations: result.searchEvaluations,
    ...(result.looks ? { looks: result.looks } : {}),
    retried: result.retried,
    cachedSensitivities: result.cachedSensitivities,
    stoppedEarly: result.stoppedEarly,
    ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
    ...(result.optimistic ? { optimistic: result.optimistic } : {}),
    ...(result.failedTrials?.length ? { failedTrials: result.failedTrials.map((f) => ({ ...f })) } : {}),
    seconds: result.seconds,
    layers: result.layers.map((l) => ({ name: l.name, op: l.op, nodes: [...l.nodes], sensitivity: finiteOrNull(l.sensitivity), precision: l.precision, ...(l.activation ? { activation: l.activation } : {}), ...(l.weight ? { weight: l.weight } : {}) })),
    baseline: {
      ...floatBaseline(result.baseline.float, result.cost),
      wide: { ...reportMetrics(result.baseline.wide), ...costFields(result.cost?.wide) },
    },
    final: { ...reportMetrics(result.final), ...costFields(result.cost?.final) },
    ...(result.cost
      ? { cost: { ...(result.cost.latency ? { latency: result.cost.latency } : {}), int16QdqPairs: result.cost.int16QdqPairs, ...(result.cost.warning ? { warning: result.cost.warning } : {}) } }
      : {}),
    ...(result.pareto ? { pareto: result.pareto.map(paretoPointOf) } : {}),
    ...(result.objective ? { objective: result.objective } : {}),
    statistics: result.statistics,
    mixedPrecisionTensor: result.mixedPrecisionTensor,
    ...(result.opsetUpgrade ? { opsetUpgrade: result.opsetUpgrade } : {}),
  };
}

/** A point as JSON: infinite SQNR/PSNR (identical outputs) become null, as in the other metrics. */
function paretoPointOf(p: ParetoPoint): ParetoPoint {
  const m = p.metrics;
  const metrics = { ...m, ...(m.sqnr !== undefined ? { sqnr: m.sqnr === null ? null : finiteOrNull(m.sqnr) } : {}), ...(m.psnr !== undefined ? { psnr: m.psnr === null ? null : finiteOrNull(m.psnr) } : {}) };
  return { ...p, metrics };
}

/** Layers in the order the search considered them: least sensitive first (nulls last). */
export function layersBySensitivity(report: Pick<AutoReport, 'layers' | 'sensitivityMetric'>): ReportLayer[] {
  const higherIsWorse = lowerIsBetter(report.sensitivityMetric);
  const key = (l: ReportLayer): number => (l.sensitivity === null ? Infinity : higherIsWorse ? l.sensitivity : -l.sensitivity);
  return [...report.layers].sort((a, b) => key(a) - key(b) || a.name.localeCompare(b.name));
}

/**
 * Checks that parsed JSON is a report this version can print. Only the fields the formatters read
 * are checked in depth; the message names the first thing that is wrong.
 */
export function parseAutoReport(data: unknown, source: string): AutoReport {
  const bad = (what: string): ConfigError =>
    new ConfigError(`${source} is not a mixq auto report: ${what}.`, { hint: 'Pass a file written by `mixq auto --report <file>`.' });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('it is not a JSON object');
  const r = data as Record<string, unknown>;
  if (r['format'] !== AUTO_REPORT_FORMAT) throw bad(`"format" is ${JSON.stringify(r['format']) ?? 'missing'}, expected "${AUTO_REPORT_FORMAT}"`);
  if (!READABLE_VERSIONS.includes(r['version'] as number)) {
    throw new ConfigError(`${source} is report version ${String(r['version'])}; this mixq reads version ${AUTO_REPORT_VERSION}.`, { hint: 'Re-run `mixq auto` with this version, or use the mixq version that wrote it.' });
  }
  if (!Array.isArray(r['layers'])) throw bad('"layers" is not a list');
  for (const [i, l] of (r['layers'] as unknown[]).entries()) {
    const layer = l as Record<string, unknown> | null;
    if (typeof layer?.['name'] !== 'string' || typeof layer['precision'] !== 'string') throw bad(`layer ${i} lacks a name or precision`);
  }
  for (const key of ['statistics', 'baseline', 'final', 'target'] as const) {
    if (typeof r[key] !== 'object' || r[key] === null) throw bad(`"${key}" is missing`);
  }
  if (typeof r['met'] !== 'boolean' || typeof r['message'] !== 'string') throw bad('"met" or "message" is missing');
  checkCostFields(r, bad);
  checkOpsetUpgrade(r['opsetUpgrade'], bad);
  return upgradeReport(r) as unknown as AutoReport;
}

/** Cost figures, where present, must be numbers (the formatters do arithmetic on them). */
function checkCostFields(r: Record<string, unknown>, bad: (what: string) => ConfigError): void {
  const baseline = r['baseline'] as Record<string, unknown>;
  const float = baseline['float'];
  const places: [string, unknown][] = [['final', r['final']], ['baseline.wide', baseline['wide']], ...(typeof float === 'object' ? [['baseline.float', float] as [string, unknown]] : [])];
  for (const [where, value] of places) {
    const v = value as Record<string, unknown> | null | undefined;
    for (const key of ['bytes', 'latencyMs']) {
      if (v?.[key] !== undefined && typeof v[key] !== 'number') throw bad(`"${where}.${key}" is not a number`);
    }
  }
  const pareto = r['pareto'];
  if (pareto === undefined) return;
  if (!Array.isArray(pareto)) throw bad('"pareto" is not a list');
  for (const [i, p] of (pareto as unknown[]).entries()) {
    const point = p as Record<string, unknown> | null;
    if (typeof point?.['bytes'] !== 'number' || typeof point['metrics'] !== 'object' || point['metrics'] === null) throw bad(`pareto point ${i} lacks bytes or metrics`);
  }
}

/** The opset upgrade, where present, needs the fields its formatter reads. */
function checkOpsetUpgrade(value: unknown, bad: (what: string) => ConfigError): void {
  if (value === undefined) return;
  const u = value as Record<string, unknown> | null;
  if (typeof u?.['from'] !== 'number' || typeof u['to'] !== 'number' || typeof u['upgraded'] !== 'boolean' || !Array.isArray(u['changes'])) throw bad('"opsetUpgrade" lacks from/to/upgraded/changes');
}

/** Version 1 kept the float score as `baseline.float: number`; later versions nest it. */
function upgradeReport(r: Record<string, unknown>): Record<string, unknown> {
  const baseline = r['baseline'] as Record<string, unknown>;
  if (typeof baseline['float'] !== 'number') return r;
  return { ...r, version: AUTO_REPORT_VERSION, baseline: { ...baseline, float: { score: baseline['float'] } } };
}
