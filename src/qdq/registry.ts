import type { OpHandler } from './handler.js';
import { activationHandler, fusedActivationHandler } from './handlers/activation.js';
import { binaryHandler } from './handlers/binary.js';
import { concatHandler } from './handlers/concat.js';
import { convHandler } from './handlers/conv.js';
import { gemmHandler } from './handlers/gemm.js';
import { layerNormHandler } from './handlers/layer-norm.js';
import { matmulHandler } from './handlers/matmul.js';
import { poolingHandler } from './handlers/pooling.js';
import { resizeHandler } from './handlers/resize.js';
import { shapeOpsHandler } from './handlers/shape-ops.js';
import { softmaxHandler } from './handlers/softmax.js';

/** Every op handler; adding an op family = one file in handlers/ and one entry here. */
const HANDLERS: readonly OpHandler[] = [
  convHandler,
  gemmHandler,
  matmulHandler,
  binaryHandler,
  concatHandler,
  poolingHandler,
  fusedActivationHandler,
  activationHandler,
  softmaxHandler,
  shapeOpsHandler,
  resizeHandler,
  layerNormHandler,
];

const BY_OP = new Map<string, OpHandler>();
for (const h of HANDLERS) {
  for (const op of h.opTypes) {
    if (BY_OP.has(op)) throw new Error(`Two handlers claim op type ${op}`);
    BY_OP.set(op, h);
  }
}

/** The handler for an ai.onnx op type, if any. */
export function handlerFor(opType: string, domain: string): OpHandler | undefined {
  return domain === '' || domain === 'ai.onnx' ? BY_OP.get(opType) : undefined;
}

export function supportedOpTypes(): string[] {
  return [...BY_OP.keys()].sort();
}

/** Op types whose handler quantizes them only on request. */
export function optionalOpTypes(): string[] {
  return HANDLERS.filter((h) => h.optional).flatMap((h) => h.opTypes);
}

/** Compute ops that form a "layer" (activation + weight + bias), the search's default candidates. */
export const LAYER_OP_TYPES: readonly string[] = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];
