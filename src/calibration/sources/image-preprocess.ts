/**
 * Turning an image file into model input: decode (jimp), resize, pick channels, scale to 0..1,
 * normalise per channel with mean/std, and lay out as CHW or HWC float32.
 */
import { readFile } from 'node:fs/promises';
import type { ResizeStrategy } from 'jimp';
import { CalibrationDataError, FileError, InvalidArgumentError } from '../../errors.js';
import { checkKeys, checkOneOf, checkPositiveInt, childPath, describeValue, formatIssues, isRecord, type Issues } from './json-check.js';

/**
 * stretch: scale to exactly [H, W], ignoring the aspect ratio.
 * cover: scale keeping the aspect ratio until both sides reach [H, W], then crop the centre.
 * contain: scale keeping the aspect ratio until both sides fit, then pad with black.
 */
export type ResizeMode = 'stretch' | 'cover' | 'contain';
export type Interpolation = 'nearest' | 'bilinear' | 'bicubic';
export type ImageLayout = 'NCHW' | 'NHWC';

export interface ImagePreprocess {
  /** Output [height, width]. */
  readonly size: readonly [number, number];
  /** Default 'stretch'. */
  readonly resize?: ResizeMode;
  /** Default 'bilinear'. */
  readonly interpolation?: Interpolation;
  /** 1 = grey (ITU-R 601 luma), 3 = RGB. Alpha is dropped. Default 3. */
  readonly channels?: 1 | 3;
  /** Default 'NCHW' (sample dims [C, H, W]); 'NHWC' gives [H, W, C]. */
  readonly layout?: ImageLayout;
  /** Per-channel mean subtracted after scaling pixels to 0..1; one number applies to all channels. Default 0. */
  readonly mean?: number | readonly number[];
  /** Per-channel divisor applied after the mean; default 1. */
  readonly std?: number | readonly number[];
}

export interface ResolvedPreprocess {
  readonly height: number;
  readonly width: number;
  readonly resize: ResizeMode;
  readonly interpolation: Interpolation;
  readonly channels: 1 | 3;
  readonly layout: ImageLayout;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export const PREPROCESS_KEYS = ['size', 'resize', 'interpolation', 'channels', 'layout', 'mean', 'std'] as const;
const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'cover', 'contain'];
const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic'];
const LAYOUTS: readonly ImageLayout[] = ['NCHW', 'NHWC'];

/** Collects problems with a preprocess object (from JSON or from API options) into `issues`. */
export function checkPreprocess(value: unknown, path: string, issues: Issues, extraKeys: readonly string[] = []): void {
  if (!isRecord(value)) {
    issues.push(`${path}: expected an object like {"size": [224, 224]}, got ${describeValue(value)}`);
    return;
  }
  checkKeys(value, [...PREPROCESS_KEYS, ...extraKeys], path, issues);
  const size = value['size'];
  if (!Array.isArray(size) || size.length !== 2) issues.push(`${childPath(path, 'size')}: expected [height, width], got ${describeValue(size)}`);
  else size.forEach((d, i) => checkPositiveInt(d, childPath(childPath(path, 'size'), i), issues));
  if (value['resize'] !== undefined) checkOneOf(value['resize'], RESIZE_MODES, childPath(path, 'resize'), issues);
  if (value['interpolation'] !== undefined) checkOneOf(value['interpolation'], INTERPOLATIONS, childPath(path, 'interpolation'), issues);
  if (value['layout'] !== undefined) checkOneOf(value['layout'], LAYOUTS, childPath(path, 'layout'), issues);
  const channels = value['channels'] ?? 3;
  if (checkOneOf(channels, [1, 3], childPath(path, 'channels'), issues)) {
    checkPerChannel(value['mean'], channels, childPath(path, 'mean'), issues, false);
    checkPerChannel(value['std'], channels, childPath(path, 'std'), issues, true);
  }
}

function checkPerChannel(value: unknown, channels: number, path: string, issues: Issues, nonZero: boolean): void {
  if (value === undefined) return;
  const list = typeof value === 'number' ? [value] : value;
  const ok = Array.isArray(list) && (list.length === 1 || list.length === channels) && list.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok) issues.push(`${path}: expected a number or ${channels} numbers (one per channel), got ${describeValue(value)}`);
  else if (nonZero && list.some((v) => v === 0)) issues.push(`${path}: must not be 0 (it divides)`);
}

