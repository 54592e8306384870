// Closes, after each test, the primitives a test opened with track() (newest first).
//
//   const track = useTracked();
//   const lock = track(new Lock());
import { afterEach } from 'vitest';

export function useTracked(): <T extends { close(): void }>(p: T) => T {
  const opened: { close(): void }[] = [];
  afterEach(() => {
    for (const p of opened.splice(0).reverse()) p.close();
  });
  return (p) => (opened.push(p), p);
}
