import type { Range } from '../calibration/ranges.js';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { describeError, EvaluateError, MixqError } from '../errors.js';
import type { HostTensor, Model } from '../ir/index.js';
import type { QuantPlan } from '../qdq/types.js';
import { ModelSession, WorkerPool } from '../runtime/index.js';
import { serializeModel } from '../onnx/index.js';
import { MetricAccumulator, referenceStats, type OutputMetrics, type ReferenceStats } from './metrics.js';
import { buildModel } from './pipeline.js';
import { hashParts } from './sensitivity-cache.js';
import type { EvaluateFunction, Measurement, ModelHandle } from './targets.js';

export interface EvaluatorOptions {
  readonly batchSize: number;
  /** Which model output the metrics compare (Quark's OutputIndex; default 0). */
  readonly outputIndex: number;
  readonly evaluate?: EvaluateFunction;
  readonly scoreRange?: readonly [number, number];
  /**
   * Called with each candidate model before it is loaded; throwing rejects the candidate (a failed
   * trial, as when onnxruntime refuses it). A seam for tests and for vetoing candidates.
   */
  readonly inspectCandidate?: (model: Model) => void;
}

/** A measured candidate, with the model that was measured. */
export type Measured = Measurement & { readonly model: Model };

/** A candidate that could not be built or loaded: a failed trial, not the end of a search. */
export interface Rejected {
  readonly rejected: string;
  readonly error: unknown;
}

/**
 * Runs candidate models over the calibration data and compares their output with the float
 * model's, which is computed once. Counts every full pass (an "evaluation").
 */
export class Evaluator {
  evaluations = 0;
  /** Reference-only sums of each batch, computed at the first comparison (see referenceStats). */
  private readonly referenceStats: ReferenceStats[] = [];
  private constructor(
    private readonly prepared: Model,
    private readonly ranges: ReadonlyMap<string, Range>,
    private readonly source: CalibrationSource,
    private readonly options: EvaluatorOptions,
    private readonly outputName: string,
    private readonly reference: Float32Array[],
  ) {}

  static async create(prepared: Model, ranges: ReadonlyMap<string, Range>, source: CalibrationSource, options: EvaluatorOptions): Promise<Evaluator> {
    const output = prepared.graph.outputs[options.outputIndex];
    if (!output) {
      throw new MixqError('INVALID_CONFIG', `outputIndex ${options.outputIndex} is out of range: the model has ${prepared.graph.outputs.length} output(s).`, {
        hint: `Use an index from 0 to ${prepared.graph.outputs.length - 1}.`,
      });
    }
    const reference: Float32Array[] = [];
    const session = await ModelSession.create(prepared, { optimization: 'disabled' });
    try {
      for await (const feed of source.batches(options.batchSize)) {
        const out = await session.run(feed, [output.name]);
        reference.push(Float32Array.from(out[output.name]!.data as Float32Array));
      }
    } finally {
      await session.close();
    }
    const evaluator = new Evaluator(prepared, ranges, source, options, output.name, reference);
    evaluator.evaluations = 1;
    return evaluator;
  }

  /** A digest of the float outputs on the calibration data (changes when the data does). */
  referenceDigest(): string {
    return hashParts(this.reference.map((r) => new Uint8Array(r.buffer, r.byteOffset, r.byteLength)));
  }

  /**
   * Output metrics of many plans, run in parallel worker threads (each with its own session).
   * The calibration feeds are held in memory for the workers. One evaluation per plan.
   */
  async metricsInWorkers(plans: readonly { id: string; plan: QuantPlan }[], workers: number, onDone: (id: string, m: OutputMetrics) => void): Promise<string | undefined> {
    const feeds: Record<string, HostTensor>[] = [];
    for await (const feed of this.source.batches(this.options.batchSize)) feeds.push(feed);
    const pool = WorkerPool.create(Math.min(workers, plans.length), feeds);
    let poolFailure: string | undefined;
    try {
      await Promise.all(
        plans.map(async ({ id, plan }) => {
          const bytes = serializeModel(buildModel(this.prepared, plan, this.ranges).model);
          if (!bytes) throw new MixqError('INVALID_CONFIG', 'Models over 2 GB cannot be evaluated in worker threads.', { hint: 'Use workers: 1.' });
          let outputs: Float32Array[];
          try {
            outputs = await pool.run(bytes, this.outputName);
          } catch (error) {
            // Left unmeasured: the caller measures it in this thread, where a failure is a failed trial.
            poolFailure ??= describeError(error);
            return;
          }
          this.evaluations++;
          const acc = new MetricAccumulator();
          outputs.forEach((out, b) => {
            const ref = this.reference[b]!;
            acc.add(ref, out, ref.length / Math.max(1, feeds[b] ? (Object.values(feeds[b]!)[0]?.dims[0] ?? 1) : 1));
          });
          onDone(id, acc.result());
        }),
      );
    } finally {
      await pool.close();
    }
    return poolFailure;
  }

