import type { Range } from '../calibration/ranges.js';
import { ConfigError } from '../errors.js';
import type { Model } from '../ir/index.js';
import type { BiasAdjustment, SaturatedBias } from '../qdq/bias-fit.js';
import { bf16AfterQuantization } from '../qdq/float-mix/index.js';
import { resolvePrecisionMap, toPrecisionMap } from '../qdq/precision-map.js';
import { planQuantization as makePlan, type PlanOptions } from '../qdq/plan.js';
import type { QParams } from '../qdq/qparams.js';
import { supportedOpTypes } from '../qdq/registry.js';
import type { MixedPrecisionTensor, QuantPlan, TensorPrecision } from '../qdq/types.js';
import { statisticsFromPlan, type PrecisionStatistics } from '../report/statistics.js';
import { summarizeModel } from '../report/summary.js';
import { assertLoadsWithDefaults } from '../runtime/index.js';
import { assertPlanFitsOpset, mapUsesSixteenBit, type UpgradeReport } from '../qdq/upgrade/index.js';
import { allActivationTensors, buildModel, calibrate, checkRangesCover, prepareForQuantization, tensorsToCalibrate } from '../search/pipeline.js';
import type { CostFigures } from '../report/cost.js';
import type { QuantizeConfig } from './config.js';
import { firstSample, latencyRunsOf, measureCost } from './measure-cost.js';

export interface QuantizeResult {
  /** The QDQ model (the input model is never modified). */
  readonly model: Model;
  readonly plan: QuantPlan;
  /** Calibrated ranges (save with rangesToJson to reuse them). */
  readonly ranges: ReadonlyMap<string, Range>;
  readonly qparams: ReadonlyMap<string, QParams>;
  /** "Mixed Precision Statistics": per op type, how many nodes run at INT8/INT16/BF16/FP16/FP32. */
  readonly statistics: PrecisionStatistics;
  /**
   * The precision of every activation that got Q/DQ or Cast, plus those the config kept Float32, as
   * a map `quantize` accepts: given back (same model, ranges and other options), it rebuilds this model.
   */
  readonly mixedPrecisionTensor: MixedPrecisionTensor;
  readonly parameterBytes: { readonly before: number; readonly after: number };
  /**
   * Conv/Gemm biases whose int32 scale (input × weight scale) was too small for them: the weight
   * scales of those channels were raised so the bias fits (each is also a warning).
   */
  readonly biasAdjustments: readonly BiasAdjustment[];
  /** Biases with values still at the int32 limits (clipped); empty unless something is off. */
  readonly saturatedBiases: readonly SaturatedBias[];
  /** The ai.onnx opset upgrade done before planning (`upgraded: false` with `blocked` when refused; absent when none was needed). */
  readonly opsetUpgrade?: UpgradeReport;
  readonly warnings: readonly string[];
  readonly calibrationSamples: number;
  /** Bytes of the float and quantized models; latency too when `latencyRuns` > 0. */
  readonly cost: CostFigures;
}

/**
 * Static quantization to QDQ: calibrate activation ranges, then insert Q/DQ (or Cast) pairs at
 * the global types, with per-tensor / per-node / per-op-type overrides.
 */
