// Runs scenarios in real forked child processes and collects their results.
//
//   const r = await runChild('lock.fixture.js', 'increment', [lock, 1000]);
//   const rs = await runChildren(4, 'lock.fixture.js', 'increment', (i) => [lock, i]);
//
// A fixture is a CommonJS module in test/fixtures exporting async functions
// `(args..., ctx) => result`; primitives in args travel via serialize/deserialize. Every wait
// here is bounded: a child that outlives its timeout is SIGKILLed and the test fails.
import { fork, spawn, ChildProcess } from 'child_process';
import * as path from 'path';
import { serialize } from 'procsync';
import { now, EMULATED_SLOWDOWN } from './timing';

const CHILD_MAIN = path.join(__dirname, '..', 'fixtures', 'child-main.js');

export interface ChildResult<T = unknown> {
  code: number | null;
  signal: NodeJS.Signals | null;
  result?: T;
  error?: { message: string; code?: string; stack?: string };
  stdout: string;
  stderr: string;
  messages: unknown[];
  /** When this process saw the child's 'exit' event (timing.now() clock). */
  exitAt: number;
}

export interface Child<T = unknown> {
  proc: ChildProcess;
  pid: number;
  /** Resolves when the child exits (or is killed at the timeout). */
  done: Promise<ChildResult<T>>;
  /** Next message the child sent with ctx.send() (bounded by `timeoutMs`). */
  message(timeoutMs?: number): Promise<unknown>;
  send(msg: unknown): void;
  kill(signal?: NodeJS.Signals): void;
}

export interface ChildOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  execArgv?: string[];
  /** A command that runs node for us, e.g. `unshare -p -f --kill-child --mount-proc` (it must exec). */
  wrap?: string[];
}

/**
 * Starts a child, again (up to 4 more times, 100 ms apart) when the OS refuses with the
 * unclassified "spawn UNKNOWN": Wine's CreateProcess fails so now and then under load (seen once
 * in a test:win run). Nothing of procsync runs before the child exists, so this hides no bug of
 * ours; any other error is thrown at once.
 */
function startProcess(start: () => ChildProcess): ChildProcess {
  for (let attempt = 0; ; attempt++) {
    try {
      return start();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'UNKNOWN' || attempt >= 4) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
}

export function startChild<T = unknown>(
  fixture: string,
  scenario: string,
  args: unknown[] = [],
  opts: ChildOptions = {},
): Child<T> {
  const file = path.join(__dirname, '..', 'fixtures', fixture);
  const argv = [file, scenario, JSON.stringify(serialize(args))];
  const env = { ...process.env, ...opts.env };
  const start = () => opts.wrap
    ? spawn(opts.wrap[0], [...opts.wrap.slice(1), process.execPath, ...(opts.execArgv ?? []), CHILD_MAIN, ...argv], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env,
      })
    : fork(CHILD_MAIN, argv, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, execArgv: opts.execArgv ?? [] });
  const proc = startProcess(start);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d) => (stdout += d));
  proc.stderr!.on('data', (d) => (stderr += d));
  const inbox: unknown[] = [];
  const all: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  let result: T | undefined;
  let error: ChildResult['error'];
  proc.on('message', (m: { $kind?: string; value?: unknown; error?: ChildResult['error'] }) => {
    if (m && m.$kind === 'result') result = m.value as T;
    else if (m && m.$kind === 'error') error = m.error;
    else if (m && m.$kind === 'msg') {
      all.push(m.value);
      const w = waiting.shift();
      if (w) w(m.value);
      else inbox.push(m.value);
    }
  });
  const timeoutMs = (opts.timeoutMs ?? 30_000) * EMULATED_SLOWDOWN;
  const done = new Promise<ChildResult<T>>((resolve) => {
    const timer = setTimeout(() => {
      stderr += `\n[test harness] child timed out after ${timeoutMs} ms: killed`;
      proc.kill('SIGKILL');
    }, timeoutMs);
    proc.on('exit', (code, signal) => {
      const exitAt = now();
      clearTimeout(timer);
      // On a loaded machine 'exit' can come before the child's last IPC message (its result) has
      // been read: wait for 'close' (IPC channel and stdio closed), but at most 2 s, in case a
      // grandchild keeps the stdio open.
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(bound);
        setImmediate(() => resolve({ code, signal, result, error, stdout, stderr, messages: all, exitAt }));
      };
      const bound = setTimeout(finish, 2000);
      proc.once('close', finish);
    });
  });
  return {
    proc,
    pid: proc.pid!,
    done,
    // A child may have finished on its own just before (e.g. a stolen Web Lock's holder, which the
    // test then tells to release): the send fails with EPIPE, which without a callback would be an
    // unhandled 'error' of the whole file. What the child did is checked through its result.
    send: (msg) => proc.send({ $kind: 'msg', value: msg }, () => {}),
    kill: (signal = 'SIGKILL') => proc.kill(signal),
    message(ms = 20_000) {
      ms *= EMULATED_SLOWDOWN;
      if (inbox.length) return Promise.resolve(inbox.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no message from child within ${ms} ms\n${stderr}`)), ms);
        waiting.push((m) => {
          clearTimeout(t);
          resolve(m);
        });
        done.then((r) => {
          clearTimeout(t);
          reject(new Error(`child exited (${r.code ?? r.signal}) before sending a message\n${r.stderr}`));
        });
      });
    },
  };
}

/** Runs one scenario in a child and returns its result; throws if the child failed. */
export async function runChild<T = unknown>(fixture: string, scenario: string, args: unknown[] = [], opts?: ChildOptions): Promise<T> {
  const r = await startChild<T>(fixture, scenario, args, opts).done;
  return expectOk(r);
}

/** Runs the scenario in n children at once; returns their results in order. */
export async function runChildren<T = unknown>(
  n: number,
  fixture: string,
  scenario: string,
  argsFor: (i: number) => unknown[],
  opts?: ChildOptions,
): Promise<T[]> {
  const children = Array.from({ length: n }, (_, i) => startChild<T>(fixture, scenario, argsFor(i), opts));
  const results = await Promise.all(children.map((c) => c.done));
  return results.map(expectOk);
}

export function expectOk<T>(r: ChildResult<T>): T {
  if (r.code !== 0) {
    const why = r.error ? `${r.error.code ?? ''} ${r.error.stack ?? r.error.message}` : '';
    throw new Error(`child failed (code ${r.code}, signal ${r.signal}) ${why}\n${r.stderr}`);
  }
  return r.result as T;
}

/** Polls `cond` every 10 ms until true; fails after `ms`. For outcomes, not for timing. */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms * EMULATED_SLOWDOWN;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function uniqueName(tag: string): string {
  return `t-${tag}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
