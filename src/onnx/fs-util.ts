/**
 * Small file-system helpers shared by file-io.ts and external-data.ts: errno-aware write errors,
 * temp names next to the target, complete writes, quiet cleanup.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileError, describeError } from '../errors.js';

/** Node's errno code of a thrown fs error, if any. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** FILE_UNWRITABLE for `file` with a hint matching the errno. */
export function writeError(file: string, error: unknown): FileError {
  const code = errnoCode(error);
  const dir = path.dirname(path.resolve(file));
  const [reason, hint] =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? ['the directory does not exist', `Create the directory '${dir}' first.`]
      : code === 'EACCES' || code === 'EPERM'
        ? ['permission denied', `Make '${dir}' writable by this user, or choose another output path.`]
        : code === 'ENOSPC' || code === 'EDQUOT'
          ? ['the disk is full', 'Free some space or write to another disk.']
          : code === 'EROFS'
            ? ['the file system is read-only', 'Choose an output path on a writable file system.']
            : code === 'EISDIR'
              ? ['a directory with that name exists', 'Choose a file name, not a directory.']
              : [describeError(error), 'Check the output path and the disk.'];
  return new FileError('FILE_UNWRITABLE', file, `Cannot write '${file}': ${reason}.`, { hint, cause: error });
}

/** A temp file name in the same directory as `file` (same file system, so rename is atomic). */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** One write() call moves at most ~2 GiB; larger chunks are written in slices of this size. */
export const MAX_WRITE = 1 << 30;

/** Writes all of `data` at `position` onward, looping over partial writes. Returns data.length. */
export function writeAllSync(fd: number, data: Uint8Array, position: number): number {
  let done = 0;
  while (done < data.length) {
    const slice = data.subarray(done, Math.min(data.length, done + MAX_WRITE));
    const n = fs.writeSync(fd, slice, 0, slice.length, position + done);
    if (n <= 0) throw new Error('write made no progress');
    done += n;
  }
  return done;
}

/** Removes a file, ignoring errors (already gone, or never created). */
export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Nothing to clean up.
  }
}

/** Closes a descriptor, ignoring errors (used on paths where another error is being reported). */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // The original error matters more.
  }
}

/** Best effort: makes a rename durable. Not every platform allows fsync on a directory. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows and some file systems refuse; the file data itself is already synced.
  } finally {
    closeQuietly(fd);
  }
}

/** Permission bits of an existing file (to keep them when replacing it), or undefined. */
export function existingMode(file: string): number | undefined {
  try {
    return fs.statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}
