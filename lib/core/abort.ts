// What an aborted wait rejects with. Its own module (re-exported by primitives/waitqueue.ts) so that
// procsync/redis uses it without loading the native addon.
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
