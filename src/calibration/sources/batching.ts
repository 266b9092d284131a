/**
 * Feeds as batches along axis 0: checking them, slicing (views, no copies), joining, and re-splitting
 * a stream of feeds of any batch sizes into batches of one requested size.
 */
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import { elementCount, TYPED_ARRAY_OF, type HostTensor } from '../../ir/dtype.js';
import type { Feed, SampleSpec } from './types.js';

export function checkBatchSize(batchSize: number): void {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(`Batch size must be a positive integer, got ${String(batchSize)}.`);
  }
}

export function specsOf(feed: Feed): Record<string, SampleSpec> {
  const specs: Record<string, SampleSpec> = {};
  for (const [name, t] of Object.entries(feed)) specs[name] = { type: t.type, dims: t.dims.slice(1) };
  return specs;
}

export function formatDims(dims: readonly (number | string | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/**
 * Checks that `value` is a feed of well-formed tensors that share one batch size and, when `expected`
 * is given, have its input names and sample specs. Returns the batch size. `where` names the element.
 */
export function checkFeed(value: unknown, where: string, expected?: Readonly<Record<string, SampleSpec>>): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CalibrationDataError(`${where} is not a feed object (input name → tensor).`, {
      hint: 'Each element must look like { input: { type: "float32", dims: [batch, ...], data: Float32Array } }.',
    });
  }
  const feed = value as Record<string, unknown>;
  const names = Object.keys(feed);
  if (names.length === 0) throw new CalibrationDataError(`${where} has no inputs.`);
  if (expected !== undefined) checkSameNames(names, Object.keys(expected), where);
  let batch: number | undefined;
  for (const name of names) {
    const t = feed[name];
    checkTensor(t, `${where}, input '${name}'`);
    const n = t.dims[0]!;
    if (batch !== undefined && n !== batch) {
      throw new CalibrationDataError(`${where}: inputs disagree on the batch size (axis 0): ${names.map((k) => `'${k}' ${(feed[k] as HostTensor).dims[0]}`).join(', ')}.`);
    }
    batch = n;
    const spec = expected?.[name];
    if (spec !== undefined && (spec.type !== t.type || spec.dims.join() !== t.dims.slice(1).join())) {
      throw new CalibrationDataError(
        `${where}, input '${name}': samples are ${t.type} ${formatDims(t.dims.slice(1))} but earlier ones were ${spec.type} ${formatDims(spec.dims)}.`,
        { hint: 'Every element must hold samples of the same type and shape.' },
      );
    }
  }
  return batch!;
}

function checkSameNames(names: readonly string[], expected: readonly string[], where: string): void {
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [missing.length > 0 ? `lacks ${missing.map((n) => `'${n}'`).join(', ')}` : '', extra.length > 0 ? `has extra ${extra.map((n) => `'${n}'`).join(', ')}` : ''];
    throw new CalibrationDataError(`${where} ${parts.filter(Boolean).join(' and ')}; every element must have the inputs of the first.`);
  }
}

function checkTensor(t: unknown, where: string): asserts t is HostTensor {
  const bad = (what: string): never => {
    throw new CalibrationDataError(`${where}: ${what}.`, { hint: 'A tensor is { type: "float32", dims: [batch, ...], data: Float32Array } with data.length = product of dims.' });
  };
  if (typeof t !== 'object' || t === null) bad('is not a tensor object');
  const { type, dims, data } = t as Partial<HostTensor>;
  const Ctor = typeof type === 'string' ? TYPED_ARRAY_OF[type] : undefined;
  if (Ctor === undefined) bad(`has unsupported element type ${String(type)}`);
  if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) bad('dims must be an array of non-negative integers');
  if (dims!.length === 0) bad('is a scalar; tensors need a batch axis (axis 0)');
  if (!(data instanceof Ctor!)) bad(`data must be a ${Ctor!.name} for ${String(type)}`);
  if (data!.length !== elementCount(dims!)) bad(`data has ${data!.length} elements but dims ${formatDims(dims!)} need ${elementCount(dims!)}`);
}

/** Samples [start, start+count) of a batch tensor, sharing its memory. */
export function sliceSamples(t: HostTensor, start: number, count: number): HostTensor {
  const per = elementCount(t.dims.slice(1));
  return { type: t.type, dims: [count, ...t.dims.slice(1)], data: t.data.subarray(start * per, (start + count) * per) };
}

/** Joins batch tensors of one type and sample shape along axis 0 into a new tensor. */
export function concatSamples(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  const Ctor = TYPED_ARRAY_OF[first.type]!;
  const count = parts.reduce((n, p) => n + p.dims[0]!, 0);
  const data = new Ctor(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p.data as Float32Array, at);
    at += p.data.length;
  }
  return { type: first.type, dims: [count, ...first.dims.slice(1)], data };
}

interface Pending {
  feed: Feed;
  offset: number;
  count: number;
}

/**
 * Re-splits feeds of any batch sizes into feeds of exactly `batchSize` (the last may be smaller).
 * Holds at most the samples of one output batch besides the element being consumed; a feed of exactly
 * the right size passes through uncopied.
 */
export async function* rebatch(feeds: AsyncIterable<Feed>, batchSize: number, sizeOf: (feed: Feed) => number): AsyncGenerator<Feed> {
  const pending: Pending[] = [];
  let held = 0;
  for await (const feed of feeds) {
    const count = sizeOf(feed);
    if (count === 0) continue;
    if (held === 0 && count === batchSize) {
      yield feed;
      continue;
    }
    pending.push({ feed, offset: 0, count });
    held += count;
    while (held >= batchSize) {
      yield take(pending, batchSize);
      held -= batchSize;
    }
  }
  if (held > 0) yield take(pending, held);
}

/** Removes the first `n` samples from the queue and joins them into one feed. */
function take(pending: Pending[], n: number): Feed {
  const pieces: Feed[] = [];
  let need = n;
  while (need > 0) {
    const head = pending[0]!;
    const k = Math.min(need, head.count);
    const piece: Feed = {};
    for (const [name, t] of Object.entries(head.feed)) piece[name] = sliceSamples(t, head.offset, k);
    pieces.push(piece);
    head.offset += k;
    head.count -= k;
    need -= k;
    if (head.count === 0) pending.shift();
  }
  const out: Feed = {};
  for (const name of Object.keys(pieces[0]!)) out[name] = concatSamples(pieces.map((p) => p[name]!));
  return out;
}
