/**
 * Calibration data from code: an array, iterable or async iterable of feeds. Each element is a feed
 * whose tensors carry a batch on axis 0 (a single sample is a batch of 1: dims [1, ...]); elements may
 * have different batch sizes and are re-split or joined to the batch size a caller asks for.
 *
 * To be read more than once (calibration may make several passes), pass an array, an iterable whose
 * [Symbol.iterator]() starts afresh each time, or a function returning a fresh (async) iterable.
 * A generator object can be read only once; a second pass fails with a message saying so.
 */
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import { checkBatchSize, checkFeed, rebatch, specsOf } from './batching.js';
import { countsText } from './columns.js';
import type { CalibrationSource, Feed, SampleSpec } from './types.js';

export type FeedIterable = Iterable<Feed> | AsyncIterable<Feed>;

export interface IterableSourceOptions {
  /** For messages; default "in-memory data (...)". */
  readonly description?: string;
  /** Total samples, when known (arrays are counted). */
  readonly sampleCount?: number;
}

export async function iterableSource(data: FeedIterable | (() => FeedIterable), options: IterableSourceOptions = {}): Promise<CalibrationSource> {
  const origin = makeOrigin(data);
  const peeked = await peekFirst(origin);
  if (!origin.oneShot) {
    // Re-iterable data starts each pass afresh; the iterator used to peek is done with.
    await peeked.rest?.return?.();
    peeked.rest = undefined;
  }
  const specs = specsOf(peeked.first);
  const counted = Array.isArray(data) ? countArray(data as readonly unknown[], specs) : undefined;
  const sampleCount = counted ?? options.sampleCount;
  const inputNames = Object.keys(specs);
  return {
    description: options.description ?? `in-memory data (${countsText(inputNames.length, sampleCount)})`,
    inputNames,
    sampleCount,
    sampleSpecs: specs,
    batches(batchSize: number): AsyncIterable<Feed> {
      checkBatchSize(batchSize);
      return {
        [Symbol.asyncIterator]: () => {
          const checked = checkedFeeds(origin.next(peeked), specs);
          return rebatch(checked, batchSize, (feed) => Object.values(feed)[0]!.dims[0]!)[Symbol.asyncIterator]();
        },
      };
    },
  };
}

interface Origin {
  readonly oneShot: boolean;
  /** Starts a pass; the peeked element's iterator is reused once for one-shot iterators. */
  next(peeked: Peeked): AsyncIterable<unknown>;
  fresh(): AsyncIterator<unknown>;
}

interface Peeked {
  first: Feed;
  /** For one-shot iterators: the rest of the sequence after `first`, until a pass takes it. */
  rest: AsyncIterator<unknown> | undefined;
}

function makeOrigin(data: FeedIterable | (() => FeedIterable)): Origin {
  if (typeof data !== 'function' && !isIterable(data) && !isAsyncIterable(data)) {
    throw new InvalidArgumentError('iterableSource needs an array, an (async) iterable of feeds, or a function returning one.');
  }
  const oneShot = typeof data !== 'function' && isOneShot(data);
  const fresh = (): AsyncIterator<unknown> => iteratorOf(typeof data === 'function' ? data() : data);
  return {
    oneShot,
    fresh,
    next(peeked: Peeked): AsyncIterable<unknown> {
      if (!oneShot) return { [Symbol.asyncIterator]: fresh };
      const rest = peeked.rest;
      if (rest === undefined) {
        throw new CalibrationDataError('This calibration source was built from a one-shot iterator (e.g. a generator object) and has already been read.', {
          hint: 'Calibration may read the data more than once: pass an array, or a function that returns a new iterator: iterableSource(() => generate()).',
        });
      }
      peeked.rest = undefined;
      return prepend(peeked.first, rest);
    },
  };
}

async function peekFirst(origin: Origin): Promise<Peeked> {
  const iterator = origin.fresh();
  const first = await iterator.next();
  if (first.done === true) throw new CalibrationDataError('The calibration data iterable is empty.', { hint: 'Give at least one feed.' });
  checkFeed(first.value, 'Element 0 of the calibration data');
  return { first: first.value as Feed, rest: iterator };
}

/** A single-use iterable returns itself from [Symbol.iterator]() (generators, iterators). */
function isOneShot(data: FeedIterable): boolean {
  if (Array.isArray(data)) return false;
  const it = isAsyncIterable(data) ? data[Symbol.asyncIterator]() : (data as Iterable<Feed>)[Symbol.iterator]();
  return (it as unknown) === data;
}

function isIterable(x: unknown): x is Iterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function iteratorOf(data: FeedIterable): AsyncIterator<unknown> {
  if (isAsyncIterable(data)) return data[Symbol.asyncIterator]();
  if (isIterable(data)) {
    const it = data[Symbol.iterator]();
    return {
      next: async () => it.next(),
      return: async (value?: unknown) => it.return?.(value) ?? { done: true, value: undefined },
    };
  }
  throw new InvalidArgumentError('The calibration data function must return an array or an (async) iterable of feeds.');
}

async function* prepend(first: Feed, rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  yield first;
  try {
    for (let r = await rest.next(); r.done !== true; r = await rest.next()) yield r.value;
  } finally {
    await rest.return?.();
  }
}

async function* checkedFeeds(elements: AsyncIterable<unknown>, specs: Readonly<Record<string, SampleSpec>>): AsyncGenerator<Feed> {
  let index = 0;
  for await (const element of elements) {
    checkFeed(element, `Element ${index} of the calibration data`, specs);
    index++;
    yield element as Feed;
  }
}

/** Arrays are checked up front (cheap, and errors come before any model runs) and counted. */
function countArray(data: readonly unknown[], specs: Readonly<Record<string, SampleSpec>>): number {
  let total = 0;
  data.forEach((element, i) => {
    total += checkFeed(element, `Element ${i} of the calibration data`, specs);
  });
  return total;
}
