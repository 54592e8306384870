// Synchronous view of a child's exit, for Process.joinSync/isAlive/exitCode.
//
// Node reaps its children itself (libuv's SIGCHLD handler calls waitpid() from the event loop
// and then runs the ChildProcess 'exit' callback on the same thread). While the JS thread is
// blocked in joinSync() the loop cannot run, so an exited child stays a zombie until then. The
// core looks at it without reaping it (native/platform/platform.h child_status: on Linux the
// zombie's /proc/<pid>/stat, on other backends waitid with WNOWAIT), so Node still reaps it and
// emits 'exit' as usual. Once the loop reaped it,
// the ChildProcess carries exitCode/signalCode instead. One of the two always holds.
import { native } from '../core/native';

const childStatus = native.childStatus as (pid: number) => number | 'running' | null;

/** 'running', or the Python-style exit code of the zombie (>= 0, or -signal); null: already reaped. */
export function zombieStatus(pid: number): number | 'running' | null {
  return childStatus(pid);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the calling thread for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}
