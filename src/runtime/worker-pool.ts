import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { RuntimeFailureError } from '../errors.js';
import type { HostTensor } from '../ir/index.js';

/**
 * Worker threads that each own an onnxruntime session at a time, to run many candidate models
 * over the same feeds in parallel (sensitivity analysis). Workers are never terminated mid-run
 * (that aborts the process with onnxruntime): close() asks them to finish and waits.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
parentPort.on('message', async (msg) => {
  if (msg.type === 'exit') { parentPort.close(); return; }
  let session;
  try {
    session = await ort.InferenceSession.create(msg.model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
    const outputs = [];
    for (const feed of workerData.feeds) {
      const inputs = {};
      for (const [name, t] of Object.entries(feed)) inputs[name] = new ort.Tensor(t.type, t.data, t.dims);
      const result = await session.run(inputs, [msg.output]);
      outputs.push(Float32Array.from(result[msg.output].data));
    }
    parentPort.postMessage({ id: msg.id, outputs });
  } catch (error) {
    parentPort.postMessage({ id: msg.id, error: String(error && error.message || error) });
  } finally {
    if (session) await session.release();
  }
});
`;

interface Pending {
  resolve: (outputs: Float32Array[]) => void;
  reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.idle.push(...workers);
    for (const w of workers) {
      w.on('message', (msg: { id: number; outputs?: Float32Array[]; error?: string }) => {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p?.reject(new RuntimeFailureError(`onnxruntime failed in a worker: ${msg.error}`));
        else p?.resolve(msg.outputs ?? []);
      });
    }
  }

  /** `feeds` are copied to every worker once; each task then only sends model bytes. */
  static create(size: number, feeds: readonly Record<string, HostTensor>[]): WorkerPool {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const plainFeeds = feeds.map((f) => Object.fromEntries(Object.entries(f).map(([k, t]) => [k, { type: t.type, dims: [...t.dims], data: t.data }])));
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, feeds: plainFeeds } }));
    return new WorkerPool(workers);
  }

  /** Runs a model (ONNX bytes) over every feed in one worker; returns `output` per feed. */
  async run(model: Uint8Array, output: string): Promise<Float32Array[]> {
    const worker = await this.acquire();
    try {
      const id = this.nextId++;
      return await new Promise<Float32Array[]>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'run', id, model, output });
      });
    } finally {
      this.idle.push(worker);
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.postMessage({ type: 'exit' });
          }),
      ),
    );
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      const w = this.idle.pop();
      if (w) return w;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}
