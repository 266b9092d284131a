/**
 * Streaming range collectors behind one interface: createCollector(method, options) gives a
 * RangeCollector; collectorFromJSON restores a saved one (toJSON); merge folds two together.
 */
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import { EntropyCollector } from './entropy.js';
import { StreamingHistogram } from './histogram.js';
import { MinMaxCollector } from './minmax.js';
import { MseCollector } from './mse.js';
import { PercentileCollector } from './percentile.js';
import { COLLECTOR_METHODS, type CollectorMethod, type CollectorOptions, type HistogramJSON, type MinMaxState, type RangeCollector } from './types.js';

export * from './types.js';
export { StreamingHistogram, type HistogramMode } from './histogram.js';
export { MinMaxCollector, type MinMaxOptions } from './minmax.js';
export { PercentileCollector, percentileRange, type PercentileOptions } from './percentile.js';
export { EntropyCollector, entropyHalfWidth, type EntropyOptions } from './entropy.js';
export { MseCollector, expectedError, mseRange, type MseOptions } from './mse.js';
export { HistogramCollector } from './histogram-collector.js';

export function createCollector(method: CollectorMethod, options: CollectorOptions = {}): RangeCollector {
  switch (method) {
    case 'minmax':
      return new MinMaxCollector(options);
    case 'percentile':
      return new PercentileCollector(options);
    case 'entropy':
      return new EntropyCollector(options);
    case 'mse':
      return new MseCollector(options);
    default:
      throw new InvalidArgumentError(`Unknown calibration method '${String(method)}'.`, { hint: `Use one of ${COLLECTOR_METHODS.join(', ')}.` });
  }
}

function invalid(what: string): CalibrationDataError {
  return new CalibrationDataError(`Invalid saved collector: ${what}.`, { hint: 'Collect the ranges again.' });
}

/** Restores a collector from its toJSON() form (parsed JSON); validates what it reads. */
export function collectorFromJSON(json: unknown): RangeCollector {
  if (typeof json !== 'object' || json === null) throw invalid('not an object');
  const j = json as Record<string, unknown>;
  if (j['format'] !== 'mixq-collector' || j['version'] !== 1) throw invalid("not a 'mixq-collector' version 1 object");
  const method = j['method'] as CollectorMethod;
  if (!COLLECTOR_METHODS.includes(method)) throw invalid(`method '${String(method)}'`);
  if (typeof j['options'] !== 'object' || j['options'] === null) throw invalid('options missing');
  const options = j['options'] as CollectorOptions;
  if (method === 'minmax') {
    const state = j['state'] as MinMaxState | null | undefined;
    if (typeof state !== 'object' || state === null || typeof j['count'] !== 'number') throw invalid('minmax state missing');
    return MinMaxCollector.fromJSON(options, j['count'], state);
  }
  const histogram = j['histogram'] as HistogramJSON | null | undefined;
  if (typeof histogram !== 'object' || histogram === null) throw invalid('histogram missing');
  const collector = createCollector(method, options) as PercentileCollector | EntropyCollector | MseCollector;
  return collector.restore(StreamingHistogram.fromJSON(histogram));
}

/** A new collector holding everything the given ones saw (they are left untouched). */
export function mergeCollectors(collectors: readonly RangeCollector[]): RangeCollector {
  const [first, ...rest] = collectors;
  if (!first) throw new InvalidArgumentError('mergeCollectors needs at least one collector.');
  const merged = collectorFromJSON(JSON.parse(JSON.stringify(first.toJSON())));
  for (const c of rest) merged.merge(c);
  return merged;
}
