// Types for evaluate.mjs, so TypeScript callers (the notebooks, your scripts) can import it.
// Written structurally: mixq's ModelHandle fits, and so does any object with this run().

export interface EvaluatedModel {
  run(feeds: Record<string, { type: 'float32'; dims: readonly number[]; data: Float32Array }>): Promise<Record<string, { data: unknown }>>;
}

/** Top-1 accuracy (0..1) of `model` on the 1,000 Fashion-MNIST test images in this folder. */
export default function evaluate(model: EvaluatedModel, batchSize?: number): Promise<number>;

/** A little-endian, C-ordered float32 or int32 .npy file. */
export function parseNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array | Int32Array };
