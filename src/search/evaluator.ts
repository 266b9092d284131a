/**
 * The one place a search runs a candidate: it builds the model, loads it, runs it (over the
 * calibration data against the float model's output, and/or through the user's evaluate function),
 * counts the evaluation and releases the session. A candidate that cannot be built or loaded is
 * Rejected — a failed trial the search records and steps over — never the end of the search.
 */
import { limitedBatches } from '../calibration/batches.js';
import { batchLength } from '../calibration/probe.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { describeError, MixqError } from '../errors.js';
import type { HostTensor, Model } from '../ir/index.js';
import { serializeModel } from '../onnx/index.js';
import { ModelSession, WorkerPool } from '../runtime/index.js';
import { leadingStats, MetricAccumulator, referenceStats, type OutputMetrics, type ReferenceStats } from './metrics.js';
import { checkEvaluateFunction, checkScoreRange, scoreWith, type CandidateHandle, type EvaluateFunction, type ScoreRange } from './score.js';
import { hashParts } from './sensitivity-cache.js';
import type { Measurement } from './targets.js';

export interface EvaluatorOptions {
  /** Compare one output with the float model's over this data (output metrics); absent: scores only. */
  readonly reference?: { readonly source: CalibrationSource; readonly batchSize: number; readonly outputIndex: number };
  readonly evaluate?: EvaluateFunction;
  /** Declared range of evaluate's score; a score outside it is an error (absent: any finite number). */
  readonly scoreRange?: ScoreRange;
  /**
   * Called with each candidate model before it is loaded; throwing rejects the candidate (a failed
   * trial, as when onnxruntime refuses it). A seam for tests and for vetoing candidates.
   */
  readonly inspectCandidate?: (model: Model) => void;
}

/** A model to evaluate, or the recipe that builds it (a build error rejects it), and what it is. */
export interface Candidate {
  readonly model: Model | (() => Model);
  readonly label: string;
  /** Float-mix candidates: the nodes computing in 16 bits (passed on to evaluate). */
  readonly convertedNodes?: readonly string[];
}

/** A measured candidate, with the model that was measured. */
export type Measured = Measurement & { readonly model: Model };

/** A candidate scored by evaluate only (no output metrics). */
export interface Scored {
  readonly model: Model;
  readonly score: number;
}

/** Runs of candidates that share one session (Evaluator.openShared). */
export interface SharedRuns {
  /** Output metrics with these constants fed (one evaluation). */
  metrics(constants: Readonly<Record<string, HostTensor>>): Promise<OutputMetrics>;
  close(): Promise<void>;
}

/** A candidate that could not be built or loaded: a failed trial, not the end of a search. */
export interface Rejected {
  readonly rejected: string;
  readonly error: unknown;
}

interface Reference {
  readonly source: CalibrationSource;
  readonly batchSize: number;
  readonly outputName: string;
  readonly outputs: Float32Array[];
  /** Samples in the calibration data (summed over its batches). */
  readonly samples: number;
}

export class Evaluator {
  /** Full passes run so far (the float reference, each candidate measured or scored). */
  evaluations = 0;
  /** Batches run through compare() so far (sensitivity on a subset runs fewer). */
  batchesRun = 0;
  /** Reference-only sums of each batch, computed at the first comparison (see referenceStats). */
  private readonly referenceStats: ReferenceStats[] = [];

  private constructor(
    private readonly prepared: Model,
    private readonly options: EvaluatorOptions,
    private readonly reference: Reference | undefined,
  ) {}

  static async create(prepared: Model, options: EvaluatorOptions): Promise<Evaluator> {
    if (options.evaluate !== undefined) checkEvaluateFunction(options.evaluate);
    checkScoreRange(options.scoreRange);
    if (!options.reference) return new Evaluator(prepared, options, undefined);
    const { source, batchSize, outputIndex } = options.reference;
    const output = prepared.graph.outputs[outputIndex];
    if (!output) {
      throw new MixqError('INVALID_CONFIG', `outputIndex ${outputIndex} is out of range: the model has ${prepared.graph.outputs.length} output(s).`, {
        hint: `Use an index from 0 to ${prepared.graph.outputs.length - 1}.`,
      });
    }
    const outputs: Float32Array[] = [];
    let samples = 0;
    const session = await ModelSession.create(prepared, { optimization: 'disabled' });
    try {
      for await (const feed of source.batches(batchSize)) {
        samples += batchLength(feed);
        const out = await session.run(feed, [output.name]);
        outputs.push(Float32Array.from(out[output.name]!.data as Float32Array));
      }
    } finally {
      await session.close();
    }
    const evaluator = new Evaluator(prepared, options, { source, batchSize, outputName: output.name, outputs, samples });
    evaluator.evaluations = 1;
    return evaluator;
  }

  /** Samples in the reference data (0 without a reference). */
  get samples(): number {
    return this.reference?.samples ?? 0;
  }

