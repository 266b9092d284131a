/** File-system look-ups shared by the sources, turning Node errors into mixq errors that name the path. */
import { readdir, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FileError } from '../../errors.js';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.tif', '.tiff']);

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

export function isNpyFile(name: string): boolean {
  return extname(name).toLowerCase() === '.npy';
}

/** 'file' or 'directory'; FileError when the path does not exist or cannot be examined. */
export async function pathKind(path: string, what: string): Promise<'file' | 'directory' | 'other'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
  } catch (error) {
    throw fsError(path, what, error);
  }
}

/** Names of the plain files (and, with `withDirs`, directories) in `dir`, sorted by code point. */
export async function listDirectory(dir: string, what: string): Promise<{ files: string[]; dirs: string[] }> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => e.name);
    const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    // Code-point order, not locale order: the sample order must not depend on the machine's locale.
    return { files: files.sort(byCodePoint), dirs: dirs.sort(byCodePoint) };
  } catch (error) {
    throw fsError(dir, what, error);
  }
}

export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fsError(path: string, what: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return new FileError('FILE_NOT_FOUND', path, `${what} '${path}' does not exist.`, { hint: 'Check the path.', cause: error });
  }
  return new FileError('FILE_UNREADABLE', path, `Cannot read ${what.toLowerCase()} '${path}' (${code ?? String(error)}).`, {
    hint: 'Check its permissions.',
    cause: error,
  });
}