export async function quantize(model: Model, config: QuantizeConfig): Promise<QuantizeResult> {
  const latencyRuns = latencyRunsOf(config.latencyRuns, 0);
  const { model: prepared, opsetUpgrade, warnings: upgradeWarnings } = await prepareForQuantization(model, { sixteenBit: usesSixteenBit(config) });
  const planOptions = planOptionsFrom(prepared, config);
  const plan = makePlan(prepared, planOptions);
  const warnings = [...upgradeWarnings, ...unsupportedWarnings(plan)];
  for (const w of warnings) config.onWarning?.(w);
  // Before calibrating: an opset-9 model the upgrade could not move cannot hold 8-bit Conv/MatMul.
  assertPlanFitsOpset(prepared, plan, opsetUpgrade);
  const { ranges, samples } = await rangesFor(prepared, plan, config, (w) => {
    warnings.push(w);
    config.onWarning?.(w);
  });
  const built = buildModel(prepared, plan, ranges);
  const result = built.result;
  let quantized = built.model;
  let nodes = plan.nodes;
  if (config.useBf16) {
    // The ops the plan left float become BF16: an INT8/INT16/BF16/FP32 model.
    const mixed = bf16AfterQuantization(quantized, plan.nodes);
    quantized = mixed.model;
    const bf16 = new Set(mixed.nodes.filter((n) => n.precision === 'bfloat16').map((n) => n.name));
    nodes = plan.nodes.map((n) => (n.precision === 'float32' && bf16.has(n.name) ? { ...n, precision: 'bfloat16' as const } : n));
  }
  const buildWarnings = [...result.warnings];
  for (const w of buildWarnings) config.onWarning?.(w);
  warnings.push(...buildWarnings);
  await assertLoadsWithDefaults(quantized, 'The quantized model');
  const sample = latencyRuns > 0 && config.calibration.kind === 'data' ? await firstSample(config.calibration.source) : undefined;
  const cost = await measureCost({ float: model, final: quantized }, {
    latencyRuns,
    ...(sample ? { sample } : {}),
    onWarning: (w) => {
      warnings.push(w);
      config.onWarning?.(w);
    },
  });
  return {
    model: quantized,
    plan,
    ranges,
    qparams: result.qparams,
    statistics: statisticsFromPlan(nodes),
    mixedPrecisionTensor: resultPrecisionMap(plan, planOptions),
    parameterBytes: { before: summarizeModel(model).parameterBytes, after: summarizeModel(quantized).parameterBytes },
    biasAdjustments: result.biasAdjustments,
    saturatedBiases: result.saturatedBiases,
    ...(opsetUpgrade ? { opsetUpgrade } : {}),
    warnings,
    calibrationSamples: samples,
    cost,
  };
}

/** Whether any tensor may get 16-bit integer Q/DQ (the model is then raised to opset 21). */
function usesSixteenBit(config: QuantizeConfig): boolean {
  const wide = (t: string | undefined): boolean => t === 'int16' || t === 'uint16';
  return wide(config.activationType) || wide(config.weightType) || [config.mixedPrecisionTensor, config.nodePrecision, config.opTypePrecision].some(mapUsesSixteenBit);
}

function resultPrecisionMap(plan: QuantPlan, options: PlanOptions): MixedPrecisionTensor {
  const entries: [string, TensorPrecision][] = plan.tensors.filter((t) => t.role === 'activation').map((t) => [t.name, t.precision]);
  // Float32 entries get no Q/DQ, so the plan does not list them; without them the map would not
  // say that these tensors were kept float on purpose.
  for (const [name, p] of options.tensorPrecision ?? []) if (p === 'float32') entries.push([name, p]);
  return toPrecisionMap(entries);
}

async function rangesFor(prepared: Model, plan: QuantPlan, config: QuantizeConfig, onWarning: (message: string) => void): Promise<{ ranges: Map<string, Range>; samples: number }> {
  const cal = config.calibration;
  if (cal === undefined || typeof cal !== 'object') throw new ConfigError('quantize needs `calibration`: { kind: "data", source } or { kind: "ranges", ranges }.');
  if (cal.kind === 'ranges') {
    checkRangesCover(prepared, plan, cal.ranges);
    return { ranges: new Map(cal.ranges), samples: 0 };
  }
  if (cal.kind !== 'data') throw new ConfigError(`Unknown calibration kind '${String((cal as { kind: unknown }).kind)}'.`, { hint: "Use 'data' or 'ranges'." });
  const onProgress = config.onProgress;
  return calibrate(prepared, tensorsToCalibrate(prepared, plan), cal.source, {
    ...(cal.method !== undefined ? { method: cal.method } : {}),
    ...(cal.batchSize !== undefined ? { batchSize: cal.batchSize } : {}),
    ...(cal.limit !== undefined ? { limit: cal.limit } : {}),
    ...(cal.collector !== undefined ? { collector: cal.collector } : {}),
    ...(cal.tensorsPerPass !== undefined ? { tensorsPerPass: cal.tensorsPerPass } : {}),
    ...(cal.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: cal.memoryBudgetBytes } : {}),
    onWarning,
    ...(onProgress ? { onProgress: (done: number, total: number | undefined) => onProgress({ phase: 'calibration', done, total }) } : {}),
  });
}

