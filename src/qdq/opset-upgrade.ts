import { intAttr, Tensor, type Graph, type Model, type Node } from '../ir/index.js';

/**
 * Raising a model's ai.onnx opset to 21 so that int16 Q/DQ can use the standard domain. Done only
 * when every op keeps its meaning: from opset 13 up, the changes that matter are the Reduce ops
 * (axes attribute → input at 18) and Split (num_outputs at 18), which we rewrite; ops whose meaning
 * changed in ways we do not rewrite block the upgrade (then int16 Q/DQ go to com.microsoft).
 */
export const UPGRADE_TARGET = 21;

const REDUCE_AXES_TO_INPUT = new Set(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare']);
/** Ops whose semantics changed between 13 and 21 in ways not rewritten here, or that were removed. */
const BLOCKING = new Set(['RoiAlign', 'GridSample', 'DFT', 'STFT', 'Upsample', 'Scatter', 'Optional', 'OptionalHasElement', 'OptionalGetElement']);

export interface UpgradeCheck {
  readonly possible: boolean;
  readonly reason?: string;
}

export function canUpgradeOpset(model: Model): UpgradeCheck {
  const opset = model.opset;
  if (opset >= UPGRADE_TARGET) return { possible: false, reason: `already at opset ${opset}` };
  if (opset < 13) return { possible: false, reason: `opset ${opset} < 13: too many operator changes to rewrite safely` };
  for (const node of model.graph.allNodes()) {
    if (!isDefaultDomain(node)) continue;
    if (BLOCKING.has(node.opType)) return { possible: false, reason: `${node.opType} ('${node.name}') changed meaning after opset ${opset}` };
  }
  return { possible: true };
}

/** Upgrades in place when safe; returns whether it did. */
export function upgradeOpset(model: Model): boolean {
  if (!canUpgradeOpset(model).possible) return false;
  const from = model.opset;
  rewriteGraph(model.graph, from);
  model.opsetImports.set(model.opsetImports.has('ai.onnx') ? 'ai.onnx' : '', UPGRADE_TARGET);
  model.irVersion = Math.max(model.irVersion, 10);
  return true;
}

function isDefaultDomain(node: Node): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

function rewriteGraph(graph: Graph, from: number): void {
  for (const node of graph.nodes) {
    for (const sub of node.subgraphs()) rewriteGraph(sub, from);
    if (!isDefaultDomain(node) || from >= 18) continue;
    if (REDUCE_AXES_TO_INPUT.has(node.opType)) reduceAxesToInput(graph, node);
    else if (node.opType === 'Split' && node.inputs[1] === undefined) {
      node.setAttribute(intAttr('num_outputs', node.outputs.length));
    }
  }
}

function reduceAxesToInput(graph: Graph, node: Node): void {
  const axes = node.attrInts('axes');
  if (axes === undefined) return; // no axes: reduce over all, the same at 18
  node.attributes.delete('axes');
  const init = graph.addInitializer(Tensor.fromArray(graph.uniqueName(`${node.name || node.opType}_axes`), 'int64', [axes.length], BigInt64Array.from(axes.map(BigInt))));
  node.setInput(1, init);
}
