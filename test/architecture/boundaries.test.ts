import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of DEVELOPERS.md: each module imports only modules to its left. errors.ts and
 * util/ import nothing of ours and may be used anywhere.
 */
const ORDER = ['ir', 'onnx', 'quant', 'runtime', 'calibration', 'qdq', 'search', 'report', 'api'] as const;
const SRC = join(import.meta.dirname, '..', '..', 'src');

function layerOf(file: string): string {
  const rel = relative(SRC, file).replaceAll('\\', '/');
  const top = rel.split('/')[0]!;
  if (top === 'errors.ts' || top === 'errors.js' || top === 'util') return 'base';
  if ((ORDER as readonly string[]).includes(top)) return top;
  return 'api'; // index.ts, cli/
}

function rank(layer: string): number {
  return layer === 'base' ? -1 : ORDER.indexOf(layer as (typeof ORDER)[number]);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push((m[1] ?? m[2])!);
  }
  return found;
}

const files = sourceFiles(SRC);

describe('module boundaries', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('each layer imports only layers to its left', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = layerOf(join(file, '..', spec));
        if (rank(target) > rank(from)) violations.push(`${relative(SRC, file)} (${from}) imports ${spec} (${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only src/onnx imports protobufjs and only src/runtime imports onnxruntime-node', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const spec of imports(file)) {
        if ((spec === 'protobufjs' || spec.startsWith('protobufjs/') || spec === 'long') && layer !== 'onnx') violations.push(`${relative(SRC, file)} imports ${spec}`);
        if (spec.startsWith('onnxruntime') && layer !== 'runtime') violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('ir holds no protobuf types and numerics touch no file system', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const spec of imports(file)) {
        if (layer === 'ir' && /proto/.test(spec)) violations.push(`${relative(SRC, file)} imports ${spec}`);
        if ((layer === 'quant' || layer === 'ir') && /^(node:)?fs/.test(spec)) violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
