/**
 * What a model costs to run: its serialized size, and its latency measured with onnxruntime-node
 * under the options a user gets by default (graph optimizations 'all', CPU execution provider),
 * with a fixed number of intra-op threads so that figures are comparable between models and runs.
 * Figures are measurements on this machine only; nothing here predicts another runtime or device.
 */
import { InvalidArgumentError } from '../errors.js';
import { TYPED_ARRAY_OF, type DataType, type Dim, type HostTensor, type Model, type Tensor, type TypedArray } from '../ir/index.js';
import { serializeModel } from '../onnx/index.js';
import { encodeModelProto } from '../onnx/codec.js';
import { modelToProto } from '../onnx/serde-write.js';
import { ModelSession, type Feeds } from './session.js';

export interface LatencyOptions {
  /** Timed runs; the median of these is reported (default 20). */
  readonly runs?: number;
  /** Untimed runs first (session warm-up, allocator growth; default 3). */
  readonly warmup?: number;
  /** onnxruntime intra-op threads (default 2). Runs are sequential, so inter-op threads are not used. */
  readonly threads?: number;
  /** Batch size of synthesized inputs (default 1). Ignored when `feeds` are given. */
  readonly batch?: number;
  /** The exact inputs to run (then nothing is synthesized). */
  readonly feeds?: Feeds;
  /**
   * A feed whose shapes fill the model's symbolic dims other than the batch (e.g. the first
   * calibration batch); its first sample also provides the input values.
   */
  readonly sample?: Feeds;
  /** Monotonic clock in nanoseconds (tests inject one; default process.hrtime.bigint). */
  readonly clock?: () => bigint;
}

export interface LatencyResult {
  /** Median wall time of one run, in milliseconds. */
  readonly medianMs: number;
  /** 10th and 90th percentiles (nearest rank), when at least 5 runs were timed. */
  readonly p10Ms?: number;
  readonly p90Ms?: number;
  readonly runs: number;
  readonly warmup: number;
  readonly threads: number;
  readonly batch: number;
}

/**
 * Median latency of one inference of `model` on this CPU. Inputs are `options.feeds`, or a batch
 * synthesized from the model's input shapes (see LatencyOptions.sample for symbolic dims).
 */
export async function measureLatency(model: Model, options: LatencyOptions = {}): Promise<LatencyResult> {
  const runs = checkCount(options.runs ?? 20, 'runs', 1);
  const warmup = checkCount(options.warmup ?? 3, 'warmup', 0);
  const threads = checkCount(options.threads ?? 2, 'threads', 1);
  const clock = options.clock ?? process.hrtime.bigint;
  const feeds = options.feeds ?? synthesizeFeeds(model, options.batch, options.sample);
  const session = await ModelSession.create(model, { optimization: 'all', intraOpThreads: threads });
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup; i++) await session.run(feeds);
    for (let i = 0; i < runs; i++) {
      const start = clock();
      await session.run(feeds);
      times.push(Number(clock() - start) / 1e6);
    }
  } finally {
    await session.close();
  }
  times.sort((a, b) => a - b);
  const spread = times.length >= 5 ? { p10Ms: nearestRank(times, 0.1), p90Ms: nearestRank(times, 0.9) } : {};
  return { medianMs: median(times), ...spread, runs, warmup, threads, batch: batchOf(feeds) };
}

function checkCount(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`measureLatency: \`${name}\` must be a whole number ≥ ${min}, got ${String(value)}.`);
  }
  return value;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Axis 0 of the first input with a rank, i.e. the batch the runs used (1 for scalar inputs). */
function batchOf(feeds: Feeds): number {
  for (const t of Object.values(feeds)) if (t.dims.length > 0) return t.dims[0]!;
  return 1;
}

/**
 * One feed per graph input: axis 0 is the batch when it is symbolic or unknown; other symbolic
 * dims come from `sample`. Values repeat the sample's first item when it has the right size, else
 * a fixed pseudo-random pattern (floats) or zeros (integers, which stay valid indices).
 */
