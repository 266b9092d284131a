import { readFileSync } from 'node:fs';
import type { ModelProto } from '../../src/onnx/proto-types.js';

export const RESNET = '/work/shared/models/fashion-resnet.onnx';
export const VIT = '/work/shared/models/fashion-vit.onnx';

/** File bytes as a plain Uint8Array (not a Buffer), to exercise protobufjs' generic Reader. */
export function readModelBytes(file: string): Uint8Array {
  const b = readFileSync(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A small valid model: y = Relu(x), one float initializer. */
export function tinyModel(overrides: Partial<ModelProto> = {}): ModelProto {
  return {
    ir_version: 8,
    producer_name: 'mixq-test',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      node: [{ op_type: 'Relu', name: 'relu', input: ['x'], output: ['y'] }],
      initializer: [{ name: 'w', dims: [2], data_type: 1, raw_data: new Uint8Array(new Float32Array([1.5, -2]).buffer) }],
      input: [{ name: 'x', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 4 }] } } } }],
      output: [{ name: 'y', type: { tensor_type: { elem_type: 1 } } }],
    },
    ...overrides,
  };
}




/** Protobuf varint bytes. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A length-delimited field: tag(field, 2), length, payload. */
export function ldField(field: number, payload: ArrayLike<number>): number[] {
  return [...varint(field * 8 + 2), ...varint(payload.length), ...Array.from(payload)];
}

export { catchMixq, catchMixqAsync } from '../fixtures/helpers.js';
export { prng } from '../fixtures/random.js';
