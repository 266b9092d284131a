/**
 * ONNX external data: tensor bytes kept in a separate file, referenced from TensorProto.external_data
 * by `location` (a path relative to the model's directory), `offset` and `length` (decimal strings).
 *
 * Reading opens the file, checks the range against the file size and reads only that range (data
 * files are often several GiB; one tensor must fit one buffer). The location comes from the model, so
 * it is untrusted: it must stay inside the model's directory (no absolute paths, no '..' escapes).
 * Symlinks on disk are followed, since they are placed by the user, not the model (the Hugging Face
 * cache links model files into a shared blob directory).
 *
 * Writing appends tensors to one data file through a temp file that is renamed on commit.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import { FileError, InvalidArgumentError, ModelFormatError } from '../errors.js';
import { closeQuietly, errnoCode, fsyncDirSync, removeQuietly, tempPathFor, writeAllSync, writeError } from './fs-util.js';
import type { StringStringEntryProto } from './proto-types.js';

/** The external_data keys we use; values as stored in the model (strings) or already parsed. */
export interface ExternalDataEntries {
  readonly location?: string | undefined;
  readonly offset?: string | number | bigint | undefined;
  readonly length?: string | number | bigint | undefined;
}

/** Where a tensor's bytes went (for TensorProto.external_data). */
export interface ExternalDataRef {
  location: string;
  offset: number;
  length: number;
}

/** TensorProto.external_data entries as a key -> value record (later duplicates win, as in onnx). */
export function externalDataEntries(entries: readonly StringStringEntryProto[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries ?? []) out[e.key ?? ''] = e.value ?? '';
  return out;
}

/** TensorProto.external_data entries for a ref (offset/length as decimal strings, as onnx writes them). */
export function externalDataProtoEntries(ref: ExternalDataRef): StringStringEntryProto[] {
  return [
    { key: 'location', value: ref.location },
    { key: 'offset', value: String(ref.offset) },
    { key: 'length', value: String(ref.length) },
  ];
}

function label(tensorName: string | undefined): string {
  return tensorName === undefined ? 'a tensor' : `tensor '${tensorName}'`;
}

