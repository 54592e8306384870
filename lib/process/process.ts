// Process: multiprocessing.Process for Node. The child is a fresh Node process running
// process-child.js, which imports the target module, reopens the primitives in `args` and
// awaits target[exportName](...args). See docs/design.md "Process".
import { Timer, startTimer } from '../core/timers';
import { ChildProcess, fork } from 'child_process';
import { availableParallelism, constants, cpus } from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as v8 from 'v8';
import { coded, invalidArgType, invalidArgValue, ProcsyncError } from '../core/errors';
import { AsyncWaitOptions, WaitOptions, checkObject, checkSignal, waitTimeout } from '../core/options';
import { serialize } from '../core/serialize';
import { RawValue } from '../memory/value';
import { abortReason } from '../core/abort';
import { ENV_CURRENT, ENV_NAME, InitMessage, Status } from './protocol';
import { sleepSync, zombieStatus } from './exit';

const RUNNER = path.join(__dirname, 'child.js');

export interface ProcessOptions {
  /** Module path (relative paths resolve against process.cwd()) or URL of the target module. */
  target: string | URL;
  /** The export to call (default 'default'; a CommonJS module's exports object counts). */
  exportName?: string;
  /** Arguments; primitives (also nested) are reopened in the child, the rest is structured-cloned. */
  args?: unknown[];
  /** Default 'Process-N' ('<parent name>:N' in a child). */
  name?: string;
  /** Extra environment variables for the child (over process.env). */
  env?: NodeJS.ProcessEnv;
  /** Node flags for the child; default: the parent's process.execArgv (keeps TS loaders). */
  execArgv?: string[];
}

let counter = 0;
const active = new Set<Process>();

/** The calling process's name ('MainProcess' unless it was started by Process) and pid. */
export function currentProcess(): { name: string; pid: number } {
  const v = process.env[ENV_CURRENT];
  const colon = v ? v.indexOf(':') : -1;
  if (v && colon > 0 && Number(v.slice(0, colon)) === process.pid) return { name: v.slice(colon + 1), pid: process.pid };
  return { name: 'MainProcess', pid: process.pid };
}

