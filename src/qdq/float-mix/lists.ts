/**
 * Default op lists of float mixed precision and the user's edits of them.
 *
 * The split follows TensorFlow's AMP idea (seed 003); the members are our own judgement for ONNX ops:
 * - allow: matrix products. Real 16-bit kernels accumulate them in FP32, and they are where 16 bits
 *   pay off.
 * - deny: ops that amplify relative error or overflow FP16 (Exp, Log, Pow, Softplus, Softmax and
 *   LogSoftmax), and reductions that sum an unbounded number of elements (ReduceSum, ReduceMean,
 *   ReduceProd, ReduceSumSquare, CumSum, norms), plus normalisations without an FP32 stash
 *   (InstanceNormalization, GroupNormalization, MeanVarianceNormalization, LpNormalization, LRN).
 * - infer: element-wise arithmetic and activations, which are as good as their inputs: they join a
 *   16-bit region that feeds them. LayerNormalization is here, not in deny: ONNX computes its mean
 *   and variance in `stash_type` (FP32 by default) whatever the input type, so only its input and
 *   output are 16-bit. Erf (GELU) is here too: it is smooth and bounded to [-1, 1]. Pooling ops with
 *   a window (AveragePool, GlobalAveragePool) are here, not with the reductions: their window is fixed
 *   and small next to a ReduceMean over a whole sequence.
 * - clear: data movement without arithmetic, which can run at any precision. They join a region
 *   only when all of their float inputs are 16-bit, so they never pull a cast into FP32 territory.
 */
import { ConfigError, UnknownNameError } from '../../errors.js';
import { nearMatches } from '../../util/near-match.js';
import { LIST_NAMES, type ListName, type ListOverrides } from './types.js';

export const DEFAULT_LISTS: Readonly<Record<ListName, readonly string[]>> = {
  allow: ['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'Einsum'],
  deny: [
    'Exp', 'Log', 'Pow', 'Softplus', 'Softmax', 'LogSoftmax',
    'ReduceSum', 'ReduceMean', 'ReduceProd', 'ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'CumSum',
    'InstanceNormalization', 'GroupNormalization', 'MeanVarianceNormalization', 'LpNormalization', 'LRN',
    'SoftmaxCrossEntropyLoss', 'NegativeLogLikelihoodLoss',
  ],
  infer: [
    'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Mean', 'Max', 'Min', 'Neg', 'Abs', 'Sqrt', 'Reciprocal',
    'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Gelu', 'Erf',
    'Mish', 'Softsign', 'Clip', 'BatchNormalization', 'LayerNormalization', 'RMSNormalization',
    'AveragePool', 'GlobalAveragePool', 'Resize', 'Upsample',
  ],
  clear: [
    'Reshape', 'Transpose', 'Concat', 'Slice', 'Squeeze', 'Unsqueeze', 'Flatten', 'Split', 'Gather', 'GatherElements',
    'GatherND', 'MaxPool', 'GlobalMaxPool', 'ReduceMax', 'ReduceMin', 'Identity', 'Expand', 'Tile', 'Pad', 'Where',
    'DepthToSpace', 'SpaceToDepth', 'Dropout', 'ScatterND', 'ScatterElements', 'Trilu', 'ReverseSequence',
  ],
};

/** The list each op type is in, after the user's edits. */
export type ResolvedLists = ReadonlyMap<string, ListName>;

/**
 * Applies `remove` then `add` edits to the default lists. Op types to add must be real op types
 * (`knownOpTypes`); op types to remove must be in that list. An op type in two lists afterwards is
 * a ConfigError: the user must remove it from one list to add it to another (as TensorFlow asks).
 */
export function resolveLists(overrides: ListOverrides | undefined, knownOpTypes: ReadonlySet<string>): ResolvedLists {
  const lists = new Map<ListName, Set<string>>(LIST_NAMES.map((l) => [l, new Set(DEFAULT_LISTS[l])]));
  checkOverrideShape(overrides);
  for (const list of LIST_NAMES) {
    const remove = overrides?.[list]?.remove ?? [];
    const members = lists.get(list)!;
    const absent = remove.filter((op) => !members.has(op));
    if (absent.length > 0) throw unknown(`op type in the ${list} list`, absent, members);
    for (const op of remove) members.delete(op);
  }
  for (const list of LIST_NAMES) {
    const add = overrides?.[list]?.add ?? [];
    const unknownOps = add.filter((op) => !knownOpTypes.has(op));
    if (unknownOps.length > 0) throw unknown('op type', unknownOps, knownOpTypes);
    for (const op of add) lists.get(list)!.add(op);
  }
  return listOfEachOp(lists);
}

function listOfEachOp(lists: ReadonlyMap<ListName, ReadonlySet<string>>): Map<string, ListName> {
  const owner = new Map<string, ListName>();
  const conflicts: string[] = [];
  for (const [list, members] of lists) {
    for (const op of members) {
      const other = owner.get(op);
      if (other !== undefined) conflicts.push(`${op} (${other} and ${list})`);
      else owner.set(op, list);
    }
  }
  if (conflicts.length > 0) {
    throw new ConfigError(`An op type may be in one list only; these are in two: ${conflicts.join(', ')}.`, {
      hint: "To move an op, remove it from its list as well, e.g. { deny: { remove: ['Softmax'] }, allow: { add: ['Softmax'] } }.",
    });
  }
  return owner;
}

function unknown(kind: string, names: readonly string[], candidates: Iterable<string>): UnknownNameError {
  const pool = [...candidates];
  const suggestions = Object.fromEntries(names.map((n) => [n, nearMatches(n, pool)]));
  return new UnknownNameError(kind, names, suggestions, 'Op types are ONNX names (Conv, MatMul, Softmax...), case-sensitive.');
}

/** Catches a typo in a list name ({ alow: ... }) or a string where an array belongs. */
function checkOverrideShape(overrides: ListOverrides | undefined): void {
  if (overrides === undefined) return;
  if (typeof overrides !== 'object' || overrides === null) throw new ConfigError('`lists` must be an object such as { allow: { add: ["Softmax"] } }.');
  const badLists = Object.keys(overrides).filter((k) => !(LIST_NAMES as readonly string[]).includes(k));
  if (badLists.length > 0) throw unknown('list', badLists, LIST_NAMES);
  for (const [list, edit] of Object.entries(overrides) as [string, unknown][]) {
    if (edit === undefined) continue;
    if (typeof edit !== 'object' || edit === null) throw new ConfigError(`lists.${list} must be an object { add?: string[], remove?: string[] }.`);
    for (const [key, value] of Object.entries(edit)) {
      if (key !== 'add' && key !== 'remove') throw new ConfigError(`lists.${list}.${key} is not an option.`, { hint: 'Use `add` and `remove`.' });
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new ConfigError(`lists.${list}.${key} must be an array of op type names.`);
    }
  }
}
