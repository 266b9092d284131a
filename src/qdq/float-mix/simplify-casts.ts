/**
 * Removes Casts made redundant by the conversion, looking only at chains that involve a Cast we
 * inserted (the user's own Casts elsewhere are none of our business):
 * - a Cast to the type its input already has is dropped;
 * - Cast(to=B) of Cast(to=A) of x reads x directly when A holds every value of x's type exactly
 *   (float16/bfloat16 → float32): e.g. a float16 weight's Cast to float followed by our Cast to float16
 *   cancels, and the node reads the float16 weight;
 * - Casts left without readers are removed.
 * A Cast whose output is a graph output is kept: the output's name and type are the model's interface.
 */
import { dataTypeFromCode, replaceAllUses, type DataType, type Graph, type Node, type Value } from '../../ir/index.js';
import type { CastWriter } from './cast-writer.js';
import type { ElementTypes } from './op-rules.js';

/** Whether every value of `from` is exactly representable in `to`. */
function lossless(from: DataType, to: DataType): boolean {
  if (from === to) return true;
  if (to === 'float32') return from === 'float16' || from === 'bfloat16';
  if (to === 'float64') return from === 'float32' || from === 'float16' || from === 'bfloat16';
  return false;
}

function isCast(node: Node | undefined): node is Node {
  return node !== undefined && node.opType === 'Cast' && (node.domain === '' || node.domain === 'ai.onnx');
}

/** Simplifies in place; returns how many of the input model's own Casts became dead and were removed. */
export function simplifyCasts(graph: Graph, writer: CastWriter, types: ElementTypes, deadBefore: ReadonlySet<Node>): number {
  const removed = new Set<Node>();
  const typeOf = (v: Value): DataType | undefined => v.elemType ?? types.of(v);
  let changed = true;
  while (changed) {
    changed = false;
    for (const cast of writer.inserted.keys()) {
      if (removed.has(cast)) continue;
      if (shortcut(cast, typeOf) || bypass(graph, cast, typeOf, removed)) changed = true;
    }
  }
  return removeDeadCasts(graph, writer, removed, deadBefore);
}

/** Cast(Cast(x)) → Cast(x) when the inner Cast loses nothing. */
function shortcut(cast: Node, typeOf: (v: Value) => DataType | undefined): boolean {
  const inner = cast.inputs[0]?.producer;
  if (!isCast(inner)) return false;
  const source = inner.inputs[0];
  const middle = cast.inputs[0];
  if (!source || !middle) return false;
  const from = typeOf(source);
  const via = typeOf(middle);
  if (from === undefined || via === undefined || !lossless(from, via)) return false;
  cast.setInput(0, source);
  return true;
}

/** A Cast to the type its input has: its readers read the input. */
function bypass(graph: Graph, cast: Node, typeOf: (v: Value) => DataType | undefined, removed: Set<Node>): boolean {
  const input = cast.inputs[0];
  const out = cast.outputs[0];
  if (!input || !out || out.isGraphOutput) return false;
  const to = dataTypeFromCode(cast.attrInt('to', 0));
  if (to === undefined || typeOf(input) !== to) return false;
  replaceAllUses(out, input);
  graph.removeNode(cast);
  removed.add(cast);
  return true;
}

/** Removes Casts (ours, or the input's made dead by a shortcut) that nobody reads any more. */
function removeDeadCasts(graph: Graph, writer: CastWriter, removed: Set<Node>, deadBefore: ReadonlySet<Node>): number {
  let removedFromInput = 0;
  let again = true;
  while (again) {
    again = false;
    for (const node of [...graph.nodes]) {
      if (!isCast(node)) continue;
      const out = node.outputs[0];
      if (!out || out.uses.length > 0 || out.isGraphOutput) continue;
      // A Cast of the input model that was dead before we started is left as the user wrote it.
      const ours = writer.inserted.has(node);
      if (!ours && deadBefore.has(node)) continue;
      graph.removeNode(node);
      removed.add(node);
      if (!ours) removedFromInput++;
      again = true;
    }
  }
  return removedFromInput;
}

/** The input model's Casts that nobody reads (taken before the conversion edits anything). */
export function deadCasts(graph: Graph): Set<Node> {
  const dead = new Set<Node>();
  for (const node of graph.nodes) {
    const out = node.outputs[0];
    if (isCast(node) && out && out.uses.length === 0 && !out.isGraphOutput) dead.add(node);
  }
  return dead;
}