/** Number of CPUs this process may use. */
export function cpuCount(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/** The Process objects started by this thread that are still running. */
export function activeChildren(): Process[] {
  for (const p of active) p.isAlive(); // drops the ones that exited
  return [...active];
}

function signalNumber(sig: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[sig] ?? 0;
}

function targetHref(target: unknown): string {
  if (target instanceof URL) return target.href;
  if (typeof target !== 'string' || target === '') throw invalidArgType('target must be a module path or a URL');
  if (/^(file|data):/.test(target)) return target;
  return pathToFileURL(path.resolve(process.cwd(), target)).href;
}

function stateError(msg: string): ProcsyncError {
  return coded('ERR_INVALID_STATE', msg);
}

export class Process {
  name: string;
  readonly #href: string;
  readonly #exportName: string;
  #args: unknown[] | null;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #execArgv: string[];
  #child: ChildProcess | null = null;
  #statusWord: RawValue | null = null;
  #code: number | null = null;
  /** The signal kill()/terminate() sent, if any (Windows: see #poll). */
  #sent: NodeJS.Signals | null = null;
  #error: Error | null = null;
  #exited: Promise<void> | null = null;

  constructor(opts: ProcessOptions) {
    const o = checkObject<ProcessOptions>(opts, 'options');
    if (!o) throw invalidArgType('options must be an object with a target');
    this.#href = targetHref(o.target);
    const exportName = o.exportName ?? 'default';
    if (typeof exportName !== 'string' || exportName === '') throw invalidArgType('exportName must be a non-empty string');
    this.#exportName = exportName;
    const args = o.args ?? [];
    if (!Array.isArray(args)) throw invalidArgType('args must be an array');
    this.#args = args;
    if (o.name !== undefined && typeof o.name !== 'string') throw invalidArgType('name must be a string');
    const parent = currentProcess().name;
    this.name = o.name ?? (parent === 'MainProcess' ? `Process-${++counter}` : `${parent}:${++counter}`);
    if (o.env !== undefined && (typeof o.env !== 'object' || o.env === null)) throw invalidArgType('env must be an object');
    this.#env = o.env;
    const execArgv = o.execArgv ?? process.execArgv;
    if (!Array.isArray(execArgv) || !execArgv.every((a) => typeof a === 'string')) {
      throw invalidArgType('execArgv must be an array of strings');
    }
    this.#execArgv = execArgv;
  }

  /** Starts the child. Throws if the args cannot be sent (e.g. a function inside). */
  start(): void {
    if (this.#child) throw stateError('a Process can only be started once');
    const args = serialize(this.#args ?? []) as unknown[];
    try {
      v8.serialize(args); // fail here, not in the child, on what structured clone refuses
    } catch (e) {
      throw invalidArgValue(`args cannot be sent to a child process: ${(e as Error).message}`);
    }
    const status = new RawValue('i', Status.STARTING);
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.#env, [ENV_NAME]: this.name };
    delete env[ENV_CURRENT];
    let child: ChildProcess;
    try {
      child = fork(RUNNER, [], {
        execArgv: this.#execArgv,
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
    } catch (e) {
      status.close();
      throw e;
    }
    this.#child = child;
    this.#statusWord = status;
    // Keep every primitive of `args` referenced (so neither GC nor the parent's exit of its
    // last handle can remove it) until the child says it has opened them, or has exited.
    // (Like Python, the Process itself forgets its args once started.)
    let keepAlive: unknown[] | null = this.#args;
    this.#args = null;
    child.on('message', (m: { $procsync?: string }) => {
      if (m && m.$procsync === 'opened') keepAlive = null;
    });
    this.#exited = new Promise<void>((resolve) => {
      child.on('error', (e) => {
        // Only a spawn failure matters here (no 'exit' follows it); other errors (a failed
        // kill) must just not be unhandled.
        if (child.exitCode === null && child.signalCode === null && child.pid === undefined) {
          this.#error = e;
          this.#finish(1);
          keepAlive = null;
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        keepAlive = null;
        this.#finish(code ?? -signalNumber(signal!));
        resolve();
      });
    });
    active.add(this);
    const init: InitMessage = {
      $procsync: 'init',
      target: this.#href,
      exportName: this.#exportName,
      args,
      status: serialize(status),
    };
    child.send(init, (err) => {
      if (err && keepAlive) child.kill('SIGKILL');
    });
  }

  /** Records the exit status once (from the 'exit' event or from the zombie, whichever first). */
  #finish(code: number): void {
    if (this.#code !== null) return;
    this.#code = code;
    active.delete(this);
    const w = this.#statusWord;
    if (w) {
      const s = w.value as number;
      if (s === Status.TARGET_NOT_FOUND) {
        this.#error = coded('ERR_TARGET_NOT_FOUND', `${this.name}: target module not found: ${this.#href}`);
      } else if (s === Status.EXPORT_NOT_FOUND) {
        this.#error = coded(
          'ERR_EXPORT_NOT_FOUND',
          `${this.name}: ${this.#href} has no function export '${this.#exportName}'`,
        );
      }
      this.#statusWord = null;
      w.close();
    }
  }

  /** Checks a not yet reaped child for exit (works while the event loop is blocked). */
  #poll(): void {
    const c = this.#child;
    if (!c || this.#code !== null) return;
    if (c.exitCode !== null || c.signalCode !== null) {
      this.#finish(c.exitCode ?? -signalNumber(c.signalCode!));
      return;
    }
    if (c.pid === undefined) return;
    let s = zombieStatus(c.pid);
    // Windows has no signals: libuv ends the child with TerminateProcess(exit code 1) and Node
    // then reports the signal it was asked to send; the native look (while the event loop is
    // blocked) sees only the exit code, so it is reported the way Node would.
    if (s === 1 && this.#sent && process.platform === 'win32') s = -signalNumber(this.#sent);
    if (typeof s === 'number') this.#finish(s);
  }

  #started(): ChildProcess {
    if (!this.#child) throw stateError('the Process has not been started');
    return this.#child;
  }

  #throwIfFailed(): void {
    if (this.#code !== null && this.#error) throw this.#error;
  }

  /**
   * Waits for the child to exit. With a timeout that expires it resolves with the child still
   * running (check exitCode / isAlive()). Rejects with ERR_TARGET_NOT_FOUND or
   * ERR_EXPORT_NOT_FOUND when the child could not find what to run.
   */
  async join(opts?: AsyncWaitOptions): Promise<void> {
    this.#started();
    const t = waitTimeout(opts);
    const signal = checkSignal(opts);
    if (signal?.aborted) throw abortReason(signal);
    this.#poll();
    if (this.#code === null && t !== 0) {
      await new Promise<void>((resolve, reject) => {
        let timer: Timer | undefined;
        const onAbort = () => {
          cleanup();
          reject(abortReason(signal!));
        };
        const cleanup = () => {
          timer?.clear();
          signal?.removeEventListener('abort', onAbort);
        };
        if (t > 0) timer = startTimer(() => (cleanup(), resolve()), t);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.#exited!.then(() => (cleanup(), resolve()));
      });
    }
    this.#throwIfFailed();
  }

  /**
   * Blocks the calling thread until the child exits or the timeout expires (then returns with
   * the child still running). Polls the child's /proc entry with short sleeps: see exit.ts.
   */
  joinSync(opts?: WaitOptions): void {
    this.#started();
    const t = waitTimeout(opts);
    const deadline = t < 0 ? Infinity : Date.now() + t;
    let nap = 1;
    for (;;) {
      this.#poll();
      if (this.#code !== null) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      sleepSync(Math.min(nap, left));
      nap = Math.min(nap * 2, 20);
    }
    this.#throwIfFailed();
  }

  /** The child's pid; null before start(). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** null while running (or not started); the exit code; -N when killed by signal N. */
  get exitCode(): number | null {
    this.#poll();
    return this.#code;
  }

  /** True from start() until the child exits. */
  isAlive(): boolean {
    if (!this.#child) return false;
    this.#poll();
    return this.#code === null;
  }

  /** Sends SIGTERM. */
  terminate(): void {
    this.#signal('SIGTERM');
  }

  /** Sends SIGKILL. */
  kill(): void {
    this.#signal('SIGKILL');
  }

  #signal(sig: NodeJS.Signals): void {
    const c = this.#started();
    this.#poll();
    if (this.#code === null && c.kill(sig)) this.#sent = sig;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const state = !this.#child ? 'initial' : this.#code === null ? 'started' : `stopped exitcode=${this.#code}`;
    return `Process { name: ${JSON.stringify(this.name)}, pid: ${this.pid}, ${state} }`;
  }
}
