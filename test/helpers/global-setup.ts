// Fails the run when the suite leaves a procsync segment in /dev/shm that no live process holds
// (held ones belong to other live processes on the machine, not to this run; CI's .ci/run
// checks the stricter "nothing at all").
import { listSegments } from 'procsync';

export function setup(): void {}

export async function teardown(): Promise<void> {
  // Children that were just killed release their flocks when the kernel reaps them.
  let leaked: string[] = [];
  for (let i = 0; i < 50; i++) {
    leaked = listSegments().filter((s) => !s.held).map((s) => s.name);
    if (leaked.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the test suite left segments in /dev/shm: ${leaked.join(', ')}`);
}
