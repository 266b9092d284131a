import type { Dim, Model, ValueType } from '../ir/index.js';

export interface ModelSummary {
  readonly irVersion: number;
  readonly opsets: Record<string, number>;
  readonly producer: string;
  readonly inputs: { name: string; type: string }[];
  readonly outputs: { name: string; type: string }[];
  readonly nodeCount: number;
  /** Node count per op type, including nodes inside subgraphs; sorted by count. */
  readonly opCounts: Record<string, number>;
  readonly subgraphCount: number;
  readonly initializerCount: number;
  /** Elements of all initializers (float or integer). */
  readonly parameterCount: number;
  readonly parameterBytes: number;
}

export function describeType(type: ValueType | undefined): string {
  if (!type) return '?';
  if (type.kind === 'opaque') return '(non-tensor)';
  const dims = type.shape ? `[${type.shape.map((d: Dim) => (d === null ? '?' : String(d))).join(',')}]` : '[?]';
  return `${type.elemType}${dims}`;
}

export function summarizeModel(model: Model): ModelSummary {
  const counts = new Map<string, number>();
  let nodeCount = 0;
  let subgraphCount = 0;
  let parameterCount = 0;
  let parameterBytes = 0;
  let initializerCount = 0;
  const graphs = [model.graph];
  for (const node of model.graph.allNodes()) {
    nodeCount++;
    const key = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const subs = node.subgraphs();
    subgraphCount += subs.length;
    graphs.push(...subs);
  }
  for (const g of graphs) {
    for (const init of g.initializers) {
      initializerCount++;
      parameterCount += init.initializer!.elementCount;
      parameterBytes += init.initializer!.byteLength;
    }
  }
  const opCounts = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  return {
    irVersion: model.irVersion,
    opsets: Object.fromEntries([...model.opsetImports].map(([d, v]) => [d === '' ? 'ai.onnx' : d, v])),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs: model.graph.inputs.filter((v) => !v.initializer).map((v) => ({ name: v.name, type: describeType(v.type) })),
    outputs: model.graph.outputs.map((v) => ({ name: v.name, type: describeType(v.type) })),
    nodeCount,
    opCounts,
    subgraphCount,
    initializerCount,
    parameterCount,
    parameterBytes,
  };
}
