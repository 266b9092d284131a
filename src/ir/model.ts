import { Graph } from './graph.js';

/** The model: a main graph plus the header fields of ModelProto. */
export class Model {
  irVersion: number;
  /** Operator set versions by domain ('' = ai.onnx). */
  readonly opsetImports: Map<string, number>;
  producerName = '';
  producerVersion = '';
  domain = '';
  modelVersion = 0;
  docString = '';
  metadataProps: [string, string][] = [];
  graph: Graph;
  /**
   * Parts of ModelProto we never edit (functions, training_info, configuration), carried as the
   * plain objects serde produced so that saving writes them back unchanged.
   */
  preserved: Record<string, unknown> = {};

  constructor(graph: Graph, irVersion: number, opsetImports: Iterable<[string, number]>) {
    this.graph = graph;
    this.irVersion = irVersion;
    this.opsetImports = new Map(opsetImports);
  }

  /** The ai.onnx opset version (the default domain). */
  get opset(): number {
    return this.opsetImports.get('') ?? this.opsetImports.get('ai.onnx') ?? 1;
  }
}

/** Helper for building small models in code (tests, fixtures, examples). */
export function createModel(opset: number, graphName = 'main', irVersion?: number): Model {
  return new Model(new Graph(graphName), irVersion ?? irVersionForOpset(opset), [['', opset]]);
}

/** The lowest IR version that can carry an ai.onnx opset (from the ONNX versioning table). */
export function irVersionForOpset(opset: number): number {
  if (opset >= 23) return 11;
  if (opset >= 21) return 10;
  if (opset >= 19) return 9;
  if (opset >= 15) return 8;
  if (opset >= 13) return 7;
  if (opset >= 12) return 7;
  if (opset >= 11) return 6;
  if (opset >= 10) return 5;
  if (opset >= 9) return 4;
  return 3;
}
