/**
 * A JSON manifest describes calibration data that is not one `<input>.npy` per input: data split over
 * several .npy files, files not named after the input, image folders with preprocessing, or a mix.
 *
 *   {
 *     "description": "optional note",
 *     "inputs": {
 *       "<model input name>": { "file": "x.npy" }
 *                           | { "files": ["part-0.npy", "part-1.npy"] }   // samples concatenated in order
 *                           | { "images": "photos/", "recursive": false,
 *                               "preprocess": { "size": [224, 224], "resize": "cover", "interpolation": "bilinear",
 *                                               "channels": 3, "layout": "NCHW",
 *                                               "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225] } }
 *     },
 *     "limit": 1000,      // optional: use at most the first 1000 samples
 *     "batchSize": 32     // optional: preferred batch size (CalibrationSource.preferredBatchSize)
 *   }
 *
 * Relative paths are relative to the manifest's directory. Every input must yield the same number of
 * samples. Problems are reported all at once, each with its JSON path (e.g. `inputs.input.files[2]`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { CalibrationDataError, FileError } from '../../errors.js';
import { checkLimit, columnsSource, countsText, npyColumn, type InputColumn } from './columns.js';
import { imageColumn, listImages } from './image-folder.js';
import { checkPreprocess, resolvePreprocess, type ImagePreprocess } from './image-preprocess.js';
import { checkBoolean, checkKeys, checkPositiveInt, checkString, childPath, describeValue, formatIssues, isRecord, type Issues } from './json-check.js';
import { pathKind } from './paths.js';
import type { CalibrationSource } from './types.js';

export interface ManifestNpyFile {
  readonly file: string;
}
export interface ManifestNpyFiles {
  readonly files: readonly string[];
}
export interface ManifestImages {
  readonly images: string;
  readonly recursive?: boolean;
  readonly preprocess: ImagePreprocess;
}
export type ManifestInput = ManifestNpyFile | ManifestNpyFiles | ManifestImages;

export interface CalibrationManifest {
  readonly description?: string;
  readonly inputs: Readonly<Record<string, ManifestInput>>;
  readonly limit?: number;
  readonly batchSize?: number;
}

const TOP_KEYS = ['description', 'inputs', 'limit', 'batchSize'];
const KIND_KEYS = { file: ['file'], files: ['files'], images: ['images', 'recursive', 'preprocess'] } as const;

export interface ManifestSourceOptions {
  /** Use at most this many samples (the smaller of this and the manifest's own limit). */
  readonly limit?: number;
}

/** Reads, validates and opens a manifest file. */
export async function manifestSource(path: string, options: ManifestSourceOptions = {}): Promise<CalibrationSource> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FileError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', path, `Cannot read calibration manifest '${path}' (${code ?? String(error)}).`, {
      hint: 'Check the path.',
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CalibrationDataError(`Calibration manifest '${path}' is not valid JSON: ${(error as Error).message}.`, {
      hint: 'Fix the syntax (comments and trailing commas are not allowed in JSON).',
      cause: error,
    });
  }
  return sourceFromManifest(json, dirname(path), `'${path}'`, options);
}

/**
 * Opens a manifest given as a value (e.g. built in code). `baseDir` resolves relative paths;
 * `label` names the manifest in messages.
 */
export async function sourceFromManifest(value: unknown, baseDir: string, label = 'Calibration manifest', options: ManifestSourceOptions = {}): Promise<CalibrationSource> {
  checkLimit(options.limit);
  const manifest = parseManifest(value, label);
  const limit = options.limit === undefined ? manifest.limit : Math.min(options.limit, manifest.limit ?? Infinity);
  await checkPathsExist(manifest, baseDir, label);
  const columns: InputColumn[] = [];
  for (const [name, input] of Object.entries(manifest.inputs)) columns.push(await openColumn(name, input, baseDir));
  const count = Math.min(columns[0]?.sampleCount ?? 0, limit ?? Infinity);
  return columnsSource(columns, {
    description: `${label.replace(/^'(.*)'$/, '$1')} (${countsText(columns.length, count)})`,
    context: `Manifest ${label}: the inputs`,
    limit,
    preferredBatchSize: manifest.batchSize,
  });
}

/** Checks the structure of a manifest value; CalibrationDataError lists every problem with its JSON path. */
export function parseManifest(value: unknown, label = 'Calibration manifest'): CalibrationManifest {
  const issues: Issues = [];
  if (!isRecord(value)) {
    issues.push(`(top level): expected an object with "inputs", got ${describeValue(value)}`);
  } else {
    checkKeys(value, TOP_KEYS, '', issues);
    if (value['description'] !== undefined && typeof value['description'] !== 'string') issues.push(`description: expected a string, got ${describeValue(value['description'])}`);
    if (value['limit'] !== undefined) checkPositiveInt(value['limit'], 'limit', issues);
    if (value['batchSize'] !== undefined) checkPositiveInt(value['batchSize'], 'batchSize', issues);
    checkInputs(value['inputs'], issues);
  }
  if (issues.length > 0) {
    throw new CalibrationDataError(`Manifest ${label} is invalid:${formatIssues(issues)}`, {
      hint: 'See calib-data/README.md for the manifest format.',
    });
  }
  return value as unknown as CalibrationManifest;
}

