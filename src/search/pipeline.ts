/**
 * The steps of static quantization, shared by quantize() and the automatic search:
 * prepare (clone + normalise) → plan → calibrate → build (materialise a plan into a model).
 * The search plans and builds many times over one preparation and one calibration.
 */
import { collectRanges } from '../calibration/collect.js';
import type { CalibrationMethod, Range } from '../calibration/ranges.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { validateAgainstModelInputs } from '../calibration/sources/validate.js';
import type { CollectorOptions } from '../calibration/collectors/index.js';
import { ConfigError } from '../errors.js';
import { cloneModel, constantsToInitializers, isFloatType, type Model } from '../ir/index.js';
import { foldBatchNormIntoConv } from '../qdq/fold-batch-norm.js';
import { materialize, type MaterializeResult } from '../qdq/materialize.js';
import { BuildCache } from '../qdq/build-cache.js';
import type { QuantPlan } from '../qdq/types.js';
import { upgradeForQuantization, type UpgradeReport } from '../qdq/upgrade/index.js';
import { inferMissingTypes } from '../runtime/index.js';

/** A private copy of the user's model with weights normalised (Constant nodes → initializers). */
export async function prepareModel(model: Model): Promise<Model> {
  const prepared = cloneModel(model);
  constantsToInitializers(prepared.graph);
  // Conv → BN quantized as two ops loses accuracy that folding keeps (see fold-batch-norm.ts).
  foldBatchNormIntoConv(prepared.graph);
  // Handlers must know which tensors are float; most exporters write no value_info.
  await inferMissingTypes(prepared);
  return prepared;
}

export interface PreparedForQuantization {
  readonly model: Model;
  /** The ai.onnx opset upgrade done (or, with `upgraded: false`, refused: see `blocked`). */
  readonly opsetUpgrade?: UpgradeReport;
  /** What could not be upgraded and what that means for the output. */
  readonly warnings: readonly string[];
}

/**
 * prepareModel plus the ai.onnx opset the output needs (21 when 16-bit integer Q/DQ may be used,
 * else 13; never lowered), done before planning so that the plan sees the upgraded ops (Clip with
 * inputs, Resize instead of Upsample) and Q/DQ, per-channel axes and BF16 casts are valid ops.
 */
export async function prepareForQuantization(model: Model, needs: { readonly sixteenBit: boolean }): Promise<PreparedForQuantization> {
  const prepared = await prepareModel(model);
  const upgrade = upgradeForQuantization(prepared, needs);
  return { model: prepared, ...(upgrade.report ? { opsetUpgrade: upgrade.report } : {}), warnings: upgrade.warnings };
}

/** Float tensors whose ranges the plan needs from calibration. */
export function tensorsToCalibrate(model: Model, plan: QuantPlan): string[] {
  const names = new Set<string>();
  for (const t of plan.tensors) {
    if (t.role !== 'activation' || t.scale.kind === 'fixed') continue;
    // A shared-scale tensor is quantized with the range of the tensor it shares with.
    names.add(t.scale.kind === 'shared' ? t.scale.with : t.name);
  }
  for (const c of plan.conversions) names.add(c.tensor);
  return [...names].filter((n) => {
    const v = model.graph.ownValue(n);
    return v !== undefined && !v.initializer && (v.elemType === undefined || isFloatType(v.elemType));
  });
}

/** Every float activation of the main graph: calibrating them all once lets any later plan be built. */
export function allActivationTensors(model: Model): string[] {
  const names: string[] = [];
  for (const v of model.graph.inputs) if (!v.initializer && (v.elemType === undefined || v.elemType === 'float32')) names.push(v.name);
  for (const node of model.graph.nodes) {
    if (node.opType === 'Constant' || node.opType === 'Shape' || node.opType === 'Size') continue;
    for (const out of node.outputs) if (out && (out.elemType === undefined || out.elemType === 'float32')) names.push(out.name);
  }
  return names;
}

export interface CalibrateOptions {
  readonly method?: CalibrationMethod;
  readonly batchSize?: number;
  readonly limit?: number;
  readonly collector?: CollectorOptions;
  readonly tensorsPerPass?: number;
  /** Bytes a calibration pass may take (default 1 GiB; see CollectOptions.memoryBudgetBytes). */
  readonly memoryBudgetBytes?: number;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Told when the batch size had to come down to fit the memory budget. */
  readonly onWarning?: (message: string) => void;
}

export async function calibrate(model: Model, tensors: readonly string[], source: CalibrationSource, options: CalibrateOptions = {}): Promise<{ ranges: Map<string, Range>; samples: number }> {
  const inputs = model.graph.inputs
    .filter((v) => !v.initializer)
    .map((v) => ({ name: v.name, type: v.elemType ?? 'float32', dims: v.shape ?? [] }));
  const checked = await validateAgainstModelInputs(source, inputs);
  const result = await collectRanges(model, tensors, checked, {
    method: options.method ?? 'minmax',
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    ...(options.collector !== undefined ? { collector: options.collector } : {}),
    ...(options.tensorsPerPass !== undefined ? { tensorsPerPass: options.tensorsPerPass } : {}),
    ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
  });
  return { ranges: result.ranges, samples: result.samples };
}

/**
 * Builds the QDQ model of a plan on a fresh copy of the prepared model. Builds from one prepared
 * model share a BuildCache (weight parameters and quantized constants; same bytes out), so the
 * candidates of a search do not quantize the same weights again.
 */
export function buildModel(prepared: Model, plan: QuantPlan, ranges: ReadonlyMap<string, Range>, cache: BuildCache = buildCacheOf(prepared)): { model: Model; result: MaterializeResult } {
  const model = cloneModel(prepared);
  const result = materialize(model, plan, { ranges, cache });
  return { model, result };
}

/** Entries are keyed by the prepared model's immutable tensors, and go when the model does. */
const buildCaches = new WeakMap<Model, BuildCache>();
function buildCacheOf(prepared: Model): BuildCache {
  let cache = buildCaches.get(prepared);
  if (!cache) buildCaches.set(prepared, (cache = new BuildCache()));
  return cache;
}


/** Fails early, with a clear message, on ranges that miss tensors the plan needs. */
export function checkRangesCover(model: Model, plan: QuantPlan, ranges: ReadonlyMap<string, Range>): void {
  const missing = tensorsToCalibrate(model, plan).filter((t) => !ranges.has(t));
  if (missing.length > 0) {
    throw new ConfigError(`The given ranges lack ${missing.length} tensor(s) this plan quantizes: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}.`, {
      hint: 'Use ranges collected on the same model, or calibrate with data.',
    });
  }
}
