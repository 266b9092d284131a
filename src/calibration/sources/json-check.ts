/**
 * Small helpers for validating JSON-shaped values (manifests, option objects) that collect every
 * problem with the path where it is (e.g. `inputs.input.files[2]`) instead of stopping at the first.
 */
import { nearMatches } from '../../util/near-match.js';

export type Issues = string[];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `parent.key`, or `parent["odd key"]` when the key is not a plain identifier. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Reports keys of `obj` outside `allowed`, suggesting near matches for misspellings. */
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string, issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    // A key already present is not what a misspelt one meant.
    const near = nearMatches(key, allowed.filter((k) => !(k in obj)), 1);
    const suggestion = near.length > 0 ? ` (did you mean "${near[0]}"?)` : ` (allowed: ${allowed.join(', ')})`;
    issues.push(`${childPath(path, key)}: unknown key${suggestion}`);
  }
}

export function checkPositiveInt(value: unknown, path: string, issues: Issues): value is number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return true;
  issues.push(`${path}: expected a positive integer, got ${describeValue(value)}`);
  return false;
}

export function checkString(value: unknown, path: string, issues: Issues): value is string {
  if (typeof value === 'string' && value.length > 0) return true;
  issues.push(`${path}: expected a non-empty string, got ${describeValue(value)}`);
  return false;
}

export function checkOneOf<T extends string | number>(value: unknown, choices: readonly T[], path: string, issues: Issues): value is T {
  if ((choices as readonly unknown[]).includes(value)) return true;
  issues.push(`${path}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${describeValue(value)}`);
  return false;
}

export function checkBoolean(value: unknown, path: string, issues: Issues): value is boolean {
  if (typeof value === 'boolean') return true;
  issues.push(`${path}: expected true or false, got ${describeValue(value)}`);
  return false;
}

/** Formats collected issues as an indented list for an error message. */
export function formatIssues(issues: Issues): string {
  return issues.map((i) => `\n  - ${i}`).join('');
}
