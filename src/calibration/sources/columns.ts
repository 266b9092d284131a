/**
 * File-backed sources are built from columns: one column per model input, each able to read any range
 * of samples. A source reads the same range from every column to make one batch. Columns open their
 * files only while a pass over the data runs, so an idle source holds no file descriptors.
 */
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import type { HostTensor } from '../../ir/dtype.js';
import { checkBatchSize, formatDims } from './batching.js';
import { allocSamples, bytesOf, NpyFile, type NpyReader } from './npy-file.js';
import type { CalibrationSource, Feed, SampleSpec } from './types.js';

export interface ColumnReader {
  /** Samples [start, start+count) as a new tensor with the batch on axis 0. */
  read(start: number, count: number): Promise<HostTensor>;
  close(): Promise<void>;
}

export interface InputColumn {
  readonly name: string;
  /** Where the data comes from, for messages: a file, a list of files, a folder. */
  readonly label: string;
  readonly sampleCount: number;
  readonly spec: SampleSpec;
  open(): Promise<ColumnReader>;
}

/** A column made of one or more .npy files whose samples follow each other in the given order. */
export async function npyColumn(name: string, paths: readonly string[], label?: string): Promise<InputColumn> {
  const files = await Promise.all(paths.map((p) => NpyFile.open(p)));
  const first = files[0];
  if (first === undefined) throw new CalibrationDataError(`Input '${name}' has no .npy files.`);
  const odd = files.filter((f) => f.type !== first.type || f.sampleDims.join() !== first.sampleDims.join());
  if (odd.length > 0) {
    throw new CalibrationDataError(
      `The .npy files of input '${name}' disagree on element type or sample shape: ${files.map((f) => `'${f.path}' ${f.type} ${formatDims(f.sampleDims)}`).join(', ')}.`,
      { hint: 'All files of one input must hold samples of the same dtype and shape (all axes but the first).' },
    );
  }
  const used = files.filter((f) => f.sampleCount > 0);
  return {
    name,
    label: label ?? (paths.length === 1 ? `'${paths[0]}'` : `${paths.length} files of '${name}'`),
    sampleCount: files.reduce((n, f) => n + f.sampleCount, 0),
    spec: { type: first.type, dims: first.sampleDims },
    open: async () => new NpyColumnReader(used),
  };
}

class NpyColumnReader implements ColumnReader {
  /** Sample index at which each file starts. */
  private readonly starts: number[] = [];
  private current: { index: number; reader: NpyReader } | undefined;

  constructor(private readonly files: readonly NpyFile[]) {
    let at = 0;
    for (const f of files) {
      this.starts.push(at);
      at += f.sampleCount;
    }
  }

  async read(start: number, count: number): Promise<HostTensor> {
    const first = this.files[0]!;
    const tensor = allocSamples(first.type, first.sampleDims, count);
    const bytes = bytesOf(tensor.data);
    // Reads go straight into the batch buffer, also across file boundaries: no intermediate copies.
    for (let done = 0; done < count; ) {
      const index = this.fileIndexOf(start + done);
      const file = this.files[index]!;
      const local = start + done - this.starts[index]!;
      const k = Math.min(count - done, file.sampleCount - local);
      await (await this.readerFor(index)).readInto(local, k, bytes, done * file.sampleBytes);
      done += k;
    }
    return tensor;
  }

  async close(): Promise<void> {
    await this.current?.reader.close();
    this.current = undefined;
  }

  private fileIndexOf(sample: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= sample) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Keeps one file open at a time: reads move forward through the files. */
  private async readerFor(index: number): Promise<NpyReader> {
    if (this.current?.index === index) return this.current.reader;
    await this.close();
    const reader = await this.files[index]!.reader();
    this.current = { index, reader };
    return reader;
  }
}

export interface ColumnsSourceOptions {
  readonly description: string;
  /** What the columns are, for the sample-count mismatch message, e.g. "The .npy files in 'calib/'". */
  readonly context: string;
  readonly limit?: number | undefined;
  readonly preferredBatchSize?: number | undefined;
}

/** A source that reads the same sample range from every column for each batch. */
export function columnsSource(columns: readonly InputColumn[], options: ColumnsSourceOptions): CalibrationSource {
  const names = columns.map((c) => c.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length > 0) {
    throw new CalibrationDataError(`${options.context} give input '${twice[0]}' more than once (${columns.filter((c) => c.name === twice[0]).map((c) => c.label).join(', ')}).`, {
      hint: 'Keep one data file per model input.',
    });
  }
  const counts = new Set(columns.map((c) => c.sampleCount));
  if (counts.size > 1) {
    throw new CalibrationDataError(
      `${options.context} disagree on the number of samples (first axis): ${columns.map((c) => `${c.label} has ${c.sampleCount}`).join(', ')}.`,
      { hint: 'Every input needs the same samples in the same order; cut the longer ones to the same count.' },
    );
  }
  const total = columns[0]?.sampleCount ?? 0;
  const sampleCount = options.limit === undefined ? total : Math.min(total, options.limit);
  const sampleSpecs: Record<string, SampleSpec> = {};
  for (const c of columns) sampleSpecs[c.name] = c.spec;
  const source: CalibrationSource = {
    description: options.description,
    inputNames: columns.map((c) => c.name),
    sampleCount,
    sampleSpecs,
    batches(batchSize: number): AsyncIterable<Feed> {
      checkBatchSize(batchSize);
      return { [Symbol.asyncIterator]: () => readBatches(columns, sampleCount, batchSize) };
    },
  };
  return options.preferredBatchSize === undefined ? source : { ...source, preferredBatchSize: options.preferredBatchSize };
}

async function* readBatches(columns: readonly InputColumn[], sampleCount: number, batchSize: number): AsyncGenerator<Feed> {
  const readers: ColumnReader[] = [];
  try {
    for (const c of columns) readers.push(await c.open());
    for (let start = 0; start < sampleCount; start += batchSize) {
      const n = Math.min(batchSize, sampleCount - start);
      const feed: Feed = {};
      for (const [i, reader] of readers.entries()) feed[columns[i]!.name] = await reader.read(start, n);
      yield feed;
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

export function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}.`);
  }
}

/** "2 inputs, 256 samples" */
export function countsText(inputs: number, samples: number | undefined): string {
  const s = samples === undefined ? 'unknown number of samples' : `${samples} sample${samples === 1 ? '' : 's'}`;
  return `${inputs} input${inputs === 1 ? '' : 's'}, ${s}`;
}
