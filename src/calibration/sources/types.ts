import type { DataType, HostTensor } from '../../ir/dtype.js';

/** One model run's inputs: input name → tensor whose axis 0 is the batch. */
export type Feed = Record<string, HostTensor>;

/** What one sample of an input looks like: element type and dims without the batch axis. */
export interface SampleSpec {
  readonly type: DataType;
  readonly dims: readonly number[];
}

/**
 * Where calibration samples come from. Implementations read lazily: `batches` holds at most one
 * batch (plus one read buffer) in memory, so a data set larger than RAM can be used.
 */
export interface CalibrationSource {
  /** For messages and logs, e.g. "calib-data/ (2 inputs, 256 samples)". */
  readonly description: string;
  readonly inputNames: readonly string[];
  /** Total number of samples, or undefined when it cannot be known without reading (iterables). */
  readonly sampleCount: number | undefined;
  /**
   * Per-input sample type and dims, when known without reading data. Optional so that API users can
   * write their own sources; `validateAgainstModelInputs` reads one batch when it is missing.
   */
  readonly sampleSpecs?: Readonly<Record<string, SampleSpec>>;
  /** A batch size the data's author asked for (manifest `batchSize`); callers may ignore it. */
  readonly preferredBatchSize?: number;
  /**
   * Feeds of `batchSize` samples each (the last one may be smaller). Every call starts over from the
   * first sample, so a source can be read several times (e.g. a min/max pass then a histogram pass).
   */
  batches(batchSize: number): AsyncIterable<Feed>;
}

/** A model input as the calibration code sees it (the ir layer's graph inputs map onto this). */
export interface ModelInputSpec {
  readonly name: string;
  readonly type: DataType;
  /** Static sizes as numbers; symbolic (string), unknown (null) or negative sizes accept anything. */
  readonly dims: readonly (number | string | null)[];
}
