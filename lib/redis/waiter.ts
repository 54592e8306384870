// What every remote wait shares (a Lock/Semaphore/RWLock/Web Lock acquire in resource.ts, an
// Event's wait in event.ts): listen on this remote's wake list before the first attempt (so a
// message sent in between is not missed), and between attempts sleep until a message,
// the heartbeat (WAITER_HEARTBEAT_MS: the waiter re-registers, which keeps its place and covers
// a wake lost by a server restart), the timeout, an abort or the remote's close.
import { startTimer, Timer } from '../core/timers';
import { abortReason } from '../core/abort';
import { WAITER_HEARTBEAT_MS } from './constants';
import type { Remote } from './remote';

export class RemoteWaiter {
  /** Why the wait ends early: reason null for the timeout, else the abort reason or ERR_CLOSED. */
  ended: { reason: unknown } | null = null;
  private woken = false;
  private kick: (() => void) | null = null;
  private readonly offWake: (() => void) | null;
  private readonly offClose: () => void;
  private readonly timer: Timer | null;
  private readonly onAbort: () => void;

  /**
   * listen: registers `poke` for the messages this wait is woken by and returns its unregister
   * (null: a single attempt that never queues). timeout: ms, -1 forever.
   */
  constructor(
    remote: Remote,
    listen: ((poke: () => void) => () => void) | null,
    timeout: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    const poke = (): void => {
      this.woken = true;
      this.kick?.();
    };
    const end = (reason: unknown): void => {
      this.ended ??= { reason };
      poke();
    };
    this.offWake = listen === null ? null : listen(poke);
    this.timer = timeout > 0 ? startTimer(() => end(null), timeout) : null;
    this.onAbort = () => end(abortReason(signal!));
    signal?.addEventListener('abort', this.onAbort, { once: true });
    this.offClose = remote.onClose(() => end(remote.closedError()));
  }

  /** Until the next attempt is due (at once when a wake came since the last one). */
  async next(): Promise<void> {
    if (!this.woken) {
      let hb: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.kick = resolve;
        hb = setTimeout(resolve, WAITER_HEARTBEAT_MS);
      });
      clearTimeout(hb);
      this.kick = null;
    }
    this.woken = false;
  }

  /** Throws the reason the wait ended for, if an abort or close ended it (not the timeout). */
  throwIfAborted(): void {
    const why = this.ended;
    if (why !== null && why.reason !== null) throw why.reason;
  }

  dispose(): void {
    this.offWake?.();
    this.offClose();
    this.timer?.clear();
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