function invalid(source: string, tensorName: string | undefined, what: string, hint: string, cause?: unknown): ModelFormatError {
  return new ModelFormatError('EXTERNAL_DATA_INVALID', source, `'${source}': ${label(tensorName)} has invalid external data: ${what}.`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

const RESAVE_HINT =
  'Re-save the model with its data (e.g. onnx.save_model(model, path, save_as_external_data=True)) and keep both files together.';
const UNSAFE_HINT =
  "External data must be a relative path inside the model's directory. The model may be malicious or was saved incorrectly; re-save it with onnx.";

/**
 * Resolves a model-supplied location against `baseDir`, rejecting anything that could point outside
 * it: empty names, NUL bytes, absolute or drive-letter paths, and '..' escapes (with either slash).
 */
export function resolveExternalLocation(baseDir: string, location: string, source: string, tensorName?: string): string {
  if (location.length === 0) throw invalid(source, tensorName, 'the location is empty', RESAVE_HINT);
  if (location.includes('\0')) throw invalid(source, tensorName, 'the location contains a NUL byte', UNSAFE_HINT);
  if (path.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    throw invalid(source, tensorName, `the location '${location}' is an absolute path`, UNSAFE_HINT);
  }
  const normalized = path.posix.normalize(location.replace(/\\/g, '/'));
  if (normalized === '..' || normalized.startsWith('../')) {
    throw invalid(source, tensorName, `the location '${location}' points outside the model's directory`, UNSAFE_HINT);
  }
  const base = path.resolve(baseDir);
  const resolved = path.resolve(base, location);
  const rel = path.relative(base, resolved);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw invalid(source, tensorName, `the location '${location}' points outside the model's directory`, UNSAFE_HINT);
  }
  return resolved;
}

/** Parses an offset/length value: a non-negative decimal integer that a JS number holds exactly. */
function parseSize(
  value: string | number | bigint | undefined,
  key: string,
  source: string,
  tensorName: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  let n: bigint | undefined;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') n = Number.isInteger(value) ? BigInt(value) : undefined;
  else if (/^\s*\d+\s*$/.test(value)) n = BigInt(value.trim());
  if (n === undefined || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(source, tensorName, `${key} '${String(value)}' is not a non-negative integer`, RESAVE_HINT);
  }
  return Number(n);
}

/**
 * Reads one tensor's bytes from an external data file. `baseDir` is the directory of the .onnx file;
 * `expectedByteLength` is the size the tensor's type and shape call for (undefined: trust `length`,
 * or read to the end of the file). Returns a fresh Uint8Array (its own buffer, offset 0).
 * Throws ModelFormatError EXTERNAL_DATA_INVALID / EXTERNAL_DATA_MISSING, FileError FILE_UNREADABLE.
 */
export function readExternalData(
  baseDir: string,
  entries: ExternalDataEntries,
  expectedByteLength: number | undefined,
  source: string,
  tensorName?: string,
): Uint8Array {
  const location = entries.location;
  if (location === undefined) throw invalid(source, tensorName, "no 'location' entry", RESAVE_HINT);
  const file = resolveExternalLocation(baseDir, location, source, tensorName);
  const offset = parseSize(entries.offset, 'offset', source, tensorName) ?? 0;
  const declared = parseSize(entries.length, 'length', source, tensorName);
  if (declared !== undefined && expectedByteLength !== undefined && declared !== expectedByteLength) {
    throw invalid(
      source,
      tensorName,
      `its length is ${declared} bytes but its type and shape need ${expectedByteLength}`,
      RESAVE_HINT,
    );
  }

  let fd: number | undefined;
  try {
    try {
      fd = fs.openSync(file, 'r');
    } catch (error) {
      throw openError(file, location, baseDir, source, tensorName, error);
    }
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw invalid(source, tensorName, `'${location}' is not a regular file`, RESAVE_HINT);
    const length = declared ?? expectedByteLength ?? stat.size - offset;
    if (offset + length > stat.size || length < 0) {
      throw invalid(
        source,
        tensorName,
        `it needs bytes ${offset}..${offset + length} of '${location}', but that file has only ${stat.size} bytes`,
        `The data file is truncated or belongs to another version of the model. ${RESAVE_HINT}`,
      );
    }
    if (length > bufferConstants.MAX_LENGTH) {
      throw invalid(source, tensorName, `it is ${length} bytes, more than one buffer can hold`, 'Split the tensor or use a smaller model.');
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, out, done, Math.min(length - done, 1 << 30), offset + done);
      if (n <= 0) {
        throw invalid(source, tensorName, `'${location}' ended early while reading (was it changed during the read?)`, RESAVE_HINT);
      }
      done += n;
    }
    return out;
  } catch (error) {
    if (error instanceof ModelFormatError || error instanceof FileError) throw error;
    throw new FileError('FILE_UNREADABLE', file, `Cannot read external data file '${file}' for ${label(tensorName)}.`, {
      hint: 'Check that the file is readable and the disk is healthy.',
      cause: error,
    });
  } finally {
    closeQuietly(fd);
  }
}

function openError(
  file: string,
  location: string,
  baseDir: string,
  source: string,
  tensorName: string | undefined,
  error: unknown,
): ModelFormatError | FileError {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ModelFormatError(
      'EXTERNAL_DATA_MISSING',
      source,
      `'${source}': ${label(tensorName)} keeps its data in '${location}', but '${file}' does not exist.`,
      {
        hint: `Keep the data file '${location}' next to the .onnx file (in '${path.resolve(baseDir)}'); copy or move the model together with its data file.`,
        cause: error,
      },
    );
  }
  if (code === 'EISDIR') return invalid(source, tensorName, `'${location}' is a directory`, RESAVE_HINT, error);
  return new FileError('FILE_UNREADABLE', file, `Cannot open external data file '${file}' for ${label(tensorName)}.`, {
    hint: code === 'EACCES' || code === 'EPERM' ? 'Make the file readable by this user.' : 'Check that the file is accessible.',
    cause: error,
  });
}

