import { CalibrationDataError, ConfigError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { ModelSession } from '../runtime/index.js';
import { limitedBatches } from './batches.js';
import { createCollector, type CollectorOptions, type RangeCollector } from './collectors/index.js';
import { MinMaxCollector } from './collectors/minmax.js';
import { withReductions } from './instrument.js';
import { DEFAULT_MEMORY_BUDGET_BYTES, planOutputPasses, type PassPlan } from './memory-plan.js';
import { collectMinMaxInGraph, notFloat } from './min-max-in-graph.js';
import { batchLength, measureBytesPerSample } from './probe.js';
import type { CalibrationMethod, Range } from './ranges.js';
import type { CalibrationSource } from './sources/types.js';

export interface CollectOptions {
  readonly method: CalibrationMethod;
  /** Samples per model run (default 32; lowered automatically to fit memoryBudgetBytes). */
  readonly batchSize?: number;
  /** Use at most this many samples. */
  readonly limit?: number;
  /**
   * Bytes one calibration pass may take for activations (onnxruntime's buffers plus the copies read
   * into JS), default 1 GiB. Tensors are split over passes, and the batch size lowered, to fit.
   * The process also holds Node, onnxruntime and the model itself on top of this.
   */
  readonly memoryBudgetBytes?: number;
  /**
   * Histogram methods: at most this many tensors per pass (on top of the budget). min/max reduces
   * every tensor inside the graph in one pass and ignores it.
   */
  readonly tensorsPerPass?: number;
  readonly collector?: CollectorOptions;
  /** Called after each batch with samples done so far and the total (when known). */
  readonly onProgress?: (done: number, total: number | undefined) => void;
  /** Called when the batch size had to be lowered to fit the budget. */
  readonly onWarning?: (message: string) => void;
  /**
   * 'auto' (default): min/max reduced in the graph, histogram tensors exposed as outputs in passes
   * that fit the budget. 'outputs': every tensor exposed as an output, `tensorsPerPass` at a time,
   * no budget (the path before the budget existed; kept to check the others against it).
   */
  readonly engine?: 'auto' | 'outputs';
}

export interface CollectResult {
  readonly ranges: Map<string, Range>;
  readonly samples: number;
  readonly batches: number;
  /** Passes over the data (each one session and one read of the source). */
  readonly passes: number;
  /** Samples per run actually used. */
  readonly batchSize: number;
  /** Estimated peak bytes of the largest pass (undefined for engine 'outputs', which does not plan). */
  readonly estimatedBytes?: number;
  /** Min/max in the graph: tensors reduced there (the others took the range of a tensor they reshape or transpose). */
  readonly reducedInGraph?: number;
}

/**
 * Runs the float model over the calibration data and folds each requested tensor's values into a
 * streaming collector, batch by batch: memory depends on the batch size and the budget, never on
 * the sample count.
 */
export async function collectRanges(model: Model, tensors: readonly string[], source: CalibrationSource, options: CollectOptions): Promise<CollectResult> {
  const budget = checkBudget(options.memoryBudgetBytes);
  const batchSize = options.batchSize ?? source.preferredBatchSize ?? 32;
  const names = [...new Set(tensors)];
  const collectors = new Map<string, RangeCollector>(names.map((t) => [t, createCollector(options.method, options.collector ?? {})]));
  const total = (passes: number): number | undefined => (source.sampleCount === undefined ? undefined : Math.min(source.sampleCount, options.limit ?? Infinity) * passes);
  let result: Omit<CollectResult, 'ranges'>;
  if (options.engine === 'outputs') {
    const perPass = Math.max(1, options.tensorsPerPass ?? names.length);
    const passes = Array.from({ length: Math.max(1, Math.ceil(names.length / perPass)) }, (_, p) => names.slice(p * perPass, (p + 1) * perPass));
    const run = await runOutputPasses(model, collectors, source, { batchSize, passes, estimatedBytes: NaN }, options, total(passes.length));
    result = { ...run, batchSize };
  } else if (options.method === 'minmax' && names.length > 0) {
    result = await collectMinMax(model, collectors, source, batchSize, budget, options, total);
  } else {
    result = await collectWithOutputs(model, collectors, names, source, batchSize, budget, options, total);
  }
  const ranges = new Map<string, Range>();
  for (const [name, c] of collectors) ranges.set(name, c.range());
  return { ranges, ...result };
}

/** Min/max reduced in the graph; tensors holding NaN or ±Inf are then folded in JS, as they always were. */
async function collectMinMax(
  model: Model,
  collectors: Map<string, RangeCollector>,
  source: CalibrationSource,
  batchSize: number,
  budget: number,
  options: CollectOptions,
  total: (passes: number) => number | undefined,
): Promise<Omit<CollectResult, 'ranges'>> {
  const inGraph = await collectMinMaxInGraph(model, collectors as Map<string, MinMaxCollector>, source, {
    batchSize,
    budget,
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    onProgress: (done) => options.onProgress?.(done, total(1)),
  });
  if (inGraph.plan.lowered) options.onWarning?.(inGraph.plan.lowered);
  if (inGraph.samples === 0) throw noSamples(source);
  const result = { samples: inGraph.samples, batches: inGraph.batches, passes: 1, batchSize: inGraph.plan.batchSize, estimatedBytes: inGraph.plan.estimatedBytes, reducedInGraph: inGraph.reduced };
  if (inGraph.notFinite.length === 0) return result;
  for (const name of inGraph.notFinite) collectors.set(name, createCollector(options.method, options.collector ?? {}));
  const exact = await collectWithOutputs(model, collectors, inGraph.notFinite, source, batchSize, budget, options, () => total(1));
  return { ...result, passes: 1 + exact.passes, batches: result.batches + exact.batches };
}

function checkBudget(budget: number | undefined): number {
  if (budget === undefined) return DEFAULT_MEMORY_BUDGET_BYTES;
  if (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0) {
    throw new ConfigError(`memoryBudgetBytes must be a number of bytes > 0, got ${String(budget)}.`, { hint: 'E.g. 1073741824 for 1 GiB (on the CLI: --memory-budget 1024, in MB).' });
  }
  return budget;
}

/** Histogram methods (and NaN-carrying tensors): tensors exposed as outputs, in passes that fit the budget. */
async function collectWithOutputs(
  model: Model,
  collectors: Map<string, RangeCollector>,
  tensors: readonly string[],
  source: CalibrationSource,
  batchSize: number,
  budget: number,
  options: CollectOptions,
  total: (passes: number) => number | undefined,
): Promise<Omit<CollectResult, 'ranges'>> {
  const sizing = withReductions(model, [], { sizesOfAll: true });
  const probe = await ModelSession.create(sizing.model, { optimization: 'disabled', memoryPattern: false });
  let bytes: Map<string, number>;
  try {
    bytes = await measureBytesPerSample(probe, sizing.sizes, sizing.model, source);
  } finally {
    await probe.close();
  }
  const plan = planOutputPasses({ graph: model.graph, bytesPerSample: bytes }, tensors, batchSize, budget, options.tensorsPerPass ?? Infinity);
  if (plan.lowered) options.onWarning?.(plan.lowered);
  const subset = new Map(tensors.map((t) => [t, collectors.get(t)!]));
  const result = await runOutputPasses(model, subset, source, plan, options, total(plan.passes.length));
  return { ...result, batchSize: plan.batchSize, estimatedBytes: plan.estimatedBytes };
}

async function runOutputPasses(
  model: Model,
  collectors: ReadonlyMap<string, RangeCollector>,
  source: CalibrationSource,
  plan: PassPlan,
  options: CollectOptions,
  total: number | undefined,
): Promise<{ samples: number; batches: number; passes: number }> {
  let samples = 0;
  let batches = 0;
  const perPass = total === undefined ? 0 : total / plan.passes.length;
  for (const [p, pass] of plan.passes.entries()) {
    const done = await outputsPass(model, pass, collectors, source, plan.batchSize, options.limit, options.engine === 'outputs', (n) => options.onProgress?.(p * perPass + n, total));
    samples = done.samples;
    batches += done.batches;
  }
  if (samples === 0) throw noSamples(source);
  return { samples, batches, passes: plan.passes.length };
}

/** One pass: the tensors exposed as extra outputs (graph inputs read from the feeds), folded in JS. */
async function outputsPass(
  model: Model,
  tensors: readonly string[],
  collectors: ReadonlyMap<string, RangeCollector>,
  source: CalibrationSource,
  batchSize: number,
  limit: number | undefined,
  legacy: boolean,
  progress: (done: number) => void,
): Promise<{ samples: number; batches: number }> {
  const graphInputs = new Set(model.graph.inputs.map((v) => v.name));
  const extra = tensors.filter((t) => !graphInputs.has(t));
  // The budgeted passes leave out onnxruntime's memory pattern (see SessionOptions.memoryPattern);
  // engine 'outputs' keeps the session options it always had.
  const session = await ModelSession.create(model, { optimization: 'disabled', extraOutputs: extra, ...(legacy ? {} : { memoryPattern: false }) });
  let samples = 0;
  let batches = 0;
  try {
    for await (const feed of limitedBatches(source, batchSize, limit)) {
      const outputs = extra.length > 0 ? await session.run(feed, extra) : {};
      for (const name of tensors) {
        const t = outputs[name] ?? feed[name];
        if (!t) continue;
        if (!(t.data instanceof Float32Array)) throw notFloat(name, t.type);
        collectors.get(name)!.update(t.data);
      }
      samples += batchLength(feed);
      batches++;
      progress(samples);
    }
  } finally {
    await session.close();
  }
  return { samples, batches };
}

function noSamples(source: CalibrationSource): CalibrationDataError {
  return new CalibrationDataError(`The calibration data (${source.description}) yielded no samples.`, { hint: 'Give at least one sample per model input.' });
}