  /** Output metrics of a plan's model on the calibration data (one evaluation), or why it was rejected. */
  async tryMetricsOf(plan: QuantPlan): Promise<OutputMetrics | Rejected> {
    const opened = await this.open(plan);
    if ('rejected' in opened) return opened;
    try {
      return await this.compare(opened.session);
    } finally {
      await opened.session.close();
    }
  }

  /** Metrics plus, when an evaluate function is set, its score (one evaluation); throws if rejected. */
  async measure(plan: QuantPlan, withScore: boolean): Promise<Measured> {
    const m = await this.tryMeasure(plan, withScore);
    if ('rejected' in m) throw m.error;
    return m;
  }

  /** Like measure(), but a candidate that cannot be built or loaded is returned as Rejected. */
  async tryMeasure(plan: QuantPlan | Model, withScore: boolean): Promise<Measured | Rejected> {
    const opened = await this.open(plan);
    if ('rejected' in opened) return opened;
    const { session, model } = opened;
    try {
      const metrics = await this.compare(session);
      const score = withScore ? await this.score(session) : undefined;
      return score === undefined ? { metrics, model } : { metrics, score, model };
    } finally {
      await session.close();
    }
  }

  /** Like measure(), for a model built elsewhere (e.g. after a BF16 pass). */
  async measureModel(model: Model, withScore: boolean): Promise<Measured> {
    const m = await this.tryMeasure(model, withScore);
    if ('rejected' in m) throw m.error;
    return m;
  }

  /** Builds (from a plan) and loads a candidate; any failure here rejects the candidate. */
  private async open(candidate: QuantPlan | Model): Promise<{ session: ModelSession; model: Model } | Rejected> {
    try {
      const model = 'graph' in candidate ? candidate : buildModel(this.prepared, candidate, this.ranges).model;
      this.options.inspectCandidate?.(model);
      // No spinning: idle ORT threads would burn the core the JS comparison needs (measured in
      // bench/profile-eval-runtime.ts, same outputs to the bit).
      return { session: await ModelSession.create(model, { optimization: 'disabled', spinning: false }), model };
    } catch (error) {
      return { rejected: describeError(error), error };
    }
  }

  /** The user's score of the float model (counts as an evaluation). */
  async scoreFloat(): Promise<number> {
    const session = await ModelSession.create(this.prepared, { optimization: 'disabled' });
    try {
      this.evaluations++;
      return await this.score(session);
    } finally {
      await session.close();
    }
  }

  private async compare(session: ModelSession): Promise<OutputMetrics> {
    this.evaluations++;
    const acc = new MetricAccumulator();
    let b = 0;
    for await (const feed of this.source.batches(this.options.batchSize)) {
      const out = await session.run(feed, [this.outputName]);
      const actual = out[this.outputName]!;
      const ref = this.reference[b]!;
      const perSample = ref.length / Math.max(1, actual.dims[0] ?? 1);
      acc.add(ref, actual.data as Float32Array, perSample, (this.referenceStats[b++] ??= referenceStats(ref, perSample)));
    }
    return acc.result();
  }

  private async score(session: ModelSession): Promise<number> {
    const evaluate = this.options.evaluate;
    if (!evaluate) throw new EvaluateError('No evaluate function was given.');
    const handle: ModelHandle = {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      run: (feeds: Record<string, HostTensor>) => session.run(feeds),
    };
    let value: unknown;
    try {
      value = await evaluate(handle);
    } catch (error) {
      if (error instanceof MixqError && error.code !== 'EVALUATE_FAILED' && error.code !== 'RUNTIME_FAILURE') throw error;
      throw new EvaluateError(`The evaluate function threw: ${describeError(error)}`, { hint: 'Fix the evaluate function; run it on the float model first to check it.', cause: error });
    }
    const [lo, hi] = this.options.scoreRange ?? [0, 1];
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new EvaluateError(`The evaluate function returned ${typeof value === 'number' ? 'NaN' : JSON.stringify(value) ?? typeof value}, not a number.`, { hint: 'Return the score as a number, e.g. top-1 accuracy in 0..1.' });
    }
    if (value < lo || value > hi) {
      throw new EvaluateError(`The evaluate function returned ${value}, outside the declared score range [${lo}, ${hi}].`, { hint: 'Return a score in the declared range, or declare the range (scoreRange).' });
    }
    return value;
  }
}
