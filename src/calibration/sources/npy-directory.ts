/**
 * The simplest calibration layout: a directory with one `<inputName>.npy` per model input, samples
 * along the first axis, the same number of samples in every file.
 */
import { basename, extname, join } from 'node:path';
import { CalibrationDataError } from '../../errors.js';
import { checkLimit, columnsSource, countsText, npyColumn } from './columns.js';
import { isImageFile, isNpyFile, listDirectory, pathKind } from './paths.js';
import type { CalibrationSource } from './types.js';

export interface NpySourceOptions {
  /** Use at most this many samples (the first ones). */
  readonly limit?: number;
}

const LAYOUT_HINT = 'Put one <inputName>.npy per model input in the directory (samples on the first axis), or describe the data with a manifest (see calib-data/README.md).';

export async function npyDirectorySource(dir: string, options: NpySourceOptions = {}): Promise<CalibrationSource> {
  checkLimit(options.limit);
  const kind = await pathKind(dir, 'Calibration data directory');
  if (kind !== 'directory') {
    throw new CalibrationDataError(`'${dir}' is not a directory.`, { hint: LAYOUT_HINT });
  }
  const { files } = await listDirectory(dir, 'Calibration data directory');
  const npy = files.filter(isNpyFile);
  if (npy.length === 0) throw noNpyFiles(dir, files);
  const columns = await Promise.all(npy.map((f) => npyColumn(inputNameOf(f), [join(dir, f)], f)));
  const shown = dir.endsWith('/') ? dir : `${dir}/`;
  return columnsSource(columns, {
    description: `${shown} (${countsText(columns.length, sampleCountOf(columns, options.limit))})`,
    context: `The .npy files in '${dir}'`,
    limit: options.limit,
  });
}

/** One .npy file as a source with one input, named after the file. */
export async function npyFileSource(path: string, options: NpySourceOptions & { readonly inputName?: string } = {}): Promise<CalibrationSource> {
  checkLimit(options.limit);
  const column = await npyColumn(options.inputName ?? inputNameOf(path), [path]);
  return columnsSource([column], {
    description: `${path} (${countsText(1, sampleCountOf([column], options.limit))})`,
    context: `'${path}'`,
    limit: options.limit,
  });
}

/** `input_ids.npy` → `input_ids` (the extension is matched case-insensitively). */
export function inputNameOf(file: string): string {
  const name = basename(file);
  return name.slice(0, name.length - extname(name).length);
}

function sampleCountOf(columns: readonly { sampleCount: number }[], limit: number | undefined): number {
  const n = columns[0]?.sampleCount ?? 0;
  return limit === undefined ? n : Math.min(n, limit);
}

function noNpyFiles(dir: string, files: readonly string[]): CalibrationDataError {
  const images = files.filter(isImageFile).length;
  const npz = files.filter((f) => f.toLowerCase().endsWith('.npz'));
  let hint = LAYOUT_HINT;
  if (images > 0) hint = `It holds ${images} image(s): image folders need preprocessing options (size, channels, layout, mean/std); use imageFolderSource or a manifest with "images" (see calib-data/README.md).`;
  else if (npz.length > 0) hint = `.npz archives are not read: unzip ${npz[0]} (it holds one .npy per array) or np.save each array as <inputName>.npy.`;
  const what = files.length === 0 ? 'is empty' : `holds no .npy files (found ${files.length} other file${files.length === 1 ? '' : 's'})`;
  return new CalibrationDataError(`Calibration data directory '${dir}' ${what}.`, { hint });
}
