// Synchronous view of a child's exit, for Process.joinSync/isAlive/exitCode.
//
// Node reaps its children itself (libuv's SIGCHLD handler calls waitpid() from the event loop
// and then runs the ChildProcess 'exit' callback on the same thread). While the JS thread is
// blocked in joinSync() the loop cannot run, so an exited child stays a zombie and nobody else
// can reap it: its pid cannot be reused, and /proc/<pid>/stat keeps its wait status (field 52,
// `exit_code`, in waitpid format, readable by the parent since Linux 3.5). Once the loop reaped
// it, the ChildProcess carries exitCode/signalCode instead. One of the two always holds.
import { readFileSync } from 'fs';

/** 'running', or the Python-style exit code of the zombie (>= 0, or -signal); null: already reaped. */
export function zombieStatus(pid: number): number | 'running' | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null; // reaped already (the ChildProcess has the status)
  }
  // "pid (comm) S ..." — comm may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
  const state = fields[0];
  if (state !== 'Z' && state !== 'X') return 'running';
  const raw = Number(fields[52 - 3]);
  if (!Number.isInteger(raw)) return null;
  const sig = raw & 0x7f;
  return sig === 0 ? (raw >> 8) & 0xff : -sig;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}
