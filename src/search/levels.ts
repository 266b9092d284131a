/**
 * Per-layer candidate configs (issue 12): which precisions each candidate group may take, how a
 * config maps onto the search's levels, and the static proxy that orders groups for widening their
 * weights to 16 bits.
 *
 * A group's level is the precision of its activations in a candidate; its weights follow (see
 * overridesOf in auto.ts): absent = the wide config (A16W8), the narrow activation type = A8W8,
 * 'int16' = A16W16 (16-bit weights), 'bfloat16' / 'float32' = the float fallbacks.
 */
import { ConfigError } from '../errors.js';
import type { Model } from '../ir/index.js';
import { toPrecisionMap } from '../qdq/precision-map.js';
import type { MixedPrecisionTensor, QuantPlan, TensorPrecision } from '../qdq/types.js';
import { nearMatches } from '../util/near-match.js';
import type { CandidateGroup } from './candidates.js';

export const LAYER_CONFIG_NAMES = ['A8W8', 'A16W8', 'A16W16', 'BF16', 'FP32'] as const;
export type LayerConfigName = (typeof LAYER_CONFIG_NAMES)[number];

/** The default list: the integer configs, with BF16 and FP32 as fallbacks (used only when `fallback` is on). */
export const DEFAULT_LAYER_CONFIGS: readonly LayerConfigName[] = LAYER_CONFIG_NAMES;

/** Configs allowed for the nodes of one op type, or for one node by name (a node entry wins). */
export type LayerConfigOverride =
  | { readonly kind: 'opType'; readonly opType: string; readonly configs: readonly LayerConfigName[] }
  | { readonly kind: 'node'; readonly node: string; readonly configs: readonly LayerConfigName[] };

export interface LayerConfigSelection {
  /** Configs every candidate group may take (default: all of LAYER_CONFIG_NAMES). */
  readonly configs?: readonly LayerConfigName[];
  readonly overrides?: readonly LayerConfigOverride[];
}

/** Checks names before any model runs: config names, override shapes. */
export function checkLayerConfigs(selection: LayerConfigSelection | undefined): void {
  if (selection === undefined) return;
  if (selection.configs !== undefined) checkList(selection.configs, 'configs');
  for (const [i, o] of (selection.overrides ?? []).entries()) {
    if (typeof o !== 'object' || o === null || (o.kind !== 'opType' && o.kind !== 'node')) {
      throw new ConfigError(`Config override ${i} must be { kind: 'opType', opType, configs } or { kind: 'node', node, configs }.`);
    }
    const name = o.kind === 'node' ? o.node : o.opType;
    if (typeof name !== 'string' || name === '') throw new ConfigError(`Config override ${i} (${o.kind}) names no ${o.kind === 'node' ? 'node' : 'op type'}.`);
    checkList(o.configs, `the configs of ${o.kind} '${name}'`);
  }
}