export function synthesizeFeeds(model: Model, batch: number | undefined, sample?: Feeds): Feeds {
  if (batch !== undefined) checkCount(batch, 'batch', 1);
  const feeds: Feeds = {};
  for (const input of model.graph.inputs) {
    if (input.initializer !== undefined) continue; // old exports list initializers as inputs
    const type = input.type?.kind === 'tensor' ? input.type.elemType : undefined;
    const shape = input.shape;
    if (type === undefined || shape === undefined) {
      throw new InvalidArgumentError(`Input '${input.name}' has no tensor type or shape in the model, so its latency inputs cannot be made up.`, {
        hint: 'Pass `feeds` (the inputs to time) to measureLatency, or give the model input shapes.',
      });
    }
    const dims = shape.map((d, axis) => concreteDim(input.name, d, axis, batch, sample?.[input.name]));
    feeds[input.name] = fillTensor(type, dims, sample?.[input.name], input.name);
  }
  return feeds;
}

const isStatic = (d: Dim): d is number => typeof d === 'number' && d >= 0;

function concreteDim(name: string, d: Dim, axis: number, batch: number | undefined, sample: HostTensor | undefined): number {
  if (axis === 0) {
    if (!isStatic(d)) return batch ?? 1;
    if (batch !== undefined && batch !== d) {
      throw new InvalidArgumentError(`Input '${name}' has a fixed batch of ${d}; a latency batch of ${batch} cannot be fed.`, { hint: `Use batch ${d}, or export the model with a dynamic batch axis.` });
    }
    return d;
  }
  if (isStatic(d)) return d;
  const fromSample = sample?.dims[axis];
  if (fromSample === undefined) {
    throw new InvalidArgumentError(`Input '${name}' has the symbolic dim ${d === null ? '(unnamed)' : `'${String(d)}'`} at axis ${axis}; the latency cannot be measured without a size for it.`, {
      hint: 'Pass `feeds` (the inputs to time) or `sample` (e.g. the first calibration batch) to measureLatency.',
    });
  }
  return fromSample;
}

function fillTensor(type: DataType, dims: readonly number[], sample: HostTensor | undefined, name: string): HostTensor {
  const Ctor = TYPED_ARRAY_OF[type];
  if (!Ctor) throw new InvalidArgumentError(`Input '${name}' is ${type}; mixq cannot make up latency inputs of that type.`, { hint: 'Pass `feeds` to measureLatency.' });
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new Ctor(count);
  const perItem = dims.length > 0 && dims[0]! > 0 ? count / dims[0]! : count;
  const itemOfSample = sample && sample.type === type && sample.dims.length === dims.length && sample.data.length >= perItem && sample.dims.slice(1).every((d, i) => d === dims[i + 1]);
  if (itemOfSample) {
    for (let at = 0; at < count; at += perItem) (data as TypedArray & { set(a: ArrayLike<unknown>, o: number): void }).set(sample.data.subarray(0, perItem) as ArrayLike<unknown>, at);
  } else if (data instanceof Float32Array || data instanceof Float64Array) {
    // A fixed pattern in [0, 1): reproducible, and not all zeros (kernels may shortcut zeros).
    let state = 12345;
    for (let i = 0; i < count; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      data[i] = (state >>> 8) / 16777216;
    }
  }
  return { type, dims: [...dims], data };
}

/**
 * Bytes the model takes when saved: the serialized ONNX for models under the protobuf limit; for
 * bigger ones, the model file plus its external data file as `saveModel` writes them.
 */
export function modelBytes(model: Model): number {
  const bytes = serializeModel(model);
  return bytes ? bytes.byteLength : externalLayoutBytes(model);
}

/** Size of the external-data layout (tensors of 1 KiB or more in a data file), as saveModel writes it. */
export function externalLayoutBytes(model: Model, thresholdBytes = 1024): number {
  let dataBytes = 0;
  const placeTensor = (t: Tensor): { location: string; offset: number; length: number } | undefined => {
    if (t.byteLength < thresholdBytes) return undefined;
    const placed = { location: 'model.onnx.data', offset: dataBytes, length: t.byteLength };
    dataBytes += t.byteLength;
    return placed;
  };
  return encodeModelProto(modelToProto(model, { placeTensor })).byteLength + dataBytes;
}
