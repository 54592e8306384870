// The few time bounds that are promises of the API (not guesses about a loaded machine).
//
// Owner death: "a waiter (or the next acquirer) takes it over within 1 s" (API.md). It is
// measured from the owner's *observed* exit (the child's 'exit' event in the test process) to
// the moment the waiter's call returned (a wall-clock stamp taken by the waiter, possibly in
// another process), so scheduling delays before the kill do not count.
//
// Under an emulator (qemu-user and the like) nothing runs at native speed: set
// PROCSYNC_EMULATED=1 and these bounds are not checked (the outcomes still are).
import { performance } from 'perf_hooks';

export const OWNER_DEATH_MS = 1000;
export const emulated = !!process.env.PROCSYNC_EMULATED && process.env.PROCSYNC_EMULATED !== '0';
/** Safety-net bounds (a hung child, a hung test) are multiplied by this under an emulator. */
export const EMULATED_SLOWDOWN = emulated ? 10 : 1;

/** Wall-clock milliseconds with sub-ms resolution, comparable across processes of one machine. */
export const now = (): number => performance.timeOrigin + performance.now();
