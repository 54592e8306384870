// remote.Event: a flag on the server. wait() registers this waiter (EVENT_WAIT) and blocks on the
// wake list; set() wakes every registered waiter. A generation counter, bumped by each set(),
// makes wait() true when the flag was set while waiting even if it was cleared again before the
// waiter re-checked (threading semantics, as the shared-memory Event).
import { AsyncWaitOptions, checkSignal, waitTimeout } from '../core/options';
import { abortReason } from '../core/abort';
import { WAITER_TTL_MS } from './constants';
import type { Remote } from './remote';
import { EVENT_SET, EVENT_WAIT } from './scripts';
import { RemoteWaiter } from './waiter';

export class RemoteEvent {
  readonly kind = 'Event';

  /** @internal Use remote.Event(name). */
  constructor(
    private readonly remote: Remote,
    readonly name: string,
    private readonly key: string,
  ) {}

  private what(op: string): string {
    return `Event '${this.name}': ${op}`;
  }

  /** Sets the flag and wakes every waiter, on every client. */
  async set(): Promise<void> {
    this.remote.checkOpen();
    await this.remote.conn.run(EVENT_SET, [this.key, this.remote.inboxPrefix, this.remote.inboxTtl], this.what('set'));
  }

  async clear(): Promise<void> {
    this.remote.checkOpen();
    await this.remote.conn.cmd('DEL', [`${this.key}:f`], this.what('clear'));
  }

  async isSet(): Promise<boolean> {
    this.remote.checkOpen();
    return (await this.remote.conn.cmd<number>('EXISTS', [`${this.key}:f`], this.what('isSet'))) === 1;
  }

  /** true when the flag is set or was set while waiting; false on timeout; rejects on abort. */
  async wait(opts?: AsyncWaitOptions): Promise<boolean> {
    const remote = this.remote;
    remote.checkOpen();
    const timeout = waitTimeout(opts);
    const signal = checkSignal(opts);
    if (signal?.aborted) throw abortReason(signal);
    const id = remote.newId();
    const once = timeout === 0;
    const w = new RemoteWaiter(remote, once ? null : (poke) => remote.inbox.onWake(this.key, poke), timeout, signal);
    let gen = '';
    try {
      for (;;) {
        const [set, g] = await remote.conn.run<[number, string]>(
          EVENT_WAIT,
          [this.key, id, once ? 1 : WAITER_TTL_MS, gen],
          this.what('wait'),
        );
        if (set === 1) return true;
        if (gen === '') gen = g;
        if (once || w.ended !== null) break;
        await w.next();
        const ended = w.ended as { reason: unknown } | null; // set meanwhile, by a callback
        if (ended !== null) {
          // One last look: a set() that raced with the timeout still counts.
          const [last] = await remote.conn.run<[number, string]>(EVENT_WAIT, [this.key, id, 1, gen], this.what('wait'));
          if (last === 1 && ended.reason === null) return true;
          break;
        }
      }
      remote.conn.cmd('ZREM', [`${this.key}:w`, id], this.what('wait')).catch(() => {});
      w.throwIfAborted();
      return false;
    } finally {
      w.dispose();
    }
  }
}
