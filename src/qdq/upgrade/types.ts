import type { DataType, Node, Value } from '../../ir/index.js';

/**
 * What one adapter step did to a node: `what` says it in a few words for the report (absent for a
 * plain version bump); `node` is set when the adapter replaced the node by another one; `blocked`
 * (and nothing else) when this node's form cannot be moved exactly.
 */
export interface StepOutcome {
  readonly what?: string;
  readonly node?: Node;
  readonly blocked?: string;
}

/**
 * Moves a node of `opType` to its schema of `version` (the opset at which the schema changed), keeping
 * what it computes. One adapter per file under adapters/; `apply` may return `blocked` with the
 * reason when this node's form cannot be rewritten exactly.
 */
export interface Adapter {
  readonly opType: string;
  readonly version: number;
  apply(node: Node, ctx: UpgradeContext): StepOutcome;
}

/** Helpers adapters use to add constant inputs and to read element types. */
export interface UpgradeContext {
  /** A new 1-D int64 initializer in the node's graph. */
  int64s(node: Node, suffix: string, values: readonly bigint[]): Value;
  /** A new float32 initializer in the node's graph. */
  floats(node: Node, suffix: string, dims: readonly number[], values: readonly number[]): Value;
  /** A scalar of the given element type, or undefined when that type cannot hold a plain number here. */
  scalar(node: Node, suffix: string, type: DataType, value: number): Value | undefined;
  /** The element type of a value: declared, or followed back through type-preserving producers. */
  elemTypeOf(value: Value): DataType | undefined;
  /** Resize nodes that came from Upsample (their scales are ≥ 1 by Upsample's contract). */
  readonly fromUpsample: Set<Node>;
}

export interface UpgradeChange {
  readonly opType: string;
  readonly count: number;
  readonly what: string;
}

export interface UpgradeBlock {
  /** Node name ('' for a model-level reason). */
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

export interface UpgradeReport {
  readonly from: number;
  /** The opset reached: `target` when upgraded, else `from`. */
  readonly to: number;
  /** The opset asked for. */
  readonly target: number;
  readonly upgraded: boolean;
  /** Nodes rewritten (not counting plain version bumps), grouped by original op type and rewrite. */
  readonly changes: readonly UpgradeChange[];
  /** Nodes whose schema only got a new version number. */
  readonly versionBumps?: number;
  /** Why the model was left unchanged. */
  readonly blocked?: readonly UpgradeBlock[];
}

export interface UpgradeOptions {
  /** The ai.onnx opset to reach (8..21); a model already at or above it is left as it is. */
  readonly target: number;
}
