// Inspecting what is live (API.md "Inspecting what is live"): procsync.inspect(name) and the
// details of procsync.listSegments(), also used by the procsync command (bin/procsync.js).
// Reads shared memory only: a segment is opened (which makes this thread one of its users for
// the moment), described and closed again.
import { coded } from './core/errors';
import { kindName } from './core/kinds';
import { Holder, native, NativeSegment, SegHandle } from './core/native';
import { checkName } from './core/options';
import { openByName } from './core/registry';

/** What procsync.inspect(name) and procsync.listSegments() report about one primitive. */
export interface SegmentInfo {
  name: string;
  /** The class name ('Lock', 'RWLock', …), or null when the segment could not be read. */
  kind: string | null;
  /** Some process has it open. */
  held: boolean;
  /** Size of the segment in bytes. */
  bytes: number | null;
  persistent: boolean | null;
  /** Creation time, ms since the epoch. */
  createdAt: number | null;
  /** Pids of the processes that use it (as this process sees them), best effort. */
  users: number[];
  /** Per kind: locked and holder, value, isSet, waiting, parties/broken, qsize, readers… */
  state: Record<string, unknown> | null;
}

type Details = { createdAt: number; users: { id: number; pid: number }[] };
const details = (seg: NativeSegment): Details =>
  (native as unknown as { segmentDetails(s: SegHandle): Details }).segmentDetails(seg.info().handle);

function stateOf(name: string): Record<string, unknown> | null {
  let p;
  try {
    p = openByName(name);
  } catch {
    return null;
  }
  try {
    const q = p as unknown as { inspectFields(): Record<string, unknown>; inspectHolder?(): Holder | null };
    const fields = q.inspectFields();
    // { pid, threadId } of the holder (threadId: null when its users-table entry was reused).
    const holder = (pid: unknown): Holder | { pid: unknown; threadId: null } | null =>
      pid === null || pid === undefined ? null : (q.inspectHolder?.() ?? { pid, threadId: null });
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'name') continue;
      if (k === 'owner') {
        out.locked = fields.locked;
        out.holder = holder(v);
        continue;
      }
      if (k === 'writer') {
        out.writer = holder(v);
        continue;
      }
      out[k] = v !== null && typeof v === 'object' && 'name' in v ? (v as { name: string }).name : v;
    }
    return out;
  } catch {
    return null;
  } finally {
    p.close();
  }
}

/** Describes the named primitive. ERR_NOT_FOUND when there is none. */
export function inspect(name: string): SegmentInfo {
  checkName(name);
  const seg = native.openExisting(name, 0);
  let info;
  let d: Details;
  try {
    info = seg.info();
    d = details(seg);
  } finally {
    seg.close();
  }
  const users = [...new Set(d.users.map((u) => u.pid))].sort((a, b) => a - b);
  return {
    name,
    kind: kindName(info.kind) ?? null,
    held: users.length > 0,
    bytes: info.size,
    persistent: info.persistent,
    createdAt: d.createdAt || null,
    users,
    state: stateOf(name),
  };
}

const VALID = /^[A-Za-z0-9._-]{1,200}$/;

/** procsync's segments in /dev/shm with what inspect() tells about each (best effort). */
export function listSegments(): SegmentInfo[] {
  return native.listSegments().map(({ name, held }) => {
    const base: SegmentInfo = { name, kind: null, held, bytes: null, persistent: null, createdAt: null, users: [], state: null };
    if (!VALID.test(name)) return base;
    try {
      return { ...inspect(name), held };
    } catch {
      return base;
    }
  });
}

/** Throws ERR_NOT_FOUND unless the name exists (for the CLI's messages). */
export function notFound(name: string): Error {
  return coded('ERR_NOT_FOUND', `no primitive named '${name}'`);
}
