import { CalibrationDataError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { ModelSession } from '../runtime/index.js';
import { createCollector, type CollectorOptions, type RangeCollector } from './collectors/index.js';
import type { CalibrationMethod, Range } from './ranges.js';
import type { CalibrationSource } from './sources/types.js';

export interface CollectOptions {
  readonly method: CalibrationMethod;
  /** Samples per model run (default 32). Memory is bounded by one batch of the tensors of one pass. */
  readonly batchSize?: number;
  /** Use at most this many samples. */
  readonly limit?: number;
  /** Tensors exposed per pass over the data (default all). Lower it to bound memory on big models. */
  readonly tensorsPerPass?: number;
  readonly collector?: CollectorOptions;
  /** Called after each batch with samples done so far and the total (when known). */
  readonly onProgress?: (done: number, total: number | undefined) => void;
}

export interface CollectResult {
  readonly ranges: Map<string, Range>;
  readonly samples: number;
  readonly batches: number;
}

/**
 * Runs the float model over the calibration data and folds each requested tensor's values into a
 * streaming collector, batch by batch: memory depends on the batch size, never on the sample count.
 */
export async function collectRanges(model: Model, tensors: readonly string[], source: CalibrationSource, options: CollectOptions): Promise<CollectResult> {
  const batchSize = options.batchSize ?? source.preferredBatchSize ?? 32;
  const perPass = Math.max(1, options.tensorsPerPass ?? tensors.length);
  const ranges = new Map<string, Range>();
  let samples = 0;
  let batches = 0;
  const passes = Math.max(1, Math.ceil(tensors.length / perPass));
  for (let p = 0; p < passes; p++) {
    const chunk = tensors.slice(p * perPass, (p + 1) * perPass);
    const result = await collectPass(model, chunk, source, batchSize, options, (done) => {
      const total = source.sampleCount === undefined ? undefined : Math.min(source.sampleCount, options.limit ?? Infinity) * passes;
      options.onProgress?.(p * (total === undefined ? 0 : total / passes) + done, total);
    });
    for (const [name, c] of result.collectors) ranges.set(name, c.range());
    samples = result.samples;
    batches += result.batches;
  }
  return { ranges, samples, batches };
}

async function collectPass(model: Model, tensors: readonly string[], source: CalibrationSource, batchSize: number, options: CollectOptions, progress: (done: number) => void) {
  const graph = model.graph;
  const graphInputs = new Set(graph.inputs.map((v) => v.name));
  // Graph inputs come straight from the feeds; everything else is an extra output.
  const extra = tensors.filter((t) => !graphInputs.has(t));
  const session = await ModelSession.create(model, { optimization: 'disabled', extraOutputs: extra });
  const collectors = new Map<string, RangeCollector>(tensors.map((t) => [t, createCollector(options.method, options.collector ?? {})]));
  let samples = 0;
  let batches = 0;
  try {
    for await (const feed of source.batches(batchSize)) {
      const limited = options.limit !== undefined ? truncateFeed(feed, options.limit - samples) : feed;
      const n = batchLength(limited);
      if (n === 0) break;
      const outputs = extra.length > 0 ? await session.run(limited, extra) : {};
      for (const [name, collector] of collectors) {
        const t = outputs[name] ?? limited[name];
        if (!t) continue;
        if (!(t.data instanceof Float32Array)) {
          throw new CalibrationDataError(`Tensor '${name}' is ${t.type}, not float32; it cannot be calibrated.`, { hint: 'Leave it out of the quantized tensors.' });
        }
        collector.update(t.data);
      }
      samples += n;
      batches++;
      progress(samples);
      if (options.limit !== undefined && samples >= options.limit) break;
    }
  } finally {
    await session.close();
  }
  if (samples === 0) throw new CalibrationDataError(`The calibration data (${source.description}) yielded no samples.`, { hint: 'Give at least one sample per model input.' });
  return { collectors, samples, batches };
}

function batchLength(feed: Record<string, { dims: readonly number[] }>): number {
  const first = Object.values(feed)[0];
  return first ? (first.dims[0] ?? 1) : 0;
}

function truncateFeed<T extends { type: unknown; dims: readonly number[]; data: { subarray(a: number, b: number): unknown; length: number } }>(feed: Record<string, T>, keep: number): Record<string, T> {
  if (keep <= 0) return {};
  const out: Record<string, T> = {};
  for (const [name, t] of Object.entries(feed)) {
    const n = t.dims[0] ?? 1;
    if (n <= keep) {
      out[name] = t;
      continue;
    }
    const per = t.data.length / n;
    out[name] = { ...t, dims: [keep, ...t.dims.slice(1)], data: t.data.subarray(0, keep * per) } as T;
  }
  return out;
}
