/**
 * Loads the user's evaluate function for `mixq auto --top1-target`: the default export of a
 * JavaScript module (.js / .mjs / .cjs), imported by file URL so any path works.
 */
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, describeError, EvaluateError, FileError } from '../errors.js';
import type { EvaluateFunction } from '../search/targets.js';

const TS_HINT = 'Node cannot import TypeScript by itself: compile it to .mjs, or run the CLI under tsx (npx tsx node_modules/mixq/bin/mixq.js ...).';

export async function loadEvaluateFunction(path: string): Promise<EvaluateFunction> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) {
    throw new FileError('FILE_NOT_FOUND', path, `Evaluate module '${path}' does not exist.`, { hint: 'Pass a .js or .mjs file whose default export is async (model) => score.' });
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const isTs = ['.ts', '.mts', '.cts'].includes(extname(absolute));
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION' && isTs) throw new ConfigError(`Cannot load '${path}': ${describeError(error)}.`, { hint: TS_HINT, cause: error });
    throw new EvaluateError(`Cannot load evaluate module '${path}': ${describeError(error)}`, { hint: 'Run the module with node on its own to see the problem.', cause: error });
  }
  const fn = pickDefault(module);
  if (typeof fn !== 'function') {
    throw new ConfigError(`Evaluate module '${path}' has no default export function (found ${describeExports(module)}).`, {
      hint: 'Add `export default async function evaluate(model) { ... return accuracy; }`.',
    });
  }
  return fn as EvaluateFunction;
}

/** ESM default, or a CommonJS module.exports, or a transpiled `exports.default`. */
function pickDefault(module: Record<string, unknown>): unknown {
  const d = module['default'];
  if (typeof d === 'function') return d;
  if (typeof d === 'object' && d !== null && typeof (d as Record<string, unknown>)['default'] === 'function') return (d as Record<string, unknown>)['default'];
  return d;
}

function describeExports(module: Record<string, unknown>): string {
  const names = Object.keys(module);
  return names.length === 0 ? 'no exports' : `exports ${names.map((n) => `'${n}'`).join(', ')}`;
}