function checkInputs(inputs: unknown, issues: Issues): void {
  if (!isRecord(inputs)) {
    issues.push(`inputs: ${inputs === undefined ? 'missing; expected' : 'expected'} an object mapping model input names to their data${inputs === undefined ? '' : `, got ${describeValue(inputs)}`}`);
    return;
  }
  if (Object.keys(inputs).length === 0) issues.push('inputs: empty; name at least one model input');
  for (const [name, input] of Object.entries(inputs)) checkInput(input, childPath('inputs', name), issues);
}

function checkInput(input: unknown, path: string, issues: Issues): void {
  if (!isRecord(input)) {
    issues.push(`${path}: expected an object like {"file": "x.npy"}, got ${describeValue(input)}`);
    return;
  }
  const kinds = (Object.keys(KIND_KEYS) as (keyof typeof KIND_KEYS)[]).filter((k) => k in input);
  if (kinds.length !== 1) {
    const what = kinds.length === 0 ? 'needs one of' : `has ${kinds.map((k) => `"${k}"`).join(' and ')}; use only one of`;
    issues.push(`${path}: ${what} "file" (one .npy), "files" (several .npy) or "images" (a folder)`);
    return;
  }
  const kind = kinds[0]!;
  checkKeys(input, KIND_KEYS[kind], path, issues);
  if (kind === 'file') checkString(input['file'], childPath(path, 'file'), issues);
  if (kind === 'files') checkFileList(input['files'], childPath(path, 'files'), issues);
  if (kind === 'images') {
    checkString(input['images'], childPath(path, 'images'), issues);
    if (input['recursive'] !== undefined) checkBoolean(input['recursive'], childPath(path, 'recursive'), issues);
    if (input['preprocess'] === undefined) issues.push(`${childPath(path, 'preprocess')}: required for images, at least {"size": [height, width]}`);
    else checkPreprocess(input['preprocess'], childPath(path, 'preprocess'), issues);
  }
}

function checkFileList(files: unknown, path: string, issues: Issues): void {
  if (!Array.isArray(files) || files.length === 0) {
    issues.push(`${path}: expected a non-empty array of .npy paths, got ${describeValue(files)}`);
    return;
  }
  files.forEach((f, i) => checkString(f, childPath(path, i), issues));
}

function resolvePath(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : join(baseDir, p);
}

/** Reports every missing file or folder at once, by JSON path. */
async function checkPathsExist(manifest: CalibrationManifest, baseDir: string, label: string): Promise<void> {
  const issues: Issues = [];
  const expect = async (p: string, path: string, kind: 'file' | 'directory'): Promise<void> => {
    const full = resolvePath(baseDir, p);
    const found = await pathKind(full, 'Path').catch(() => undefined);
    if (found === undefined) issues.push(`${path}: '${p}' not found (looked for ${full})`);
    else if (found !== kind) issues.push(`${path}: '${p}' is not a ${kind === 'file' ? 'file' : 'folder'}`);
  };
  for (const [name, input] of Object.entries(manifest.inputs)) {
    const at = childPath('inputs', name);
    if ('file' in input) await expect(input.file, childPath(at, 'file'), 'file');
    else if ('files' in input) for (const [i, f] of input.files.entries()) await expect(f, childPath(childPath(at, 'files'), i), 'file');
    else await expect(input.images, childPath(at, 'images'), 'directory');
  }
  if (issues.length > 0) {
    throw new CalibrationDataError(`Manifest ${label} names missing data:${formatIssues(issues)}`, {
      hint: `Relative paths are resolved against the manifest's directory (${baseDir}).`,
    });
  }
}

async function openColumn(name: string, input: ManifestInput, baseDir: string): Promise<InputColumn> {
  const at = childPath('inputs', name);
  if ('file' in input) return npyColumn(name, [resolvePath(baseDir, input.file)], `${at} ('${input.file}')`);
  if ('files' in input) return npyColumn(name, input.files.map((f) => resolvePath(baseDir, f)), `${at} (${input.files.length} files)`);
  const files = await listImages(resolvePath(baseDir, input.images), input.recursive ?? false);
  return imageColumn(name, files, resolvePreprocess(input.preprocess), `${at} ('${input.images}')`);
}