function checkList(list: readonly string[], where: string): void {
  if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${where} must be a non-empty list of configs (${LAYER_CONFIG_NAMES.join(', ')}).`);
  for (const c of list) {
    if (!(LAYER_CONFIG_NAMES as readonly string[]).includes(c)) {
      const near = nearMatches(String(c), LAYER_CONFIG_NAMES);
      throw new ConfigError(`Unknown layer config '${String(c)}' in ${where}${near.length ? ` (did you mean '${near[0]}'?)` : ''}.`, {
        hint: `Use ${LAYER_CONFIG_NAMES.join(', ')}.`,
      });
    }
  }
}

/**
 * The configs each group may take: a node entry, else its op type's entry, else the global list; a
 * group (nodes that move together) takes only what all its nodes allow. Names must exist in the model.
 */
export function resolveGroupConfigs(model: Model, groups: readonly CandidateGroup[], selection: LayerConfigSelection = {}): Map<string, ReadonlySet<LayerConfigName>> {
  checkLayerConfigs(selection);
  const global = selection.configs ?? DEFAULT_LAYER_CONFIGS;
  const byNode = new Map<string, readonly LayerConfigName[]>();
  const byOp = new Map<string, readonly LayerConfigName[]>();
  for (const o of selection.overrides ?? []) (o.kind === 'node' ? byNode.set(o.node, o.configs) : byOp.set(o.opType, o.configs));
  const nodeNames = model.graph.nodes.map((n) => n.name);
  const unknown = [...byNode.keys()].filter((n) => !nodeNames.includes(n));
  if (unknown.length > 0) {
    const near = unknown.map((n) => [n, nearMatches(n, nodeNames)[0]] as const).filter(([, m]) => m !== undefined);
    throw new ConfigError(`Config override for unknown node(s): ${unknown.map((n) => `'${n}'`).join(', ')}${near.length ? ` (did you mean ${near.map(([n, m]) => `'${m}' for '${n}'`).join(', ')}?)` : ''}.`, {
      hint: 'Name nodes as `mixq inspect` lists them.',
    });
  }
  const opTypes = new Set(model.graph.nodes.map((n) => n.opType));
  const missingOps = [...byOp.keys()].filter((op) => !opTypes.has(op));
  if (missingOps.length > 0) throw new ConfigError(`Config override for op type(s) ${missingOps.join(', ')}: the model has no such node.`, { hint: `Op types present: ${[...opTypes].sort().join(', ')}.` });
  const out = new Map<string, ReadonlySet<LayerConfigName>>();
  for (const g of groups) {
    const lists = g.nodes.map((n) => byNode.get(n) ?? byOp.get(opOf(model, n) ?? '') ?? global);
    out.set(g.id, new Set(LAYER_CONFIG_NAMES.filter((c) => lists.every((l) => l.includes(c)))));
  }
  return out;
}

const opOf = (model: Model, node: string): string | undefined => model.graph.nodes.find((n) => n.name === node)?.opType;

/** The search level of a config (undefined: the wide config, no override). */
export function levelOfConfig(config: LayerConfigName, narrowActivation: TensorPrecision): TensorPrecision | undefined {
  switch (config) {
    case 'A8W8':
      return narrowActivation;
    case 'A16W8':
      return undefined;
    case 'A16W16':
      return 'int16';
    case 'BF16':
      return 'bfloat16';
    case 'FP32':
      return 'float32';
  }
}

/** Activation and weight precision of a group at a level (see the module comment). */
export function precisionsOfLevel(
  level: TensorPrecision | undefined,
  wide: { readonly activation: TensorPrecision; readonly weight: TensorPrecision },
  narrow: { readonly activation: TensorPrecision; readonly weight: TensorPrecision },
): { activation: TensorPrecision; weight: TensorPrecision } {
  if (level === undefined) return { activation: wide.activation, weight: wide.weight };
  if (level === narrow.activation) return { activation: narrow.activation, weight: narrow.weight };
  return { activation: level, weight: level };
}

/**
 * Measured as a widening order in bench/weight-order.ts and NOT used by the search (on the
 * detector-like export it needs 17 W16 groups where the A8W8 sensitivity reversed needs 12).
 * Static proxy of the harm 8-bit weights do, computed without running the model: the relative
 * error of the group's weights quantized symmetric to int8 (per channel along the plan's axis, or
 * per tensor), sqrt(Σ err² / Σ w²). A layer's relative output error follows its relative weight
 * error, so the groups with the largest value gain most from 16-bit weights.
 */
export function weightQuantizationError(model: Model, plan: QuantPlan, group: CandidateGroup): number {
  let err = 0;
  let norm = 0;
  const axes = new Map(plan.tensors.map((t) => [t.name, t.axis]));
  for (const name of group.weights) {
    const t = model.graph.ownValue(name)?.initializer;
    if (!t || t.type !== 'float32') continue;
    const w = t.toArray() as Float32Array;
    const axis = axes.get(name);
    const channels = axis === undefined ? 1 : (t.dims[axis] ?? 1);
    // Elements of one channel along `axis` are every `inner`-th run of `inner` values.
    const inner = axis === undefined ? w.length : t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const maxAbs = new Float64Array(channels);
    const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
    for (let i = 0; i < w.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)]!, Math.abs(w[i]!));
    for (let i = 0; i < w.length; i++) {
      const s = maxAbs[channelOf(i)]! / 127;
      const q = s === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(w[i]! / s))) * s;
      err += (w[i]! - q) ** 2;
      norm += w[i]! ** 2;
    }
  }
  return norm === 0 ? 0 : Math.sqrt(err / norm);
}

/**
 * The map quantize() takes to rebuild the model: every non-bias tensor with Q/DQ or a Cast pair,
 * plus the tensors kept Float32 on purpose (they get neither, so the plan does not list them).
 */
export function precisionMapOf(plan: QuantPlan, overrides: ReadonlyMap<string, TensorPrecision>): MixedPrecisionTensor {
  const entries: [string, TensorPrecision][] = plan.tensors.filter((t) => t.role !== 'bias').map((t) => [t.name, t.precision]);
  for (const [name, p] of overrides) if (p === 'float32') entries.push([name, p]);
  return toPrecisionMap(entries);
}
