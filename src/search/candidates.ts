import { ConfigError } from '../errors.js';
import type { QuantPlan, TensorPrecision } from '../qdq/types.js';
import { isIntegerPrecision } from '../qdq/types.js';
import type { Model } from '../ir/index.js';
import { UnionFind } from './union-find.js';

/**
 * A unit the search narrows or widens: one compute node (Conv, Gemm, MatMul...) with its
 * quantized activation inputs and weight; nodes that share an activation tensor form one group
 * (narrowing a tensor changes it for every consumer, so they can only move together).
 */
export interface CandidateGroup {
  readonly id: string;
  readonly nodes: readonly string[];
  readonly opTypes: readonly string[];
  readonly activations: readonly string[];
  readonly weights: readonly string[];
}

export interface CandidateSelection {
  /** Op types that are candidates (default Conv, ConvTranspose, Gemm, MatMul). */
  readonly opTypes?: readonly string[];
  /** Only these node names (default: all of the op types). */
  readonly include?: readonly string[];
  /** Never these node names. */
  readonly exclude?: readonly string[];
}

export const DEFAULT_CANDIDATE_OPS = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'] as const;

export function findCandidateGroups(model: Model, widePlan: QuantPlan, selection: CandidateSelection = {}): CandidateGroup[] {
  const ops = new Set(selection.opTypes ?? DEFAULT_CANDIDATE_OPS);
  const include = selection.include ? new Set(selection.include) : undefined;
  const exclude = new Set(selection.exclude ?? []);
  const planned = new Map(widePlan.tensors.map((t) => [t.name, t]));
  const nodes = new Map(model.graph.nodes.map((n) => [n.name, n]));
  const members: { node: string; op: string; acts: string[]; weights: string[] }[] = [];
  for (const np of widePlan.nodes) {
    if (np.status !== 'quantized' || !ops.has(np.opType) || exclude.has(np.name) || (include && !include.has(np.name))) continue;
    const node = nodes.get(np.name)!;
    const acts: string[] = [];
    const weights: string[] = [];
    for (const v of node.inputs) {
      const t = v ? planned.get(v.name) : undefined;
      if (!t || !isIntegerPrecision(t.precision)) continue;
      if (t.role === 'activation') acts.push(t.name);
      else if (t.role === 'weight') weights.push(t.name);
    }
    if (acts.length > 0) members.push({ node: np.name, op: np.opType, acts, weights });
  }
  return groupBySharedTensors(members);
}

function groupBySharedTensors(members: { node: string; op: string; acts: string[]; weights: string[] }[]): CandidateGroup[] {
  const sets = new UnionFind<number>();
  const owner = new Map<string, number>();
  members.forEach((m, i) => {
    sets.add(i);
    for (const t of [...m.acts, ...m.weights]) {
      const j = owner.get(t);
      if (j === undefined) owner.set(t, i);
      else sets.union(j, i);
    }
  });
  return sets.groups().map((indices) => {
    const ms = indices.map((i) => members[i]!);
    return {
      id: ms.map((m) => m.node).join(' + '),
      nodes: ms.map((m) => m.node),
      opTypes: [...new Set(ms.map((m) => m.op))],
      activations: [...new Set(ms.flatMap((m) => m.acts))],
      weights: [...new Set(ms.flatMap((m) => m.weights))],
    };
  });
}

/** Tensor precisions that put `groups` at a precision (activation and weight types). */
export function precisionOverrides(groups: readonly CandidateGroup[], activation: TensorPrecision, weight: TensorPrecision): Map<string, TensorPrecision> {
  const out = new Map<string, TensorPrecision>();
  for (const g of groups) {
    for (const t of g.activations) out.set(t, activation);
    for (const t of g.weights) out.set(t, weight);
  }
  return out;
}

export function requireCandidates(groups: readonly CandidateGroup[], selection: CandidateSelection): void {
  if (groups.length === 0) {
    throw new ConfigError(`No candidate layers to narrow (op types ${[...(selection.opTypes ?? DEFAULT_CANDIDATE_OPS)].join(', ')}${selection.include ? `, include ${selection.include.join(', ')}` : ''}${selection.exclude?.length ? `, exclude ${selection.exclude.join(', ')}` : ''}).`, {
      hint: 'Check candidate op types / names with `mixq inspect`, or loosen include/exclude.',
    });
  }
}
