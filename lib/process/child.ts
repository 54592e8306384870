// The program a Process child runs (forked by lib/process/process.ts): receives the init message,
// imports the target, reopens the args' primitives, acknowledges, and awaits the target.
// An exception prints its stack to stderr and exits with code 1 (as Python's Process does).
import { existsSync } from 'fs';
import { fileURLToPath } from 'url';
import { deserialize, RawValue } from '../index';
import { ENV_CURRENT, ENV_NAME, InitMessage, OpenedMessage, Status } from './protocol';

// The name is ours only: grandchildren started otherwise must not inherit it (see ENV_CURRENT).
const name = process.env[ENV_NAME] ?? 'Process';
delete process.env[ENV_NAME];
process.env[ENV_CURRENT] = `${process.pid}:${name}`;

function fail(e: unknown): never {
  console.error(e instanceof Error && e.stack ? e.stack : e);
  process.exit(1);
}

/** target[exportName], also through a CommonJS module's exports object (ns.default). */
function pick(ns: Record<string, unknown>, exportName: string): { fn: Function; self: unknown } | null {
  const d = ns.default as Record<string, unknown> | null | undefined;
  if (typeof ns[exportName] === 'function') return { fn: ns[exportName] as Function, self: exportName === 'default' ? undefined : d };
  if (d !== null && (typeof d === 'object' || typeof d === 'function')) {
    // module.exports = { f } (named export not detected), or a transpiled `export default`.
    const key = exportName === 'default' ? 'default' : exportName;
    if (typeof d[key] === 'function') return { fn: d[key] as Function, self: d };
  }
  return null;
}

async function run(m: InitMessage): Promise<void> {
  const status = deserialize<RawValue>(m.status);
  const giveUp = (code: number, msg: string): never => {
    status.value = code; // read by the parent's join/joinSync after our exit
    status.close();
    console.error(`procsync: ${name}: ${msg}`);
    process.exit(1);
  };
  if (m.target.startsWith('file:') && !existsSync(fileURLToPath(m.target))) {
    giveUp(Status.TARGET_NOT_FOUND, `target module not found: ${fileURLToPath(m.target)}`);
  }
  const ns = (await import(m.target)) as Record<string, unknown>;
  const target = pick(ns, m.exportName);
  if (!target) giveUp(Status.EXPORT_NOT_FOUND, `${m.target} has no function export '${m.exportName}'`);
  const args = deserialize<unknown[]>(m.args);
  status.value = Status.RUNNING;
  status.close();
  // The parent holds the args' primitives until this arrives; then the channel is not needed
  // (and must not keep this process alive once the target is done).
  const opened: OpenedMessage = { $procsync: 'opened' };
  process.send!(opened, () => process.disconnect());
  await target!.fn.apply(target!.self, args);
}

let started = false;
process.once('message', (m: InitMessage) => {
  started = true;
  if (!m || m.$procsync !== 'init') fail(new Error('procsync: unexpected first message from the parent'));
  run(m).catch(fail);
});
process.once('disconnect', () => {
  if (!started) process.exit(1); // the parent went away before telling us what to run
});
if (!process.send) fail(new Error('procsync: process-child.js must be started by procsync.Process'));