  /** A digest of the float outputs on the calibration data (changes when the data does). */
  referenceDigest(): string {
    return hashParts((this.reference?.outputs ?? []).map((r) => new Uint8Array(r.buffer, r.byteOffset, r.byteLength)));
  }

  /** Output metrics plus, when `withScore`, the evaluate score (one evaluation); or why it was rejected. */
  async tryMeasure(candidate: Candidate, withScore: boolean): Promise<Measured | Rejected> {
    return this.withCandidate(candidate, async (open) => {
      const metrics = await this.compare(open);
      const score = withScore ? await this.score(open, candidate) : undefined;
      return score === undefined ? { metrics, model: open.model } : { metrics, score, model: open.model };
    });
  }

  /**
   * Output metrics only (one evaluation); or why it was rejected. `samples`: compare on the first
   * that many samples only (the last batch truncated; absent: all of them), for a cheap ranking.
   */
  async tryMetrics(candidate: Candidate, samples?: number): Promise<OutputMetrics | Rejected> {
    return this.withCandidate(candidate, (open) => this.compare(open, samples));
  }

  /** The evaluate score only (one evaluation); or why it was rejected. */
  async tryScore(candidate: Candidate): Promise<Scored | Rejected> {
    return this.withCandidate(candidate, async (open) => ({ model: open.model, score: await this.score(open, candidate) }));
  }

  /** Like tryMeasure(), for a model that must work (the wide model): a rejection is thrown. */
  async measure(candidate: Candidate, withScore: boolean): Promise<Measured> {
    return orThrow(await this.tryMeasure(candidate, withScore));
  }

  /** The user's score of the float model itself (counts as an evaluation; a failure is thrown). */
  async scoreFloat(label = 'float model'): Promise<number> {
    const float: Candidate = { model: this.prepared, label };
    return orThrow(await this.withCandidate(float, (open) => this.score(open, float), false));
  }

  /**
   * Output metrics of many candidates, run in parallel worker threads (each with its own session).
   * The calibration feeds are held in memory for the workers. One evaluation per candidate; a
   * candidate a worker could not run is left out (returns the first reason): measure it here.
   */
  async metricsInWorkers(todo: readonly { id: string; candidate: Candidate }[], workers: number, onDone: (id: string, m: OutputMetrics) => void, samples?: number): Promise<string | undefined> {
    const reference = this.requireReference();
    const feeds: Record<string, HostTensor>[] = [];
    for await (const feed of limitedBatches(reference.source, reference.batchSize, samples)) feeds.push(copyOf(feed));
    const pool = WorkerPool.create(Math.min(workers, todo.length), feeds);
    let failure: string | undefined;
    try {
      await Promise.all(
        todo.map(async ({ id, candidate }) => {
          let outputs: Float32Array[];
          try {
            const model = typeof candidate.model === 'function' ? candidate.model() : candidate.model;
            this.options.inspectCandidate?.(model);
            const bytes = serializeModel(model);
            if (!bytes) throw new MixqError('INVALID_CONFIG', 'Models over 2 GB cannot be evaluated in worker threads.', { hint: 'Use workers: 1.' });
            outputs = await pool.run(bytes, reference.outputName);
          } catch (error) {
            failure ??= describeError(error);
            return;
          }
          this.evaluations++;
          const acc = new MetricAccumulator();
          outputs.forEach((out, b) => {
            // A truncated last batch is compared with the same leading samples of the reference.
            const ref = reference.outputs[b]!.subarray(0, out.length);
            acc.add(ref, out, ref.length / Math.max(1, batchLength(feeds[b] ?? {})));
          });
          onDone(id, acc.result());
        }),
      );
    } finally {
      await pool.close();
    }
    return failure;
  }

  /** Builds, inspects and (lazily) loads a candidate around `use`; build or load failures reject it. */
  private async withCandidate<T>(candidate: Candidate, use: (open: OpenCandidate) => Promise<T>, inspect = true): Promise<T | Rejected> {
    let model: Model;
    try {
      model = typeof candidate.model === 'function' ? candidate.model() : candidate.model;
      if (inspect) this.options.inspectCandidate?.(model);
    } catch (error) {
      return { rejected: describeError(error), error };
    }
    const open = new OpenCandidate(model);
    this.evaluations++;
    try {
      return await use(open);
    } catch (error) {
      if (open.loadError === undefined) throw error;
      // onnxruntime refused the model: it was never evaluated.
      this.evaluations--;
      return { rejected: describeError(open.loadError), error: open.loadError };
    } finally {
      await open.close();
    }
  }

  private async compare(open: OpenCandidate, samples?: number): Promise<OutputMetrics> {
    const reference = this.requireReference();
    const session = await open.session();
    return this.compareOver(limitedBatches(reference.source, reference.batchSize, samples), (feed) => session.run(feed, [reference.outputName]));
  }

