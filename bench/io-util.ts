/**
 * Shared bits of the benchmarks: timing, deterministic fills, result files, temp dirs.
 */
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const RESULTS_DIR = join(import.meta.dirname, 'results');

export interface Timing {
  readonly runs: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly allMs: readonly number[];
}

export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { runs: samples.length, minMs: round(sorted[0]!), medianMs: round(median), maxMs: round(sorted[sorted.length - 1]!), allMs: samples.map(round) };
}

/** Runs `fn` `runs` times (after `warmup` untimed runs) and summarizes wall time. */
export async function time(runs: number, fn: () => unknown | Promise<unknown>, warmup = 1): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export async function timeOnce<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, Math.round((performance.now() - t0) * 10) / 10];
}

/**
 * A cheap, position-dependent, finite float pattern: element `i` of tensor `k`, uniform-ish in
 * [-scale, scale). The same function checks bytes after a reload.
 */
export function patternValue(k: number, i: number, scale: number): number {
  const h = Math.imul(i ^ Math.imul(k + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
  return Math.fround((((h ^ (h >>> 13)) & 0xffff) - 32768) * ((2 * scale) / 65536));
}

export function fillPattern(k: number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  const seed = Math.imul(k + 1, 0x9e3779b1);
  const mul = (2 * scale) / 65536;
  // patternValue inlined (the store rounds to float32 exactly as Math.fround does).
  for (let i = 0; i < count; i++) {
    const h = Math.imul(i ^ seed, 0x85ebca6b) >>> 0;
    out[i] = (((h ^ (h >>> 13)) & 0xffff) - 32768) * mul;
  }
  return out;
}

export function environment(): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

export function freeDiskBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

export function freeMemBytes(): number {
  return freemem();
}

export function writeResults(file: string, data: unknown): string {
  const path = join(RESULTS_DIR, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

/** A temp dir removed on exit, Ctrl-C or failure. */
export function benchTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  return { dir, cleanup };
}

export const MB = 1e6;
export const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
