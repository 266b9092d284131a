/**
 * One entry point for "calibration data" as users give it (a CLI path or an API value): picks the
 * source that can read it, or says what is missing.
 */
import { extname, join } from 'node:path';
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import { imageFolderSource, type ImageFolderOptions } from './image-folder.js';
import { iterableSource, type FeedIterable } from './iterable.js';
import { isRecord } from './json-check.js';
import { manifestSource } from './manifest.js';
import { npyDirectorySource, npyFileSource } from './npy-directory.js';
import { isImageFile, isNpyFile, listDirectory, pathKind } from './paths.js';
import type { CalibrationSource, Feed } from './types.js';

/** What openCalibrationSource accepts besides a path. */
export type CalibrationData = CalibrationSource | Feed | FeedIterable | (() => FeedIterable);

export interface OpenCalibrationOptions {
  /** Use at most this many samples (for paths; sources and in-memory data are used whole). */
  readonly limit?: number;
  /** Read a directory as an image folder with this preprocessing. */
  readonly images?: ImageFolderOptions;
}

/** A directory may hold this manifest instead of `<input>.npy` files. */
export const DIRECTORY_MANIFEST = 'manifest.json';

/**
 * - a directory with `manifest.json` → that manifest; with .npy files → one input per file;
 *   with images → an image folder (needs `options.images`)
 * - a `.json` file → a manifest; a `.npy` file → one input named after the file
 * - a CalibrationSource → itself; a feed, an array / iterable of feeds, or a function returning one
 *   → iterableSource
 */
export async function openCalibrationSource(data: string | CalibrationData, options: OpenCalibrationOptions = {}): Promise<CalibrationSource> {
  if (typeof data === 'string') return openPath(data, options);
  if (isCalibrationSource(data)) return data;
  if (typeof data === 'function' || isIterableLike(data)) return iterableSource(data as FeedIterable | (() => FeedIterable));
  if (isRecord(data)) return iterableSource([data as Feed]);
  throw new InvalidArgumentError(`Cannot use ${typeof data} as calibration data.`, {
    hint: 'Pass a path, a CalibrationSource, a feed (input name → tensor), or an array / iterable of feeds.',
  });
}

function isCalibrationSource(x: unknown): x is CalibrationSource {
  return isRecord(x) && typeof x['batches'] === 'function' && Array.isArray(x['inputNames']);
}

function isIterableLike(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (Symbol.iterator in x || Symbol.asyncIterator in x);
}

async function openPath(path: string, options: OpenCalibrationOptions): Promise<CalibrationSource> {
  const kind = await pathKind(path, 'Calibration data');
  const limit = options.limit === undefined ? {} : { limit: options.limit };
  if (kind === 'directory') return openDirectory(path, options);
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return manifestSource(path, limit);
  if (ext === '.npy') return npyFileSource(path, limit);
  const hint = isImageFile(path)
    ? 'Give the folder that holds the images (with image preprocessing options), not one image.'
    : 'Give a directory of <inputName>.npy files, one .npy file, or a manifest .json (see calib-data/README.md).';
  throw new CalibrationDataError(`Cannot tell how to read calibration data from '${path}'.`, { hint });
}

async function openDirectory(dir: string, options: OpenCalibrationOptions): Promise<CalibrationSource> {
  if (options.images !== undefined) {
    return imageFolderSource(dir, options.limit === undefined ? options.images : { ...options.images, limit: options.limit });
  }
  const { files } = await listDirectory(dir, 'Calibration data directory');
  const limit = options.limit === undefined ? {} : { limit: options.limit };
  if (files.includes(DIRECTORY_MANIFEST)) return manifestSource(join(dir, DIRECTORY_MANIFEST), limit);
  if (!files.some(isNpyFile) && files.some(isImageFile)) {
    throw new CalibrationDataError(`'${dir}' holds images, and reading images needs preprocessing options.`, {
      hint: 'Say how to turn them into model input (size [H, W], channels, layout, mean/std): pass `images` options, or put a manifest.json with an "images" input in the folder (see calib-data/README.md).',
    });
  }
  return npyDirectorySource(dir, limit);
}
