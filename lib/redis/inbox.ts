// The wake loop: one dedicated connection per remote blocks in BLPOP on this remote's wake list
// (scripts push "w<resource>" when a waiter here may now be granted, "s<holder id>" when a holding
// here was stolen). Waiting therefore costs no polling; the loop only runs while something here
// listens (a waiter, or a Web Lock holder that must hear of a steal).
import type { Redis } from 'ioredis';
import { INBOX_BLOCK_S, INBOX_RETRY_MS } from './constants';

type Listener = () => void;

export class Inbox {
  private readonly wakes = new Map<string, Set<Listener>>();
  private readonly steals = new Map<string, Listener>();
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

  /** Calls fn if holding `id` is stolen, until the returned function is called. */
  onSteal(id: string, fn: Listener): () => void {
    this.steals.set(id, fn);
    this.start();
    return () => void this.steals.delete(id);
  }

  private get wanted(): boolean {
    return !this.closed && (this.wakes.size > 0 || this.steals.size > 0);
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
        if (r) {
          this.dispatch(r[1]);
          // Take whatever else is queued without blocking again.
          const rest = (await this.blocker.lpop(this.key, 1000)) as string[] | null;
          if (rest) for (const m of rest) this.dispatch(m);
        }
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
