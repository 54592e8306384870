// Fails the run when the suite leaves a procsync segment that no live process holds (held ones
// belong to other live processes on the machine, not to this run; CI's .ci/run checks the
// stricter "nothing at all"). listSegments() reads the loaded backend's index: /dev/shm on
// linux, the lock files of the per-user directory on posix. On posix (built on Linux) an shm
// object in /dev/shm without a lock file is a leftover too.
import * as fs from 'fs';
import * as path from 'path';
import { backend, listSegments } from 'procsync';

export function setup(): void {}

// posix objects (/dev/shm/psy<hash>) that no lock file names; psypark.<uid> is the parking table.
function orphanObjects(): string[] {
  if (backend !== 'posix') return [];
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { segmentPath } = require(path.join(__dirname, 'segment-path.js'));
  const named = new Set(listSegments().map((s) => path.basename(segmentPath(s.name))));
  return fs.readdirSync('/dev/shm').filter((n) => n.startsWith('psy') && !n.startsWith('psypark.') && !named.has(n));
}

export async function teardown(): Promise<void> {
  // Children that were just killed release their locks when the kernel reaps them.
  let leaked: string[] = [];
  for (let i = 0; i < 50; i++) {
    leaked = [...listSegments().filter((s) => !s.held).map((s) => s.name), ...orphanObjects()];
    if (leaked.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the test suite left segments behind (${backend} backend): ${leaked.join(', ')}`);
}
