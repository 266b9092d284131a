/** Option parsers and the option groups quantize and auto share. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CalibrationSource } from '../calibration/sources/types.js';
import { openCalibrationSource } from '../calibration/sources/open.js';
import { ConfigError } from '../errors.js';
import type { MixedPrecisionTensor } from '../qdq/types.js';
import { readJsonFile } from './files.js';

/** A finite number (commander turns the thrown error into a usage error, exit 2). */
export function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`'${value}' is not a number.`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 1.`);
  return n;
}

export function parseWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number ≥ 0.`);
  return n;
}

export function parsePositive(value: string): number {
  const n = parseNumber(value);
  if (n <= 0) throw new InvalidArgumentError(`'${value}' must be > 0.`);
  return n;
}

export const CALIBRATION_METHODS = ['minmax', 'percentile', 'entropy', 'mse'] as const;
export type CalibrationMethodName = (typeof CALIBRATION_METHODS)[number];

export interface CalibrationOptions {
  calib?: string;
  calibMethod?: CalibrationMethodName;
  calibLimit?: number;
  batchSize?: number;
  /** --memory-budget, already in bytes. */
  memoryBudget?: number;
}

/** --memory-budget <MB>: a number of megabytes (MiB) > 0, returned in bytes. */
export function parseMemoryBudget(value: string): number {
  const mb = Number(value);
  if (value.trim() === '' || !Number.isFinite(mb) || mb <= 0) throw new InvalidArgumentError(`'${value}' is not a number of megabytes > 0.`);
  return Math.round(mb * 1024 * 1024);
}

/** --calib, --calib-method, --calib-limit, --batch-size, --memory-budget. */
export function addCalibrationOptions(cmd: Command): Command {
  return cmd
    .option('--calib <path>', 'calibration data: a directory of <input>.npy files, one .npy file, or a manifest .json (see calib-data/README.md)')
    .addOption(new Option('--calib-method <method>', 'how activation ranges are chosen').choices(CALIBRATION_METHODS))
    .option('--calib-limit <n>', 'use at most this many calibration samples', parseCount)
    .option('--batch-size <n>', 'samples per model run', parseCount)
    .option('--memory-budget <MB>', 'memory a calibration pass may take for activations, in MB (default 1024); the batch size comes down to fit', parseMemoryBudget);
}

/** The calibration settings of these options, as API config fields. */
export function calibrationTuning(opts: CalibrationOptions): { batchSize?: number; memoryBudgetBytes?: number } {
  return {
    ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
    ...(opts.memoryBudget !== undefined ? { memoryBudgetBytes: opts.memoryBudget } : {}),
  };
}

export async function openCalibration(opts: CalibrationOptions): Promise<CalibrationSource> {
  if (opts.calib === undefined) {
    throw new ConfigError('Calibration data is required: pass --calib <dir|file.npy|manifest.json>.', { hint: 'The repository ships a set for the example models: --calib calib-data/' });
  }
  return openCalibrationSource(opts.calib, opts.calibLimit === undefined ? {} : { limit: opts.calibLimit });
}

/** --mixed map.json: `{ "Int8": [...], "Int16": [...], "BFloat16": [...], "Float32": [...] }`. */
export async function readPrecisionMap(path: string): Promise<MixedPrecisionTensor> {
  const hint = 'Write an object of lists of tensor names, e.g. { "Int16": ["conv1_out"], "Float32": ["logits"] }.';
  const data = await readJsonFile(path, 'Precision map', hint);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`Precision map '${path}' must be a JSON object, not ${Array.isArray(data) ? 'a list' : data === null ? 'null' : typeof data}.`, { hint });
  }
  // Key and name checks (with near matches) happen in quantize(), against the model's tensors.
  return data as MixedPrecisionTensor;
}
