/**
 * The body of a WorkerPool thread: owns one onnxruntime session at a time and runs a candidate
 * model over the feeds it was given once at start. Loaded by path (dist/runtime/worker.js when
 * built, this file through tsx when run from the sources), never imported.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';

export interface PlainTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ort.Tensor.DataType;
}

export interface WorkerInit {
  readonly feeds: readonly Record<string, PlainTensor>[];
}

export type WorkerRequest = { readonly type: 'run'; readonly id: number; readonly model: Uint8Array; readonly output: string } | { readonly type: 'exit' };

export type WorkerReply = { readonly id: number; readonly outputs: Float32Array[] } | { readonly id: number; readonly error: string };

async function runModel(init: WorkerInit, model: Uint8Array, output: string): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const outputs: Float32Array[] = [];
    for (const feed of init.feeds) {
      const inputs: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feed)) inputs[name] = new ort.Tensor(t.type as ort.Tensor.Type, t.data, [...t.dims]);
      const result = await session.run(inputs, [output]);
      outputs.push(Float32Array.from(result[output]!.data as Float32Array));
    }
    return outputs;
  } finally {
    await session.release();
  }
}

function serve(port: NonNullable<typeof parentPort>, init: WorkerInit): void {
  port.on('message', async (msg: WorkerRequest) => {
    if (msg.type === 'exit') {
      port.close();
      return;
    }
    let reply: WorkerReply;
    try {
      reply = { id: msg.id, outputs: await runModel(init, msg.model, msg.output) };
    } catch (error) {
      reply = { id: msg.id, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}

if (parentPort) serve(parentPort, workerData as WorkerInit);