export interface ExternalDataWriterOptions {
  /** The location recorded in the model (relative to the model's directory); default: the file's base name. */
  location?: string;
  /** Alignment of tensors of at least `largeThreshold` bytes (page size, so they can be memory-mapped). Default 4096. */
  largeAlignment?: number;
  /** Size from which `largeAlignment` applies. Default 1 MiB. */
  largeThreshold?: number;
  /** Alignment of all other tensors (so any element type can be viewed in place). Default 64. */
  alignment?: number;
}

/**
 * Appends tensor bytes to one external data file. Bytes go to a temp file next to `dataPath`;
 * `commit()` syncs and renames it into place, `abort()` (or any write failure) removes it, so a
 * failed save never leaves a partial data file behind. Synchronous, to fit the model serialiser.
 */
export class ExternalDataWriter {
  readonly dataPath: string;
  readonly location: string;
  private readonly largeAlignment: number;
  private readonly largeThreshold: number;
  private readonly alignment: number;
  private tmp: string | undefined;
  private fd: number | undefined;
  private end = 0;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(dataPath: string, options: ExternalDataWriterOptions = {}) {
    this.dataPath = dataPath;
    this.location = options.location ?? path.basename(dataPath);
    this.largeAlignment = options.largeAlignment ?? 4096;
    this.largeThreshold = options.largeThreshold ?? 1 << 20;
    this.alignment = options.alignment ?? 64;
    for (const [name, v] of [['largeAlignment', this.largeAlignment], ['alignment', this.alignment]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`ExternalDataWriter: ${name} must be a positive integer, got ${v}.`);
    }
  }

  /** Same as the constructor; `location` may be given as a string. Nothing touches the disk until append. */
  static open(dataPath: string, options: string | ExternalDataWriterOptions = {}): ExternalDataWriter {
    return new ExternalDataWriter(dataPath, typeof options === 'string' ? { location: options } : options);
  }

  /** Bytes written so far (including alignment padding). */
  get size(): number {
    return this.end;
  }

  /** Appends one tensor's bytes and returns where they are. */
  append(bytes: Uint8Array): ExternalDataRef {
    if (this.state !== 'open') throw new InvalidArgumentError(`ExternalDataWriter for '${this.dataPath}' is already ${this.state}.`);
    try {
      if (this.fd === undefined) {
        this.tmp = tempPathFor(this.dataPath);
        this.fd = fs.openSync(this.tmp, 'wx', 0o666);
      }
      const align = bytes.length >= this.largeThreshold ? this.largeAlignment : this.alignment;
      const offset = Math.ceil(this.end / align) * align;
      // Padding is implicit: writing past the end leaves a zero-filled gap.
      writeAllSync(this.fd, bytes, offset);
      this.end = offset + bytes.length;
      return { location: this.location, offset, length: bytes.length };
    } catch (error) {
      this.abort();
      throw writeError(this.dataPath, error);
    }
  }

  /** Makes the data file durable and moves it into place. Returns false if nothing was appended. */
  commit(): boolean {
    if (this.state !== 'open') throw new InvalidArgumentError(`ExternalDataWriter for '${this.dataPath}' is already ${this.state}.`);
    if (this.fd === undefined || this.tmp === undefined) {
      this.state = 'committed';
      return false;
    }
    try {
      // A trailing empty tensor may sit past the last written byte; extend the file so its range is valid.
      if (fs.fstatSync(this.fd).size < this.end) fs.ftruncateSync(this.fd, this.end);
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = undefined;
      fs.renameSync(this.tmp, this.dataPath);
      this.tmp = undefined;
      this.state = 'committed';
    } catch (error) {
      this.abort();
      throw writeError(this.dataPath, error);
    }
    fsyncDirSync(path.dirname(this.dataPath));
    return true;
  }

  /** Discards everything written; safe to call more than once, and after a failure. */
  abort(): void {
    if (this.state === 'committed') return;
    closeQuietly(this.fd);
    this.fd = undefined;
    if (this.tmp !== undefined) removeQuietly(this.tmp);
    this.tmp = undefined;
    this.state = 'aborted';
  }
}
