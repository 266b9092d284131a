/**
 * Whole-file reads and atomic writes with errors that name the path and say what to do.
 * External tensor data (reading ranges, writing a .data file) lives in external-data.ts and is
 * re-exported here.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { FileError, MixqError, describeError } from '../errors.js';
import {
  MAX_WRITE,
  closeQuietly,
  errnoCode,
  existingMode,
  fsyncDirSync,
  removeQuietly,
  tempPathFor,
  writeAllSync,
  writeError,
} from './fs-util.js';

export * from './external-data.js';

function readError(file: string, error: unknown): FileError {
  const code = errnoCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new FileError('FILE_NOT_FOUND', file, `File not found: '${file}'.`, {
      hint: `Check the path (relative paths are resolved from ${process.cwd()}).`,
      cause: error,
    });
  }
  const [reason, hint] =
    code === 'EISDIR'
      ? ['it is a directory', 'Pass the path of the file inside the directory.']
      : code === 'EACCES' || code === 'EPERM'
        ? ['permission denied', 'Make the file readable by this user (e.g. chmod +r).']
        : code === 'ERR_FS_FILE_TOO_LARGE' || code === 'ERR_STRING_TOO_LONG'
          ? [
              'it is larger than 2 GiB',
              'A protobuf file cannot exceed 2 GiB; models that large keep their weights in external data (.data) files.',
            ]
          : [describeError(error), 'Check that the file is accessible and the disk is healthy.'];
  return new FileError('FILE_UNREADABLE', file, `Cannot read '${file}': ${reason}.`, { hint, cause: error });
}

/** Reads a whole file. Throws FileError FILE_NOT_FOUND / FILE_UNREADABLE. */
export async function readFileBytes(file: string): Promise<Uint8Array> {
  try {
    return await fsp.readFile(file);
  } catch (error) {
    throw readError(file, error);
  }
}

/** Synchronous readFileBytes. */
export function readFileBytesSync(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw readError(file, error);
  }
}

export type ByteChunks = Uint8Array | Iterable<Uint8Array>;

async function writeAll(handle: fsp.FileHandle, data: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < data.length) {
    const slice = data.subarray(done, Math.min(data.length, done + MAX_WRITE));
    const { bytesWritten } = await handle.write(slice, 0, slice.length, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
  return done;
}

function chunksOf(data: ByteChunks): Iterable<Uint8Array> {
  return data instanceof Uint8Array ? [data] : data;
}

/**
 * Writes `data` to `file` atomically: the bytes go to a temp file in the same directory, which is
 * fsynced and then renamed over `file` (keeping the old file's permission bits). On any failure the
 * temp file is removed, `file` is left as it was, and FileError FILE_UNWRITABLE is thrown.
 */
export async function writeFileAtomic(file: string, data: ByteChunks | AsyncIterable<Uint8Array>): Promise<void> {
  const tmp = tempPathFor(file);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(tmp, 'wx', existingMode(file) ?? 0o666);
    let position = 0;
    if (Symbol.asyncIterator in data) {
      for await (const chunk of data) position += await writeAll(handle, chunk, position);
    } else {
      for (const chunk of chunksOf(data)) position += await writeAll(handle, chunk, position);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(tmp, file);
  } catch (error) {
    if (handle) await handle.close().catch(() => undefined);
    removeQuietly(tmp);
    // A failing chunk producer reports its own error; only fs failures become FILE_UNWRITABLE.
    if (error instanceof MixqError) throw error;
    throw writeError(file, error);
  }
  fsyncDirSync(path.dirname(file));
}

/** Synchronous writeFileAtomic. */
export function writeFileAtomicSync(file: string, data: ByteChunks): void {
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', existingMode(file) ?? 0o666);
    let position = 0;
    for (const chunk of chunksOf(data)) position += writeAllSync(fd, chunk, position);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (error) {
    closeQuietly(fd);
    removeQuietly(tmp);
    if (error instanceof MixqError) throw error;
    throw writeError(file, error);
  }
  fsyncDirSync(path.dirname(file));
}
