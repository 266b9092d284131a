import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { describeError, MixqError, RuntimeFailureError, UnknownNameError } from '../errors.js';
import { cloneModel, type DataType, type HostTensor, type Model } from '../ir/index.js';
import { saveModel, serializeModel } from '../onnx/index.js';
import { nearMatches } from '../util/near-match.js';
import { fromOrtTensor, toOrtTensor } from './tensors.js';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionOptions {
  /**
   * Graph optimisation level. QDQ models are evaluated with 'disabled': ORT's fused int16 kernels
   * lose precision, and we want to measure the quantization itself (as Quark does).
   */
  readonly optimization?: OptimizationLevel;
  /** Intermediate values to expose as extra outputs (for calibration), by name. */
  readonly extraOutputs?: readonly string[];
  readonly intraOpThreads?: number;
  /**
   * onnxruntime's memory pattern (default on): after the first run it allocates one block laid out
   * for every planned tensor. Off, tensors come from the arena as they are needed and freed ones
   * are reused; calibration sessions, which must stay under a memory budget, turn it off (measured
   * on a recognizer-like model at batch 32: 0.39 GB peak instead of 0.77 GB).
   */
  readonly memoryPattern?: boolean;
  /**
   * Whether onnxruntime's idle pool threads spin while waiting for work (its default: yes). The
   * search's evaluation sessions turn it off: on the real-size recognizer (64 samples, 2 cores
   * shared with other work) a QDQ pass took 4.1 s wall / 1.9 s CPU without spinning against
   * 4.9 s / 2.4 s with it, same outputs to the bit (bench/profile-eval-runtime.ts).
   */
  readonly spinning?: boolean;
}

/** onnxruntime session options for ours (exported for tests). */
export function ortSessionOptions(options: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: options.optimization ?? 'all',
    logSeverityLevel: 3,
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.memoryPattern === false ? { enableMemPattern: false } : {}),
    ...(options.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  };
}

export type Feeds = Record<string, HostTensor>;

/** An onnxruntime-node session over an IR model; the only owner of ort objects outside this folder. */
export class ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private closed = false;

  private constructor(private readonly session: ort.InferenceSession) {
    this.inputNames = session.inputNames;
    this.outputNames = session.outputNames;
  }

  /** Creates a session in memory (models over the protobuf limit go through a temporary file). */
  static async create(model: Model, options: SessionOptions = {}): Promise<ModelSession> {
    const target = options.extraOutputs?.length ? withExtraOutputs(model, options.extraOutputs) : model;
    const ortOptions = ortSessionOptions(options);
    try {
      const session = await createOrtSession(target, ortOptions);
      return new ModelSession(session);
    } catch (error) {
      // Our own errors (e.g. EXTERNAL_DATA_MISSING while serialising) already say what to do.
      if (error instanceof MixqError) throw error;
      throw new RuntimeFailureError(`onnxruntime could not load the model: ${describeError(error)}`, {
        hint: 'The model may use an operator or type the CPU runtime lacks; run `mixq inspect` on it, or report the model.',
        cause: error,
      });
    }
  }

  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Feeds> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(name, t);
      results = outputs ? await this.session.run(ortFeeds, [...outputs]) : await this.session.run(ortFeeds);
    } catch (error) {
      if (error instanceof MixqError) throw error;
      throw new RuntimeFailureError(`onnxruntime failed to run the model: ${describeError(error)}`, {
        hint: 'Check that the inputs match the model (names, shapes, types): `mixq inspect <model>` lists them.',
        cause: error,
      });
    } finally {
      for (const t of Object.values(ortFeeds)) t.dispose();
    }
    const out: Feeds = {};
    for (const [name, value] of Object.entries(results)) {
      out[name] = fromOrtTensor(name, value as ort.Tensor);
    }
    return out;
  }

  /** Element types of the tensor outputs, as onnxruntime inferred them (no inference run needed). */
  outputElementTypes(): Map<string, DataType> {
    const types = new Map<string, DataType>();
    for (const meta of this.session.outputMetadata) if (meta.isTensor) types.set(meta.name, meta.type as DataType);
    return types;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

async function createOrtSession(model: Model, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  const bytes = serializeModel(model);
  if (bytes) return ort.InferenceSession.create(bytes, options);
  // Over 2 GB: ORT needs the external data on disk next to the model file.
  const dir = mkdtempSync(join(tmpdir(), 'mixq-session-'));
  try {
    const path = join(dir, 'model.onnx');
    await saveModel(model, path, { externalData: { location: 'model.onnx.data', thresholdBytes: 1024 } });
    return await ort.InferenceSession.create(path, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of the model whose graph outputs also include the named intermediate values. */
export function withExtraOutputs(model: Model, names: readonly string[]): Model {
  const copy = cloneModel(model);
  const graph = copy.graph;
  const missing = names.filter((n) => !graph.ownValue(n));
  if (missing.length > 0) {
    const all = [...graph.ownValues()].map((v) => v.name);
    throw new UnknownNameError('tensor', missing, Object.fromEntries(missing.map((n) => [n, nearMatches(n, all)])));
  }
  for (const name of names) {
    const value = graph.ownValue(name)!;
    if (!value.isGraphOutput) graph.addOutput(value);
  }
  return copy;
}

