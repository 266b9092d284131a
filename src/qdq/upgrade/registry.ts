import { axesToInputAdapters } from './adapters/axes-to-input.js';
import { batchNormalization14 } from './adapters/batch-normalization-14.js';
import { batchNormalization9 } from './adapters/batch-normalization-9.js';
import { clip11 } from './adapters/clip-11.js';
import { dropout10 } from './adapters/dropout-10.js';
import { dropout12 } from './adapters/dropout-12.js';
import { gridSample20 } from './adapters/grid-sample-20.js';
import { notRewrittenAdapters } from './adapters/not-rewritten.js';
import { pad11 } from './adapters/pad-11.js';
import { resize11 } from './adapters/resize-11.js';
import { resize13 } from './adapters/resize-13.js';
import { roiAlign16 } from './adapters/roi-align-16.js';
import { scatter11 } from './adapters/scatter-11.js';
import { slice10 } from './adapters/slice-10.js';
import { softmaxAdapters } from './adapters/softmax-13.js';
import { split13 } from './adapters/split-13.js';
import { split18 } from './adapters/split-18.js';
import { topk10 } from './adapters/topk-10.js';
import { upsample10 } from './adapters/upsample-10.js';
import { upsample9 } from './adapters/upsample-9.js';
import { COMPATIBLE_STEPS, OP_VERSIONS } from './op-versions.js';
import type { Adapter } from './types.js';

const REWRITES: readonly Adapter[] = [
  batchNormalization9, batchNormalization14, clip11, dropout10, dropout12, gridSample20, pad11, resize11, resize13, roiAlign16,
  scatter11, slice10, split13, split18, topk10, upsample9, upsample10,
  ...axesToInputAdapters, ...softmaxAdapters, ...notRewrittenAdapters,
];

const versionBump = (opType: string, version: number): Adapter => ({ opType, version, apply: () => ({}) });

const key = (opType: string, version: number): string => `${opType}@${version}`;

function buildRegistry(): Map<string, Adapter> {
  const map = new Map<string, Adapter>();
  for (const [op, versions] of Object.entries(COMPATIBLE_STEPS)) for (const v of versions) map.set(key(op, v), versionBump(op, v));
  // A rewrite overrides the converter's "compatible" where we know better (Resize 13, GroupNormalization 21).
  for (const a of REWRITES) map.set(key(a.opType, a.version), a);
  return map;
}

const REGISTRY = buildRegistry();

/** The adapter for moving `opType` to its schema of `version`, if the pass has one. */
export function adapterFor(opType: string, version: number): Adapter | undefined {
  return REGISTRY.get(key(opType, version));
}

/** Every registered step that rewrites (not a plain version bump), for documentation and tests. */
export function rewriteAdapters(): readonly Adapter[] {
  return REWRITES;
}

/** The schema version a node of `opType` uses at `opset`, or undefined when the op does not exist there. */
export function schemaVersion(opType: string, opset: number): number | undefined {
  const versions = OP_VERSIONS[opType];
  if (!versions) return undefined;
  let found: number | undefined;
  for (const v of versions) if (v <= opset) found = v;
  return found;
}

/** The next schema change of `opType` after `version`, up to `target`. */
export function nextVersion(opType: string, version: number, target: number): number | undefined {
  return OP_VERSIONS[opType]?.find((v) => v > version && v <= target);
}
