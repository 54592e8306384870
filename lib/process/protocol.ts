// What a Process parent and its child runner (child.ts) agree on: the init message,
// the environment variables that carry the child's name, and the status word values.

/** Environment variable: the name the parent gave the child (read and removed by the runner). */
export const ENV_NAME = 'PROCSYNC_PROCESS_NAME';
/**
 * Environment variable set by the runner to `<pid>:<name>`. currentProcess() trusts it only
 * when the pid is its own, so grandchildren that inherit the environment without being started
 * by Process are 'MainProcess' again.
 */
export const ENV_CURRENT = 'PROCSYNC_PROCESS_CURRENT';

/**
 * The child's progress, in a RawValue('i') the parent creates per child. Shared memory rather
 * than an IPC message because joinSync() must read it while the parent's event loop is blocked
 * (IPC messages are only delivered by the loop).
 */
export const Status = {
  STARTING: 0,
  /** The args' primitives are open in the child; the target is running. */
  RUNNING: 1,
  TARGET_NOT_FOUND: 2,
  EXPORT_NOT_FOUND: 3,
} as const;

/** Parent → child, once, over the IPC channel (structured clone: `serialization: 'advanced'`). */
export interface InitMessage {
  $procsync: 'init';
  /** href of the target module. */
  target: string;
  exportName: string;
  /** serialize()d args. */
  args: unknown[];
  /** serialize()d RawValue: the status word. */
  status: unknown;
}

/** Child → parent: the args are open, the parent may drop its references. */
export interface OpenedMessage {
  $procsync: 'opened';
}
