/**
 * Candidates that differ from a base model only in constants: one model serves them all.
 *
 * Narrowing a layer group A16 → A8 keeps the QDQ graph's structure and changes constants only (its
 * Q/DQ scales and zero points, the int32 biases quantized with its input scale). Building, loading
 * and warming up a session for each such candidate costs more than running it on the few samples a
 * sensitivity needs (measured: 45–80 ms of session per candidate on the transformer bench model,
 * against 6.7 ms of run per sample). `diffConstants` says which initializers of a candidate differ
 * from the base; `parametricModel` turns every differing initializer into a graph input, so one
 * session runs each candidate by feeding its constants.
 *
 * Exactness: a zero point whose type is narrower in the candidate (int8 where the base has int16)
 * is fed as the base's type with the same value, and the QuantizeLinear reading it gets a float
 * Clip in front at the candidate type's bounds — round(clip(x)/s)+z never leaves the narrow range,
 * and inside it the 16-bit and 8-bit kernels compute the same (q − z)·s (a test checks the outputs
 * against the candidates' own models).
 */
import { GraphError } from '../errors.js';
import { cloneModel, replaceAllUses, Tensor, type Attribute, type DataType, type HostTensor, type Model, type Node, type Value } from '../ir/index.js';

/** How a candidate's constants differ from the base's; `structural`: it is not a constants-only variant. */
export type ConstantsDiff =
  | { readonly kind: 'constants'; readonly values: ReadonlyMap<string, Tensor>; readonly bytes: number }
  | { readonly kind: 'structural'; readonly reason: string };

/** Integer types a zero point may take, with their ranges; a narrower one is fed as the base's type. */
const INT_RANGE: Partial<Record<DataType, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
};

const widens = (base: DataType, variant: DataType): boolean => {
  const [b, v] = [INT_RANGE[base], INT_RANGE[variant]];
  return b !== undefined && v !== undefined && b[0] <= v[0] && v[1] <= b[1];
};

/**
 * Which initializers of `variant` differ from `base` (same nodes, same wiring, same attributes).
 * A zero point may be of a narrower integer type than the base's; any other type change, or any
 * difference in nodes, is structural.
 */
export function diffConstants(base: Model, variant: Model): ConstantsDiff {
  const [a, b] = [base.graph, variant.graph];
  if (a.nodes.length !== b.nodes.length) return structural(`${b.nodes.length} nodes against ${a.nodes.length}`);
  for (let i = 0; i < a.nodes.length; i++) {
    const why = nodeDifference(a.nodes[i]!, b.nodes[i]!);
    if (why) return structural(why);
  }
  if (a.initializers.length !== b.initializers.length) return structural('a different set of constants');
  const values = new Map<string, Tensor>();
  let bytes = 0;
  for (const v of b.initializers) {
    const mine = v.initializer!;
    const theirs = a.ownValue(v.name)?.initializer;
    if (!theirs) return structural(`constant '${v.name}' is not in the base`);
    if (sameTensor(theirs, mine)) continue;
    if (!sameDims(theirs.dims, mine.dims)) return structural(`constant '${v.name}' changes shape`);
    if (theirs.type !== mine.type && !(isZeroPointOfQ(v) && mine.elementCount === 1 && widens(theirs.type, mine.type))) return structural(`constant '${v.name}' changes type ${theirs.type} → ${mine.type}`);
    values.set(v.name, mine);
    bytes += mine.byteLength;
  }
  return { kind: 'constants', values, bytes };
}

export interface ParametricModel {
  /** The base with every varying constant turned into a graph input (and Clips where types narrow). */
  readonly model: Model;
  /** The inputs to feed for a candidate (its own constants where they differ, the base's elsewhere). */
  feedsFor(diff: Extract<ConstantsDiff, { kind: 'constants' }>): Record<string, HostTensor>;
  /** Whether a candidate's differences are all inputs of this model (a narrower zero point only where a Clip bounds it). */
  covers(diff: Extract<ConstantsDiff, { kind: 'constants' }>): boolean;
}

/**
 * One model for the base and every constants-only variant in `diffs`: the constants any of them
 * changes become graph inputs. The base is not modified.
 */
export function parametricModel(base: Model, diffs: readonly Extract<ConstantsDiff, { kind: 'constants' }>[]): ParametricModel {
  const model = cloneModel(base);
  const graph = model.graph;
  /** Initializer name → the input that replaced it, with the base's value. */
  const params = new Map<string, { input: string; base: Tensor }>();
  /** Clips in front of QuantizeLinear nodes whose zero point narrows, with the constant it follows. */
  const clips: { zp: string; lo: string; hi: string; scale: string; node: string }[] = [];
  const varying = new Set<string>();
  for (const d of diffs) for (const name of d.values.keys()) varying.add(name);
  const narrowedZeroPoints = new Set<string>();
  for (const d of diffs) for (const [name, t] of d.values) if (t.type !== graph.ownValue(name)?.initializer?.type) narrowedZeroPoints.add(name);

  // Clips first, while every Q still reads its scale constant by its own name.
  for (const name of [...narrowedZeroPoints].sort()) for (const q of quantizersReading(graph.ownValue(name)!)) clips.push({ zp: name, ...clipBefore(graph, q, name) });
  for (const name of [...varying].sort()) {
    const value = graph.ownValue(name)!;
    const tensor = value.initializer!;
    const input = graph.addInput(graph.uniqueName(`${name}__param`), { kind: 'tensor', elemType: tensor.type, shape: tensor.dims });
    params.set(name, { input: input.name, base: tensor });
    replaceAllUses(value, input);
    graph.removeInitializer(value);
  }
  const feedsFor = (diff: Extract<ConstantsDiff, { kind: 'constants' }>): Record<string, HostTensor> => {
    const feeds: Record<string, HostTensor> = {};
    for (const [name, p] of params) {
      const own = diff.values.get(name);
      feeds[p.input] = asType(own ?? p.base, p.base.type);
    }
    for (const c of clips) {
      const zp = diff.values.get(c.zp) ?? params.get(c.zp)!.base;
      const scale = diff.values.get(c.scale) ?? base.graph.ownValue(c.scale)?.initializer;
      if (!scale) throw new GraphError(`No scale constant '${c.scale}' for the clip before '${c.node}'.`);
      const [lo, hi] = clipBounds(scale, zp);
      feeds[c.lo] = { type: 'float32', dims: [], data: Float32Array.of(lo) };
      feeds[c.hi] = { type: 'float32', dims: [], data: Float32Array.of(hi) };
    }
    return feeds;
  };
  const clipped = new Set(clips.map((c) => c.zp));
  const covers = (diff: Extract<ConstantsDiff, { kind: 'constants' }>): boolean =>
    [...diff.values].every(([name, t]) => {
      const p = params.get(name);
      return p !== undefined && (t.type === p.base.type || clipped.has(name));
    });
  return { model, feedsFor, covers };
}

