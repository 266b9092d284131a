/** Batches of a source, cut at a sample limit (the last batch truncated to fit). */
import type { HostTensor } from '../ir/index.js';
import { batchLength } from './probe.js';
import type { CalibrationSource, Feed } from './sources/types.js';

export async function* limitedBatches(source: CalibrationSource, batchSize: number, limit?: number): AsyncGenerator<Feed> {
  let samples = 0;
  for await (const feed of source.batches(batchSize)) {
    const limited = limit !== undefined ? truncateFeed(feed, limit - samples) : feed;
    const n = batchLength(limited);
    if (n === 0) return;
    yield limited;
    samples += n;
    if (limit !== undefined && samples >= limit) return;
  }
}

function truncateFeed(feed: Feed, keep: number): Feed {
  if (keep <= 0) return {};
  const out: Feed = {};
  for (const [name, t] of Object.entries(feed)) {
    const n = t.dims[0] ?? 1;
    if (n <= keep) {
      out[name] = t;
      continue;
    }
    const per = t.data.length / n;
    out[name] = { ...t, dims: [keep, ...t.dims.slice(1)], data: t.data.subarray(0, keep * per) } as HostTensor;
  }
  return out;
}
