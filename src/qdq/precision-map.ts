import { ConfigError, UnknownNameError } from '../errors.js';
import { nearMatches } from '../util/near-match.js';
import { PRECISION_NAMES, type MixedPrecisionTensor, type PrecisionName, type TensorPrecision } from './types.js';

/**
 * Turns a user's `{ Int8: [...], Int16: [...] }` map into name → precision, checking keys, name
 * existence (with near matches) and duplicates. `kind` names the things listed (tensor, node, op type).
 */
export function resolvePrecisionMap(map: MixedPrecisionTensor | undefined, known: Iterable<string>, kind: string): Map<string, TensorPrecision> {
  const out = new Map<string, TensorPrecision>();
  if (map === undefined) return out;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new ConfigError(`The ${kind} precision map must be an object like { "Int8": ["name", ...] }.`);
  }
  const knownSet = new Set(known);
  const unknown: string[] = [];
  const duplicates: string[] = [];
  for (const [key, names] of Object.entries(map)) {
    if (!(key in PRECISION_NAMES)) {
      const near = nearMatches(key, Object.keys(PRECISION_NAMES));
      throw new ConfigError(`Unknown precision '${key}' in the ${kind} precision map${near.length ? ` (did you mean '${near[0]}'?)` : ''}.`, {
        hint: `Use one of ${Object.keys(PRECISION_NAMES).join(', ')}.`,
      });
    }
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new ConfigError(`The ${kind} precision map entry '${key}' must be a list of names.`);
    }
    for (const name of names as string[]) {
      if (!knownSet.has(name)) unknown.push(name);
      else if (out.has(name)) duplicates.push(`'${name}' (${[...Object.entries(map)].filter(([, l]) => (l as string[]).includes(name)).map(([k]) => k).join(' and ')})`);
      else out.set(name, PRECISION_NAMES[key as PrecisionName]);
    }
  }
  if (unknown.length > 0) {
    const candidates = [...knownSet];
    throw new UnknownNameError(kind, unknown, Object.fromEntries(unknown.map((n) => [n, nearMatches(n, candidates)])));
  }
  if (duplicates.length > 0) {
    throw new ConfigError(`Each ${kind} may be listed once in the precision map; listed more than once: ${[...new Set(duplicates)].join(', ')}.`, {
      hint: 'Remove the extra entries so each name has one precision.',
    });
  }
  return out;
}

/** The map form of a name → precision table (sorted, for stable output and diffs). */
export function toPrecisionMap(entries: Iterable<[string, TensorPrecision]>): MixedPrecisionTensor {
  const byName = new Map<PrecisionName, string[]>();
  const nameOf = new Map<TensorPrecision, PrecisionName>((Object.entries(PRECISION_NAMES) as [PrecisionName, TensorPrecision][]).map(([k, v]) => [v, k]));
  for (const [tensor, precision] of entries) {
    const key = nameOf.get(precision);
    if (!key) continue;
    const list = byName.get(key) ?? [];
    list.push(tensor);
    byName.set(key, list);
  }
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(PRECISION_NAMES) as PrecisionName[]) {
    const list = byName.get(key);
    if (list) out[key] = [...list].sort();
  }
  return out as MixedPrecisionTensor;
}
