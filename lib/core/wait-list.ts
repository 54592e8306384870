// What the two kinds of async waits of one object in one thread share — AcquireQueue
// (primitives/waitqueue.ts: the native wait takes) and WaitLine (queue/waits.ts: it only
// reports): local waiters in FIFO order, each with its own timer and AbortSignal listener, of
// which only the head has a native wait in flight; a waiter settled exactly once; and a close()
// that waits for the wait in flight to report back. What a waiter does when it gives up, and
// what a native answer means, is each subclass's own.
import { Timer, startTimer } from './timers';

export interface LocalWaiter {
  deadline: number; // performance.now() based, -1 for none
  timer?: Timer;
  signal?: AbortSignal;
  onAbort?: () => void;
  done: boolean;
}

export abstract class WaitList<W extends LocalWaiter> {
  protected readonly queue: W[] = [];
  protected inflight: { w: W; req: number } | null = null;
  private closing: (() => void) | null = null;

  /** Nobody waits: a new caller may try at once without overtaking anyone. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inflight === null;
  }

  /** Lets the head waiters try, and starts the head's native wait when one must wait. */
  protected abstract pump(): void;

  /**
   * Queues w with its deadline, its timer (timeoutMs: -1 for none) and its abort listener, then
   * pumps. Called from the executor of the Promise that w settles.
   */
  protected enqueue(w: W, timeoutMs: number, onTimeout: () => void, signal: AbortSignal | undefined, onAbort: () => void): void {
    w.deadline = timeoutMs < 0 ? -1 : performance.now() + timeoutMs;
    if (timeoutMs >= 0) w.timer = startTimer(onTimeout, timeoutMs);
    if (signal) {
      w.signal = signal;
      w.onAbort = onAbort;
      signal.addEventListener('abort', onAbort, { once: true });
    }
    this.queue.push(w);
    this.pump();
  }

  /** Milliseconds left of w's deadline (-1 for none). */
  protected remaining(w: W): number {
    return w.deadline < 0 ? -1 : w.deadline - performance.now();
  }

  /** Settles w once: stops its timer and its abort listener, then runs fn. */
  protected settle(w: W, fn: () => void): void {
    if (w.done) return;
    w.done = true;
    w.timer?.clear();
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
    fn();
  }

  protected remove(w: W): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Whether close() has begun: nothing new starts. */
  protected get isClosing(): boolean {
    return this.closing !== null;
  }

  /** What close() returns while a native wait is in flight: settles once it has reported back. */
  protected untilReported(): Promise<void> {
    return new Promise<void>((resolve) => (this.closing = resolve));
  }

  /** Called when the in-flight wait reported back: ends a pending close(); true if one was. */
  protected endClose(): boolean {
    const done = this.closing;
    if (!done) return false;
    this.closing = null;
    done();
    return true;
  }
}
