/**
 * The ai.onnx opset upgrade pass: moves every default-domain node (subgraphs included) from the
 * model's opset to a target, one schema change at a time, with the adapter registered for each step
 * (adapters/, one per file; the ONNX version converter's adapters are the reference for meaning).
 * All or nothing: when any node cannot be moved exactly, the model is left as it was and the report
 * names the nodes and why.
 */
import { InvalidArgumentError } from '../../errors.js';
import { cloneModel, irVersionForOpset, type Graph, type Model, type Node } from '../../ir/index.js';
import { createContext } from './context.js';
import { MAX_TARGET_OPSET, OP_VERSIONS } from './op-versions.js';
import { adapterFor, nextVersion, schemaVersion } from './registry.js';
import type { UpgradeBlock, UpgradeChange, UpgradeContext, UpgradeOptions, UpgradeReport } from './types.js';

/** The oldest ai.onnx opset the pass starts from (opset 6 and older changed broadcasting rules). */
export const MIN_SOURCE_OPSET = 7;

interface Tally {
  readonly changes: Map<string, { opType: string; what: string; count: number }>;
  readonly blocked: UpgradeBlock[];
  bumps: number;
}

/** Upgrades `model` in place when every node can be moved; never lowers an opset. */
export function upgradeOpset(model: Model, options: UpgradeOptions): UpgradeReport {
  const target = checkTarget(options?.target);
  const from = model.opset;
  const unchanged = (blocked?: UpgradeBlock[]): UpgradeReport => ({ from, to: from, target, upgraded: false, changes: [], ...(blocked ? { blocked } : {}) });
  if (target <= from) return unchanged();
  const modelBlock = modelLevelBlock(model, from);
  if (modelBlock) return unchanged([modelBlock]);
  // Dry run on a copy first, so that a node found blocked late leaves no half-upgraded model.
  const dry = rewrite(cloneModel(model), from, target);
  if (dry.blocked.length > 0) return unchanged(dry.blocked);
  const done = rewrite(model, from, target);
  const key = model.opsetImports.has('ai.onnx') && !model.opsetImports.has('') ? 'ai.onnx' : '';
  model.opsetImports.set(key, target);
  model.irVersion = Math.max(model.irVersion, irVersionForOpset(target));
  const changes: UpgradeChange[] = [...done.changes.values()].sort((a, b) => a.opType.localeCompare(b.opType) || a.what.localeCompare(b.what));
  return { from, to: target, target, upgraded: true, changes, versionBumps: done.bumps };
}

function checkTarget(target: unknown): number {
  if (typeof target !== 'number' || !Number.isInteger(target) || target < MIN_SOURCE_OPSET + 1 || target > MAX_TARGET_OPSET) {
    throw new InvalidArgumentError(`The target opset must be an integer from ${MIN_SOURCE_OPSET + 1} to ${MAX_TARGET_OPSET}; got ${JSON.stringify(target)}.`, {
      hint: 'Use 13 (per-channel Q/DQ, bfloat16 casts) or 21 (int16 Q/DQ in the standard domain).',
    });
  }
  return target;
}

function modelLevelBlock(model: Model, from: number): UpgradeBlock | undefined {
  if (from < MIN_SOURCE_OPSET) return { node: '', opType: '', reason: `ai.onnx opset ${from} is older than ${MIN_SOURCE_OPSET}, the oldest this pass upgrades` };
  const functions = model.preserved['functions'];
  if (Array.isArray(functions) && functions.length > 0) return { node: '', opType: '', reason: `the model defines ${functions.length} local function(s), whose bodies this pass does not upgrade` };
  return undefined;
}

function rewrite(model: Model, from: number, target: number): Tally {
  const tally: Tally = { changes: new Map(), blocked: [], bumps: 0 };
  rewriteGraph(model.graph, from, target, createContext(), tally);
  return tally;
}

function rewriteGraph(graph: Graph, from: number, target: number, ctx: UpgradeContext, tally: Tally): void {
  for (const node of [...graph.nodes]) {
    for (const sub of node.subgraphs()) rewriteGraph(sub, from, target, ctx, tally);
    if (node.domain !== '' && node.domain !== 'ai.onnx') continue;
    upgradeNode(node, from, target, ctx, tally);
  }
}

function upgradeNode(start: Node, from: number, target: number, ctx: UpgradeContext, tally: Tally): void {
  const opType = start.opType;
  const block = (reason: string): void => void tally.blocked.push({ node: start.name, opType, reason });
  let version = schemaVersion(opType, from);
  if (version === undefined) {
    return block(OP_VERSIONS[opType] ? `${opType} does not exist at opset ${from}` : `not a standard ai.onnx operator (experimental, removed or misspelt)`);
  }
  const whats: string[] = [];
  let node = start;
  let steps = 0;
  for (let next = nextVersion(node.opType, version, target); next !== undefined; next = nextVersion(node.opType, version, target)) {
    const adapter = adapterFor(node.opType, next);
    if (!adapter) return block(`no rule to move ${node.opType}-${version} to ${node.opType}-${next}`);
    const outcome = adapter.apply(node, ctx);
    if (outcome.blocked !== undefined) return block(`${node.opType}-${version} → ${next}: ${outcome.blocked}`);
    if (outcome.what) whats.push(outcome.what);
    if (outcome.node) node = outcome.node;
    version = next;
    steps++;
  }
  if (whats.length === 0) {
    if (steps > 0) tally.bumps++;
    return;
  }
  const what = whats.join(', ');
  const entry = tally.changes.get(`${opType}|${what}`) ?? { opType, what, count: 0 };
  entry.count++;
  tally.changes.set(`${opType}|${what}`, entry);
}
