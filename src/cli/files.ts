/**
 * The CLI's file I/O beyond models: JSON in, JSON/SVG out (atomically), and an early check that an
 * output path can be written, so a long run does not end in "cannot write".
 */
import { createHash } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { ConfigError, FileError, MixqError } from '../errors.js';
import { writeFileAtomic } from '../onnx/file-io.js';
import { tempPathFor, writeError } from '../onnx/fs-util.js';

/** Reads and parses a JSON file; a syntax error becomes one line with the line and column. */
export async function readJsonFile(path: string, what: string, hint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileError('FILE_NOT_FOUND', path, `${what} '${path}' does not exist.`, { hint: 'Check the path.', cause: error });
    throw new FileError('FILE_UNREADABLE', path, `Cannot read ${what.toLowerCase()} '${path}' (${code ?? String(error)}).`, { hint: 'Check that it is a readable file.', cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`${what} '${path}' is not valid JSON: ${jsonErrorWhere(text, error)}.`, { hint, cause: error });
  }
}

/** The parser's complaint with a line and column ("Unexpected token ']' at line 2, column 15"). */
function jsonErrorWhere(text: string, error: unknown): string {
  const full = error instanceof Error ? error.message : String(error);
  const message = full.split('\n')[0]!.replace(/\.$/, '');
  const offset = errorOffset(text, full);
  const what = message.replace(/,\s*(\.\.\.)?".*$/, '').replace(/\s*(in JSON )?at position \d+.*$/, '').replace(/ in JSON$/, '');
  if (offset === undefined) return what;
  const before = text.slice(0, offset).split('\n');
  return `${what} at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/**
 * Where V8 says the error is: "at position N", or (Node 20) a quoted excerpt whose 11th character is
 * the bad token when the excerpt starts with "...", or the end of the text.
 */
function errorOffset(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  if (/end of JSON input/.test(message)) return text.length;
  const excerpt = /Unexpected token '(.)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON/s.exec(message);
  if (!excerpt) return undefined;
  const [, token, cut, context] = excerpt as unknown as [string, string, string | undefined, string];
  const start = text.indexOf(context);
  if (start < 0) return undefined;
  return start + (cut ? 10 : Math.max(0, context.indexOf(token)));
}

export async function writeTextFile(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, Buffer.from(text, 'utf8'));
}

/**
 * Fails now, with exit code 2, when `path` cannot be written: its directory is missing or read-only,
 * or it names a directory. Creates and removes a temp file next to it (the way the real write works).
 */
export async function assertWritable(path: string): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new FileError('FILE_UNWRITABLE', path, `Cannot write '${path}': it is a directory.`, { hint: 'Give a file name, e.g. out/model.onnx.' });
  }
  const probe = tempPathFor(path);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  } catch (error) {
    if (error instanceof MixqError) throw error;
    throw writeError(path, error);
  }
}

/** sha256 of bytes, as ranges files record the model they were collected on. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