  /** Metrics of `run`'s output against the reference, batch by batch over `feeds` (the data's leading batches). */
  private async compareOver(feeds: AsyncIterable<Feeds> | Iterable<Feeds>, run: (feed: Feeds) => Promise<Feeds>): Promise<OutputMetrics> {
    const reference = this.requireReference();
    const acc = new MetricAccumulator();
    let b = 0;
    for await (const feed of feeds) {
      const out = await run(feed);
      const actual = out[reference.outputName]!;
      const data = actual.data as Float32Array;
      const full = reference.outputs[b]!;
      const perSample = data.length / Math.max(1, actual.dims[0] ?? 1);
      // Reference sums are per sample: a truncated batch (the first samples only) takes the leading ones.
      const fullStats = (this.referenceStats[b] ??= referenceStats(full, perSample));
      const stats = data.length === full.length ? fullStats : leadingStats(fullStats, data.length);
      acc.add(full.subarray(0, data.length), data, perSample, stats);
      b++;
    }
    this.batchesRun += b;
    return acc.result();
  }

  /**
   * A session over a model that runs many candidates, each given by the constants it feeds
   * (qdq/parametric.ts), compared on the first `samples` samples (absent: all). The samples are read
   * from the data once (kept in memory up to FEED_CACHE_BYTES, else read again per run). Each run
   * counts one evaluation, as when the candidate is built and loaded on its own. Rejected: the
   * shared model would not load (nothing ran).
   */
  async openShared(shared: Model, samples?: number): Promise<SharedRuns | Rejected> {
    const reference = this.requireReference();
    let session: ModelSession;
    try {
      session = await ModelSession.create(shared, { optimization: 'disabled', spinning: false });
    } catch (error) {
      return { rejected: describeError(error), error };
    }
    try {
      const data = await cachedBatches(() => limitedBatches(reference.source, reference.batchSize, samples), FEED_CACHE_BYTES);
      return {
        metrics: (constants) => {
          this.evaluations++;
          return this.compareOver(data(), (feed) => session.run({ ...feed, ...constants }, [reference.outputName]));
        },
        close: () => session.close(),
      };
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  private async score(open: OpenCandidate, candidate: Candidate): Promise<number> {
    const evaluate = this.options.evaluate;
    if (!evaluate) throw new MixqError('INVALID_CONFIG', 'No evaluate function was given.', { hint: 'Pass evaluate: async (model) => score.' });
    const graph = open.model.graph;
    const handle: CandidateHandle = {
      label: candidate.label,
      model: open.model,
      convertedNodes: candidate.convertedNodes ?? [],
      inputNames: graph.inputs.filter((v) => !v.initializer).map((v) => v.name),
      outputNames: graph.outputs.map((v) => v.name),
      run: async (feeds) => (await open.session()).run(feeds),
    };
    return scoreWith(evaluate, handle, this.options.scoreRange);
  }

  private requireReference(): Reference {
    if (!this.reference) throw new MixqError('INVALID_CONFIG', 'This evaluator compares no outputs (it was created without a reference).');
    return this.reference;
  }
}

/** A candidate's session, created on first use (an evaluate function that never runs it costs no load). */
class OpenCandidate {
  loadError: unknown;
  private created: Promise<ModelSession> | undefined;

  constructor(readonly model: Model) {}

  session(): Promise<ModelSession> {
    // No spinning: idle ORT threads would burn the core the JS comparison needs (measured in
    // bench/profile-eval-runtime.ts, same outputs to the bit).
    this.created ??= ModelSession.create(this.model, { optimization: 'disabled', spinning: false }).catch((error: unknown) => {
      this.loadError = error;
      throw error;
    });
    return this.created;
  }

  async close(): Promise<void> {
    if (this.created) await this.created.then((s) => s.close(), () => undefined);
  }
}

/** Input bytes the shared-session path keeps in memory instead of reading the data again per candidate. */
const FEED_CACHE_BYTES = 256 * 1024 * 1024;

type Feeds = Record<string, HostTensor>;

/**
 * The batches of `read()`, held in memory (copied) when they fit in `maxBytes`, else read afresh each time.
 */
async function cachedBatches(read: () => AsyncIterable<Feeds>, maxBytes: number): Promise<() => AsyncIterable<Feeds> | Iterable<Feeds>> {
  const held: Feeds[] = [];
  let bytes = 0;
  for await (const feed of read()) {
    for (const t of Object.values(feed)) bytes += t.data.byteLength;
    if (bytes > maxBytes) return read;
    held.push(copyOf(feed));
  }
  return () => held;
}

/** A feed that owns its data (sources may reuse their buffers from one batch to the next). */
const copyOf = (feed: Feeds): Feeds => Object.fromEntries(Object.entries(feed).map(([name, t]) => [name, { ...t, data: t.data.slice() }]));

function orThrow<T>(result: T | Rejected): T {
  if (typeof result === 'object' && result !== null && 'rejected' in result) throw (result as Rejected).error;
  return result as T;
}
