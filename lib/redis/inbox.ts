// The wake loop: one dedicated connection per remote blocks in BLPOP on this remote's wake list
// (scripts push "g<waiter id> <token> <server ms> <lease ms>" when they granted a waiter here,
// "s<holder id>" when a holding here was stolen, "w<event>" when an Event was set). Waiting
// therefore costs no polling; the loop only runs while something here listens (a waiter, or a
// Web Lock holder that must hear of a steal).
import type { Redis } from 'ioredis';
import { INBOX_BLOCK_S, INBOX_RETRY_MS } from './constants';

type Listener = () => void;

/** A grant a script made to a waiting request (scripts.ts handoff): token '' for a shared one;
 * serverNow is the server's clock (ms) when it granted, lease how long the grant lasts from then. */
export interface Grant {
  token: string;
  serverNow: number;
  lease: number;
}

export class Inbox {
  private readonly wakes = new Map<string, Set<Listener>>();
  private readonly steals = new Map<string, Listener>();
  private readonly grants = new Map<string, (g: Grant) => void>();
  private running = false;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly blocker: Redis,
    readonly key: string,
  ) {}

  /** Calls fn at each wake for resource R until the returned function is called. */
  onWake(R: string, fn: Listener): () => void {
    let set = this.wakes.get(R);
    if (!set) this.wakes.set(R, (set = new Set()));
    set.add(fn);
    this.start();
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.wakes.get(R) === set) this.wakes.delete(R);
    };
  }

  /** Calls fn with the grant to waiting request `id`, until the returned function is called. */
  onGrant(id: string, fn: (g: Grant) => void): () => void {
    this.grants.set(id, fn);
    this.start();
    return () => void this.grants.delete(id);
  }

  /** Calls fn if holding `id` is stolen, until the returned function is called. */
  onSteal(id: string, fn: Listener): () => void {
    this.steals.set(id, fn);
    this.start();
    return () => void this.steals.delete(id);
  }

  private get wanted(): boolean {
    return !this.closed && (this.wakes.size > 0 || this.steals.size > 0 || this.grants.size > 0);
  }

  private start(): void {
    if (this.running || this.retry !== null || !this.wanted) return;
    this.running = true;
    void this.loop();
  }

  private dispatch(msg: string): void {
    if (msg[0] === 'w') {
      const set = this.wakes.get(msg.slice(1));
      if (set) for (const fn of [...set]) fn();
    } else if (msg[0] === 'g') {
      // "g<id> <token> <server ms> <lease ms>", read from the end (the token may be empty)
      const f = msg.slice(1).split(' ');
      const lease = Number(f.pop());
      const serverNow = Number(f.pop());
      const token = f.pop() ?? '';
      const fn = this.grants.get(f.join(' '));
      if (fn) fn({ token, serverNow, lease });
    } else if (msg[0] === 's') {
      const fn = this.steals.get(msg.slice(1));
      if (fn) {
        this.steals.delete(msg.slice(1));
        fn();
      }
    }
  }

  private async loop(): Promise<void> {
    while (this.wanted) {
      try {
        const r = (await this.blocker.blpop(this.key, INBOX_BLOCK_S)) as [string, string] | null;
        // One message per BLPOP: another queued behind it is the next BLPOP's answer at once,
        // and after the last one nothing more is sent (an LPOP for the rest cost every wake a
        // round trip).
        if (r) this.dispatch(r[1]);
      } catch {
        // The server is unreachable: each waiter learns of it through its own calls (heartbeat,
        // timeout); this loop retries after a pause and never spins.
        if (!this.wanted) break;
        this.running = false;
        this.retry = setTimeout(() => {
          this.retry = null;
          this.start();
        }, INBOX_RETRY_MS);
        return;
      }
    }
    this.running = false;
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }
}
