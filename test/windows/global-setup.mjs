// The stricter end-of-run check of npm run test:win (the suite's own teardown only reports
// segments that no process holds, and on Windows a segment exists only while held): the Wine
// prefix of the run is its own, so once every test and child is done, nothing at all may be
// listed — no segment, no persistent file.
import { listSegments, backend } from 'procsync';

export function setup() {}

export async function teardown() {
  let left = [];
  for (let i = 0; i < 100; i++) {
    left = listSegments().map((s) => s.name);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the run left ${left.length} segment(s) behind (${backend} backend): ${left.join(', ')}`);
}