/** Checks API options and fills in defaults; InvalidArgumentError lists every problem. */
export function resolvePreprocess(options: ImagePreprocess, extraKeys: readonly string[] = []): ResolvedPreprocess {
  const issues: Issues = [];
  checkPreprocess(options, 'options', issues, extraKeys);
  if (issues.length > 0) throw new InvalidArgumentError(`Invalid image preprocessing options:${formatIssues(issues)}`);
  const channels = options.channels ?? 3;
  const perChannel = (v: number | readonly number[] | undefined, fallback: number): number[] => {
    const list = v === undefined ? [fallback] : typeof v === 'number' ? [v] : [...v];
    return list.length === 1 ? Array.from({ length: channels }, () => list[0]!) : list;
  };
  return {
    height: options.size[0],
    width: options.size[1],
    resize: options.resize ?? 'stretch',
    interpolation: options.interpolation ?? 'bilinear',
    channels,
    layout: options.layout ?? 'NCHW',
    mean: perChannel(options.mean, 0),
    std: perChannel(options.std, 1),
  };
}

/** Dims of one preprocessed image, without the batch axis. */
export function imageSampleDims(p: ResolvedPreprocess): number[] {
  return p.layout === 'NCHW' ? [p.channels, p.height, p.width] : [p.height, p.width, p.channels];
}

// jimp's ResizeStrategy values, spelled out so that jimp is loaded only when images are read.
const STRATEGY: Readonly<Record<Interpolation, `${ResizeStrategy}`>> = {
  nearest: 'nearestNeighbor',
  bilinear: 'bilinearInterpolation',
  bicubic: 'bicubicInterpolation',
};

type JimpModule = typeof import('jimp');
type JimpImage = Awaited<ReturnType<JimpModule['Jimp']['fromBuffer']>>;

let jimp: Promise<JimpModule> | undefined;

/** jimp takes about 0.3 s to load: only pay for it when a source actually decodes images. */
function loadJimp(): Promise<JimpModule> {
  jimp ??= import('jimp');
  return jimp;
}

/** Decodes `file`, preprocesses it, and writes its C*H*W floats into `out` from `offset`. */
export async function loadImageInto(file: string, p: ResolvedPreprocess, out: Float32Array, offset: number): Promise<void> {
  const image = resizeImage(await decode(file), p);
  writePixels(image.bitmap.data, p, out, offset);
}

async function decode(file: string): Promise<JimpImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new FileError('FILE_UNREADABLE', file, `Cannot read image '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, { cause: error });
  }
  const { Jimp } = await loadJimp();
  try {
    return await Jimp.fromBuffer(bytes);
  } catch (error) {
    throw new CalibrationDataError(`Cannot decode image '${file}': ${(error as Error).message}.`, {
      hint: 'Remove the file or re-encode it as PNG, JPEG, BMP, GIF or TIFF.',
      cause: error,
    });
  }
}

function resizeImage(image: JimpImage, p: ResolvedPreprocess): JimpImage {
  const { width: w, height: h } = p;
  // Images already at the target size are used as they are: resampling them would only blur.
  if (image.bitmap.width === w && image.bitmap.height === h) return image;
  const mode = STRATEGY[p.interpolation] as ResizeStrategy;
  if (p.resize === 'cover') return image.cover({ w, h, mode }) as JimpImage;
  if (p.resize === 'contain') return image.contain({ w, h, mode }) as JimpImage;
  return image.resize({ w, h, mode }) as JimpImage;
}

/** RGBA bytes → normalised floats in the requested channel count and layout. */
function writePixels(rgba: Uint8Array, p: ResolvedPreprocess, out: Float32Array, offset: number): void {
  const { width, height, channels, mean, std } = p;
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    const r = rgba[4 * i]!;
    const g = rgba[4 * i + 1]!;
    const b = rgba[4 * i + 2]!;
    for (let c = 0; c < channels; c++) {
      // Grey uses the fixed-point ITU-R 601 luma that common imaging libraries use, so grey values match theirs.
      const v = channels === 1 ? (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16 : c === 0 ? r : c === 1 ? g : b;
      const at = p.layout === 'NCHW' ? c * plane + i : i * channels + c;
      out[offset + at] = (v / 255 - mean[c]!) / std[c]!;
    }
  }
}
