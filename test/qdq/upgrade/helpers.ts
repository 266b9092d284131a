/**
 * Helpers for the opset-upgrade tests: tiny single-op models at an old opset, run in onnxruntime
 * before and after the upgrade (the upgraded one with default session options).
 */
import { expect } from 'vitest';
import { serializeModel } from '../../../src/onnx/index.js';
import { createModel, tensorType, type DataType, type Dim, type Graph, type HostTensor, type Model, type Node, type Value } from '../../../src/ir/index.js';
import { upgradeOpset, type UpgradeReport } from '../../../src/qdq/upgrade/index.js';
import { ModelSession, type Feeds } from '../../../src/runtime/index.js';
import { seededFloats } from '../../fixtures/random.js';

export interface OldModel {
  readonly model: Model;
  readonly graph: Graph;
  input(name: string, dims: readonly Dim[], type?: DataType): Value;
  output(value: Value, type?: DataType, dims?: readonly Dim[]): Value;
}

export function oldModel(opset: number): OldModel {
  const model = createModel(opset, `opset${opset}`);
  const graph = model.graph;
  return {
    model,
    graph,
    input: (name, dims, type = 'float32') => graph.addInput(name, tensorType(type, dims)),
    output: (value, type = 'float32', dims) => {
      value.type = tensorType(type, dims);
      graph.addOutput(value);
      return value;
    },
  };
}

export function feed(dims: readonly number[], seed: number, scale = 2): HostTensor {
  return { type: 'float32', dims: [...dims], data: seededFloats(seed, dims.reduce((a, b) => a * b, 1), scale) };
}

export async function run(model: Model, feeds: Feeds, optimization: 'disabled' | 'all' = 'all'): Promise<Feeds> {
  const session = await ModelSession.create(model, { optimization });
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

/** Same names, types, dims; values within `tolerance` (exact by default). */
export function expectSameOutputs(after: Feeds, before: Feeds, tolerance = 0): void {
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  for (const [name, b] of Object.entries(before)) {
    const a = after[name]!;
    expect(a.type, `${name}: type`).toBe(b.type);
    expect([...a.dims], `${name}: dims`).toEqual([...b.dims]);
    const av = Array.from(a.data as ArrayLike<number | bigint>, Number);
    const bv = Array.from(b.data as ArrayLike<number | bigint>, Number);
    let worst = 0;
    for (let i = 0; i < bv.length; i++) worst = Math.max(worst, Math.abs(av[i]! - bv[i]!));
    expect(worst, `${name}: largest difference`).toBeLessThanOrEqual(tolerance);
  }
}

/**
 * Runs the model as built, upgrades it, checks the opset, and runs it again with default options:
 * outputs must match. Returns the report for the caller's graph assertions.
 */
export async function upgradeAndCompare(model: Model, feeds: Feeds, target: number, tolerance = 0): Promise<UpgradeReport> {
  const before = await run(model, feeds, 'disabled');
  const report = upgradeOpset(model, { target });
  expect(report.blocked, JSON.stringify(report.blocked)).toBeUndefined();
  expect(report.upgraded).toBe(true);
  expect(model.opset).toBe(target);
  expectSameOutputs(await run(model, feeds, 'all'), before, tolerance);
  return report;
}

/** The model's bytes, to show a blocked upgrade left it untouched. */
export function bytesOf(model: Model): Uint8Array {
  return serializeModel(model)!;
}

export function nodeOf(model: Model, opType: string): Node {
  const node = [...model.graph.allNodes()].find((n) => n.opType === opType);
  expect(node, `a ${opType} node`).toBeDefined();
  return node!;
}

/** The int64 values of an initializer input. */
export function int64Input(node: Node, index: number): number[] {
  const t = node.inputs[index]?.initializer;
  expect(t?.type, `${node.opType} input ${index} is an int64 initializer`).toBe('int64');
  return Array.from(t!.toArray() as BigInt64Array, Number);
}

export function floatInput(node: Node, index: number): number[] {
  const t = node.inputs[index]?.initializer;
  expect(t, `${node.opType} input ${index} is an initializer`).toBeDefined();
  return Array.from(t!.toArray() as Float32Array);
}