const ACTIVATION_TYPES = new Set(['int8', 'uint8', 'int16', 'uint16']);
const WEIGHT_TYPES = new Set(['int8', 'uint8', 'int16']);

/** Validates the typed config and turns it into planner options (names checked against the model). */
export function planOptionsFrom(prepared: Model, config: QuantizeConfig): PlanOptions {
  const activation = config.activationType ?? 'int8';
  const weight = config.weightType ?? 'int8';
  if (!ACTIVATION_TYPES.has(activation)) throw new ConfigError(`activationType '${String(activation)}' is not supported.`, { hint: 'Use int8, uint8, int16 or uint16.' });
  if (!WEIGHT_TYPES.has(weight)) throw new ConfigError(`weightType '${String(weight)}' is not supported.`, { hint: 'Use int8, uint8 or int16.' });
  const graph = prepared.graph;
  const tensorNames = [...graph.ownValues()].map((v) => v.name);
  const nodeNames = graph.nodes.map((n) => n.name);
  const opTypesInModel = new Set(graph.nodes.map((n) => n.opType));
  const tensorPrecision = resolvePrecisionMap(config.mixedPrecisionTensor, tensorNames, 'tensor');
  const nodePrecision = resolvePrecisionMap(config.nodePrecision, nodeNames, 'node');
  const byOp = resolvePrecisionMap(config.opTypePrecision, [...opTypesInModel, ...supportedOpTypes()], 'op type');
  // Node names win over op types.
  for (const node of graph.nodes) {
    const p = byOp.get(node.opType);
    if (p && !nodePrecision.has(node.name)) nodePrecision.set(node.name, p);
  }
  checkNames(config.excludeNodes, nodeNames, 'node');
  checkNames(config.opTypes, [...opTypesInModel, ...supportedOpTypes()], 'op type');
  return {
    activation,
    weight,
    perChannel: config.perChannel ?? true,
    symmetricActivation: config.symmetricActivations ?? false,
    symmetricWeight: config.symmetricWeights ?? true,
    tensorPrecision,
    nodePrecision,
    ...(config.opTypes ? { opTypes: new Set(config.opTypes) } : {}),
    ...(config.excludeNodes ? { excludeNodes: new Set(config.excludeNodes) } : {}),
    ...(config.quantizeOptional ? { quantizeOptional: new Set(config.quantizeOptional) } : {}),
  };
}

function checkNames(list: readonly string[] | undefined, known: readonly string[], kind: string): void {
  if (list === undefined) return;
  resolvePrecisionMap({ Float32: [...new Set(list)] }, known, kind);
}

function unsupportedWarnings(plan: QuantPlan): string[] {
  const warnings: string[] = [];
  const counts = new Map<string, number>();
  for (const n of plan.nodes) if (n.status === 'unsupported') counts.set(n.opType, (counts.get(n.opType) ?? 0) + 1);
  if (counts.size > 0) {
    const list = [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([op, n]) => `${op} ×${n}`).join(', ');
    warnings.push(`Left float (no quantization handler): ${list}.`);
  }
  // Control flow is named node by node: the whole subgraph under it stays float.
  const subgraphs = plan.nodes.filter((n) => n.status === 'subgraph');
  if (subgraphs.length > 0) {
    warnings.push(`Left float with their subgraphs (control flow is not quantized): ${subgraphs.map((n) => `${n.opType} '${n.name}'`).join(', ')}.`);
  }
  return warnings;
}

export { allActivationTensors };
export type { TensorPrecision };
