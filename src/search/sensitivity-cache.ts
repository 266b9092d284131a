import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * On-disk sensitivity cache, one JSON file per key (model + calibration outputs + settings), so a
 * rerun, or a run that was interrupted, reuses what was measured. Written atomically after every
 * layer.
 */
export class SensitivityCache {
  private readonly entries: Record<string, number>;
  private constructor(private readonly path: string | undefined, readonly key: string, entries: Record<string, number>) {
    this.entries = entries;
  }

  static open(dir: string | undefined, key: string): SensitivityCache {
    if (!dir) return new SensitivityCache(undefined, key, {});
    const path = join(dir, `sensitivity-${key.slice(0, 32)}.json`);
    let entries: Record<string, number> = {};
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { key?: string; sensitivities?: Record<string, number> };
      if (parsed.key === key && parsed.sensitivities && typeof parsed.sensitivities === 'object') entries = parsed.sensitivities;
    } catch {
      // No cache yet, or an unreadable one: start fresh (it is only a cache).
    }
    return new SensitivityCache(path, key, entries);
  }

  get(id: string): number | undefined {
    const v = this.entries[id];
    return typeof v === 'number' ? v : undefined;
  }

  get size(): number {
    return Object.keys(this.entries).length;
  }

  set(id: string, value: number): void {
    this.entries[id] = value;
    if (!this.path) return;
    mkdirSync(join(this.path, '..'), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key: this.key, sensitivities: this.entries }, null, 1));
    renameSync(tmp, this.path);
  }
}

export function hashParts(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    h.update(typeof p === 'string' ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    h.update('\u0000');
  }
  return h.digest('hex');
}
