// Runs scenarios of test/fixtures/worker-thread.js in real worker_threads and talks to them.
//
//   const w = startWorker('blockByName', [name, 'acquireSync']);
//   expect(await w.message()).toBe('about to block');
//   await within(w.worker.terminate(), 3_000, 'terminate');
//
// Every wait here is bounded (a hang fails the test instead of the run). Workers started here
// are terminated by `terminateAll()` (call it from afterEach).
import * as path from 'path';
import { Worker } from 'worker_threads';
import { serialize, deserialize } from 'procsync';

const ENTRY = path.join(__dirname, '..', 'fixtures', 'worker-thread.js');

export interface Started {
  worker: Worker;
  /** Next message the scenario sent with ctx.send() (bounded by `ms`). */
  message(ms?: number): Promise<unknown>;
  send(v: unknown): void;
  /** The scenario's result; rejects with its error. */
  result: Promise<unknown>;
  /** The worker's exit code, once it has exited. */
  exited: Promise<number>;
}

const workers: Worker[] = [];

export function startWorker(scenario: string, args: unknown[] = []): Started {
  const worker = new Worker(ENTRY, { workerData: { scenario, args: serialize(args) } });
  workers.push(worker);
  const inbox: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  let settle!: { resolve: (v: unknown) => void; reject: (e: unknown) => void };
  const result = new Promise((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {});
  worker.on('message', (m: { $kind: string; value?: unknown; error?: { message: string; code?: string; stack?: string } }) => {
    if (m.$kind === 'result') settle.resolve(deserialize(m.value));
    else if (m.$kind === 'error') settle.reject(Object.assign(new Error(m.error!.stack ?? m.error!.message), { code: m.error!.code }));
    else {
      const v = deserialize(m.value);
      const w = waiting.shift();
      if (w) w(v);
      else inbox.push(v);
    }
  });
  worker.on('error', (e) => settle.reject(e));
  const exited = new Promise<number>((r) => worker.on('exit', r));
  return {
    worker,
    result,
    exited,
    send: (v) => worker.postMessage(serialize(v)),
    message(ms = 20_000) {
      if (inbox.length) return Promise.resolve(inbox.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no message from the worker within ${ms} ms`)), ms);
        waiting.push((v) => {
          clearTimeout(t);
          resolve(v);
        });
      });
    },
  };
}

/** Terminates every worker started with startWorker (bounded: a hung terminate fails loudly). */
export async function terminateAll(ms = 20_000): Promise<void> {
  await within(Promise.all(workers.splice(0).map((w) => w.terminate())), ms, 'terminating the workers');
}

/** Bounded wait for a promise: rejects with `what: not within ms` if it does not settle in time. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  const timer = new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([p, timer]).finally(() => clearTimeout(t));
}