/** Float bounds that keep round(x/s)+z inside the zero point type's range (per-tensor only). */
function clipBounds(scale: Tensor, zp: Tensor): [number, number] {
  const range = INT_RANGE[zp.type];
  const s = scale.toArray()[0];
  const z = zp.toArray()[0];
  if (!range || typeof s !== 'number' || typeof z !== 'number' || scale.elementCount !== 1) throw new GraphError(`Cannot bound a per-channel or non-integer zero point ('${zp.name}').`);
  return [Math.fround(s * (range[0] - z)), Math.fround(s * (range[1] - z))];
}

/** QuantizeLinear nodes whose zero point is `value` (per-tensor: a Clip in front can bound them). */
function quantizersReading(value: Value): Node[] {
  return value.uses.filter((u) => u.index === 2 && u.node.opType === 'QuantizeLinear').map((u) => u.node);
}

function clipBefore(graph: Model['graph'], q: Node, zpName: string): { lo: string; hi: string; scale: string; node: string } {
  const scale = q.input(1).name;
  const lo = graph.addInput(graph.uniqueName(`${zpName}__clip_min`), { kind: 'tensor', elemType: 'float32', shape: [] });
  const hi = graph.addInput(graph.uniqueName(`${zpName}__clip_max`), { kind: 'tensor', elemType: 'float32', shape: [] });
  const clip = graph.addNode({ opType: 'Clip', inputs: [q.input(0), lo, hi], outputs: [`${q.input(0).name}_clip_for_${q.name}`], name: `${q.name}_clip` }, { before: q });
  q.setInput(0, clip.output(0));
  return { lo: lo.name, hi: hi.name, scale, node: q.name };
}

function isZeroPointOfQ(value: Value): boolean {
  return value.uses.length > 0 && value.uses.every((u) => u.index === 2 && (u.node.opType === 'QuantizeLinear' || u.node.opType === 'DequantizeLinear'));
}

function asType(t: Tensor, type: DataType): HostTensor {
  const data = t.toArray();
  if (t.type === type) return { type, dims: t.dims, data };
  if (type === 'int16') return { type, dims: t.dims, data: Int16Array.from(data as ArrayLike<number>) };
  if (type === 'uint16') return { type, dims: t.dims, data: Uint16Array.from(data as ArrayLike<number>) };
  throw new GraphError(`Cannot feed '${t.name}' (${t.type}) as ${type}.`);
}

function structural(reason: string): ConstantsDiff {
  return { kind: 'structural', reason };
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a === b) return true;
  if (a.type !== b.type || !sameDims(a.dims, b.dims) || a.byteLength !== b.byteLength || a.type === 'string') return false;
  const [x, y] = [a.bytes(), b.bytes()];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function nodeDifference(a: Node, b: Node): string | undefined {
  const where = `node '${b.name}' (${b.opType})`;
  if (a.opType !== b.opType || a.domain !== b.domain || a.name !== b.name) return `${where} differs from '${a.name}' (${a.domain ? `${a.domain}.` : ''}${a.opType})`;
  if (!sameNames(a.inputs, b.inputs) || !sameNames(a.outputs, b.outputs)) return `${where} is wired differently`;
  if (a.attributes.size !== b.attributes.size) return `${where} has other attributes`;
  for (const [name, attr] of a.attributes) {
    const other = b.attributes.get(name);
    if (!other || !sameAttribute(attr, other)) return `${where} has another '${name}'`;
  }
  return undefined;
}

function sameNames(a: readonly (Value | undefined)[], b: readonly (Value | undefined)[]): boolean {
  return a.length === b.length && a.every((v, i) => v?.name === b[i]?.name);
}

function sameAttribute(a: Attribute, b: Attribute): boolean {
  const [x, y] = [a.value, b.value];
  if (x.type !== y.type) return false;
  switch (x.type) {
    case 'float':
    case 'int':
      return x.value === (y.value as typeof x.value);
    case 'floats':
    case 'ints': {
      const other = y.value as readonly (number | bigint)[];
      return x.value.length === other.length && x.value.every((v, i) => v === other[i]);
    }
    case 'string':
      return sameBytes(x.value, y.value as Uint8Array);
    case 'tensor':
      return sameTensor(x.value, y.value as Tensor);
    default:
      // Subgraphs, tensor lists and opaque values: the same object only (cloned models share tensors, not graphs).
      return x.value === y.value;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
