import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RuntimeFailureError } from '../errors.js';
import type { HostTensor } from '../ir/index.js';
import type { WorkerInit, WorkerReply } from './worker.js';

/**
 * Worker threads that each own an onnxruntime session at a time, to run many candidate models
 * over the same feeds in parallel (sensitivity analysis). Workers are never terminated mid-run
 * (that aborts the process with onnxruntime): close() asks them to finish and waits. A worker that
 * dies (uncaught error, process.exit, out of memory) fails its task and every later one with a
 * RuntimeFailureError instead of leaving the caller waiting forever.
 */
export interface WorkerPoolOptions {
  /** The worker module (default: ./worker.js next to this file, or ./worker.ts through tsx). Tests swap it. */
  readonly workerUrl?: URL;
}

interface Task {
  readonly id: number;
  readonly resolve: (outputs: Float32Array[]) => void;
  readonly reject: (error: Error) => void;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly alive = new Set<Worker>();
  private failure: RuntimeFailureError | undefined;
  private closing = false;
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    this.idle.push(...workers);
    for (const w of workers) {
      this.alive.add(w);
      w.on('message', (msg: WorkerReply) => this.settle(w, msg));
      w.on('error', (error: Error) => this.fail(w, `a worker thread crashed: ${error.message}`));
      w.on('exit', (code: number) => {
        this.alive.delete(w);
        if (!this.closing || this.running.has(w)) this.fail(w, `a worker thread exited unexpectedly (exit code ${code})`);
      });
    }
  }

  /** `feeds` are copied to every worker once; each task then only sends model bytes. */
  static create(size: number, feeds: readonly Record<string, HostTensor>[], options: WorkerPoolOptions = {}): WorkerPool {
    const init: WorkerInit = { feeds: feeds.map((f) => Object.fromEntries(Object.entries(f).map(([k, t]) => [k, { type: t.type, dims: [...t.dims], data: t.data }]))) };
    const entry = options.workerUrl ? { url: options.workerUrl, eval: false } : defaultWorker();
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(entry.url, { workerData: init, eval: entry.eval }));
    return new WorkerPool(workers);
  }

  /** Runs a model (ONNX bytes) over every feed in one worker; returns `output` per feed. */
  async run(model: Uint8Array, output: string): Promise<Float32Array[]> {
    const worker = await this.acquire();
    try {
      const id = this.nextId++;
      return await new Promise<Float32Array[]>((resolve, reject) => {
        this.running.set(worker, { id, resolve, reject });
        worker.postMessage({ type: 'run', id, model, output });
      });
    } finally {
      this.running.delete(worker);
      if (this.alive.has(worker)) this.idle.push(worker);
      this.waiting.shift()?.();
    }
  }

  /** Asks every live worker to finish and waits for it (dead ones are already gone). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.alive].map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.postMessage({ type: 'exit' });
          }),
      ),
    );
  }

  private settle(worker: Worker, msg: WorkerReply): void {
    const task = this.running.get(worker);
    if (!task || task.id !== msg.id) return;
    if ('error' in msg) task.reject(new RuntimeFailureError(`onnxruntime failed in a worker: ${msg.error}`));
    else task.resolve(msg.outputs);
  }

  /** A dead worker fails its task; the pool fails every later task too (the run cannot be trusted to finish). */
  private fail(worker: Worker, why: string): void {
    this.alive.delete(worker);
    this.failure ??= new RuntimeFailureError(`The worker pool stopped: ${why}.`, {
      hint: 'Run with one worker (workers: 1 / no --workers) to see the error in this thread; a crash here may be memory: use fewer workers.',
    });
    this.running.get(worker)?.reject(this.failure);
    // Wake everyone waiting for a worker: they fail at acquire().
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      if (this.failure) throw this.failure;
      const w = this.idle.pop();
      if (w) return w;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}

/**
 * The compiled worker when this file runs from dist/; from the sources (tests, tsx) a two-line
 * bootstrap registers tsx's loader in the new thread, then imports worker.ts.
 */
function defaultWorker(): { url: URL | string; eval: boolean } {
  const compiled = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { url: compiled, eval: false };
  // tsx's ESM API (its package exports give require() the CommonJS build).
  const tsxApi = new URL('dist/esm/api/index.mjs', pathToFileURL(createRequire(import.meta.url).resolve('tsx/package.json'))).href;
  const source = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); }).catch((e) => { setImmediate(() => { throw e; }); });`;
  return { url: bootstrap, eval: true };
}
