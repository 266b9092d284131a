import { readFile } from 'node:fs/promises';
import { CalibrationDataError, FileError } from '../errors.js';

/** A calibrated float range of one tensor. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

/** What a ranges file holds: enough to tell whether it fits the model it is used with. */
export interface RangesFile {
  readonly format: 'mixq-ranges';
  readonly version: 1;
  readonly method: CalibrationMethod;
  /** sha256 of the float model the ranges were collected on. */
  readonly modelHash: string;
  readonly samples: number;
  readonly ranges: Record<string, Range>;
}

export function rangesToJson(ranges: ReadonlyMap<string, Range>, meta: { method: CalibrationMethod; modelHash: string; samples: number }): RangesFile {
  const sorted = [...ranges].sort((a, b) => a[0].localeCompare(b[0]));
  return { format: 'mixq-ranges', version: 1, ...meta, ranges: Object.fromEntries(sorted.map(([k, r]) => [k, { min: r.min, max: r.max }])) };
}

/** Reads a ranges file written by `mixq quantize --save-ranges` (or rangesToJson), validating it. */
export async function loadRangesFile(path: string, expectedModelHash?: string): Promise<{ file: RangesFile; ranges: Map<string, Range> }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new FileError('FILE_NOT_FOUND', path, `Cannot read ranges file ${path}.`, { hint: 'Check the path, or calibrate again without --ranges.', cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CalibrationDataError(`${path} is not valid JSON.`, { hint: 'Regenerate it with --save-ranges.', cause: error });
  }
  const file = parsed as Partial<RangesFile>;
  if (file.format !== 'mixq-ranges' || file.version !== 1 || typeof file.ranges !== 'object' || file.ranges === null) {
    throw new CalibrationDataError(`${path} is not a mixq ranges file (format 'mixq-ranges', version 1).`, { hint: 'Regenerate it with --save-ranges.' });
  }
  if (expectedModelHash && file.modelHash !== expectedModelHash) {
    throw new CalibrationDataError(`${path} was collected on a different model (hash ${String(file.modelHash).slice(0, 12)}…, this model ${expectedModelHash.slice(0, 12)}…).`, {
      hint: 'Calibrate again for this model, or pass the ranges file made for it.',
    });
  }
  const ranges = new Map<string, Range>();
  for (const [name, r] of Object.entries(file.ranges)) {
    if (typeof r?.min !== 'number' || typeof r?.max !== 'number' || !Number.isFinite(r.min) || !Number.isFinite(r.max) || r.min > r.max) {
      throw new CalibrationDataError(`${path}: range of '${name}' is invalid (${JSON.stringify(r)}).`, { hint: 'Regenerate the file with --save-ranges.' });
    }
    ranges.set(name, { min: r.min, max: r.max });
  }
  return { file: file as RangesFile, ranges };
}
