// Timeouts of async waits. Node fires a setTimeout of more than 2^31-1 ms (~24.8 days) at once;
// a wait with such a timeout must still wait, so long timers re-arm until the deadline.
const MAX_TIMER_MS = 0x7fffffff;

export interface Timer {
  clear(): void;
}

export function startTimer(fn: () => void, ms: number): Timer {
  const end = performance.now() + ms;
  let handle: NodeJS.Timeout;
  const arm = (): void => {
    const left = Math.max(0, end - performance.now());
    handle = left <= MAX_TIMER_MS ? setTimeout(fn, left) : setTimeout(arm, MAX_TIMER_MS);
  };
  arm();
  return { clear: () => clearTimeout(handle) };
}
