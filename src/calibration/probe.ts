/**
 * Bytes per sample of every tensor of a model, measured by running a session that outputs element
 * counts (Size) on the first sample: exact for dynamic shapes too, and costs one small run.
 */
import { CalibrationDataError } from '../errors.js';
import { byteLengthOf, type Model } from '../ir/index.js';
import type { ModelSession } from '../runtime/index.js';
import type { CalibrationSource, Feed } from './sources/types.js';

export async function measureBytesPerSample(session: ModelSession, sizes: ReadonlyMap<string, string>, model: Model, source: CalibrationSource): Promise<Map<string, number>> {
  const feed = await firstFeed(source, probeBatch(model));
  const n = batchLength(feed);
  const outputs = await session.run(feed, [...sizes.values()]);
  const bytes = new Map<string, number>();
  for (const [name, sizeOutput] of sizes) {
    const count = outputs[sizeOutput]?.data[0];
    if (count === undefined) continue;
    const type = model.graph.ownValue(name)?.elemType ?? 'float32';
    bytes.set(name, byteLengthOf(type, Number(count)) / n);
  }
  return bytes;
}

/** One sample, unless the model's inputs fix the batch axis to more (then one such batch). */
function probeBatch(model: Model): number {
  const fixed = model.graph.inputs.filter((v) => !v.initializer).map((v) => v.shape?.[0]);
  return fixed.every((d) => typeof d === 'number' && d > 1) ? (fixed[0] as number) : 1;
}

async function firstFeed(source: CalibrationSource, batchSize: number): Promise<Feed> {
  for await (const feed of source.batches(batchSize)) {
    if (batchLength(feed) > 0) return feed;
  }
  throw new CalibrationDataError(`The calibration data (${source.description}) yielded no samples.`, { hint: 'Give at least one sample per model input.' });
}

export function batchLength(feed: Record<string, { dims: readonly number[] }>): number {
  const first = Object.values(feed)[0];
  return first ? (first.dims[0] ?? 1) : 0;
}
