/**
 * A folder of images as calibration data for one model input. Images are read in code-point order of
 * their path relative to the folder, decoded and preprocessed one batch at a time.
 */
import { join } from 'node:path';
import { CalibrationDataError, InvalidArgumentError } from '../../errors.js';
import { elementCount } from '../../ir/dtype.js';
import { allocSamples } from './npy-file.js';
import { checkLimit, columnsSource, countsText, type InputColumn } from './columns.js';
import { imageSampleDims, loadImageInto, resolvePreprocess, type ImagePreprocess, type ResolvedPreprocess } from './image-preprocess.js';
import { byCodePoint, IMAGE_EXTENSIONS, isImageFile, listDirectory, pathKind } from './paths.js';
import type { CalibrationSource } from './types.js';

export interface ImageFolderOptions extends ImagePreprocess {
  /** The model input the images feed. */
  readonly inputName: string;
  /** Also read images in subfolders (default false). */
  readonly recursive?: boolean;
  /** Use at most this many images (the first ones in order). */
  readonly limit?: number;
}

const FOLDER_KEYS = ['inputName', 'recursive', 'limit'];

export async function imageFolderSource(dir: string, options: ImageFolderOptions): Promise<CalibrationSource> {
  if (typeof options.inputName !== 'string' || options.inputName === '') {
    throw new InvalidArgumentError('imageFolderSource needs options.inputName: the model input the images feed.');
  }
  checkLimit(options.limit);
  const preprocess = resolvePreprocess(options, FOLDER_KEYS);
  const files = await listImages(dir, options.recursive ?? false);
  const column = imageColumn(options.inputName, files, preprocess, `'${dir}'`);
  const count = options.limit === undefined ? files.length : Math.min(files.length, options.limit);
  const shown = dir.endsWith('/') ? dir : `${dir}/`;
  return columnsSource([column], {
    description: `${shown} (${countsText(1, count)}; images → '${options.inputName}' float32 [${column.spec.dims.join(', ')}])`,
    context: `'${dir}'`,
    limit: options.limit,
  });
}

/** Paths of the image files under `dir`, sorted by their path relative to `dir`. */
export async function listImages(dir: string, recursive: boolean): Promise<string[]> {
  if ((await pathKind(dir, 'Image folder')) !== 'directory') {
    throw new CalibrationDataError(`Image folder '${dir}' is not a directory.`);
  }
  const found: string[] = [];
  await collect(dir, '', recursive, found);
  if (found.length === 0) {
    throw new CalibrationDataError(`Image folder '${dir}' holds no images${recursive ? '' : ' (subfolders were not searched)'}.`, {
      hint: `mixq reads ${[...IMAGE_EXTENSIONS].join(', ')} files${recursive ? '' : '; set recursive to search subfolders'}.`,
    });
  }
  return found.sort(byCodePoint).map((rel) => join(dir, rel));
}

async function collect(root: string, rel: string, recursive: boolean, found: string[]): Promise<void> {
  const { files, dirs } = await listDirectory(join(root, rel), 'Image folder');
  for (const f of files) if (isImageFile(f)) found.push(rel === '' ? f : `${rel}/${f}`);
  if (!recursive) return;
  for (const d of dirs) await collect(root, rel === '' ? d : `${rel}/${d}`, true, found);
}

/** A column that decodes `files` (in order) into float32 samples. */
export function imageColumn(name: string, files: readonly string[], p: ResolvedPreprocess, label: string): InputColumn {
  const dims = imageSampleDims(p);
  const per = elementCount(dims);
  return {
    name,
    label,
    sampleCount: files.length,
    spec: { type: 'float32', dims },
    open: async () => ({
      async read(start: number, count: number) {
        const tensor = allocSamples('float32', dims, count);
        for (let i = 0; i < count; i++) await loadImageInto(files[start + i]!, p, tensor.data as Float32Array, i * per);
        return tensor;
      },
      async close() {},
    }),
  };
}
