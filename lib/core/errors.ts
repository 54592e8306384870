// Error classes and constructors with the stable `code`s of API.md.

export type ErrorCode =
  | 'ERR_RELEASED_TOO_MANY_TIMES'
  | 'ERR_NOT_OWNER'
  | 'ERR_LOCK_NOT_HELD'
  | 'ERR_BROKEN_BARRIER'
  | 'ERR_QUEUE_EMPTY'
  | 'ERR_QUEUE_FULL'
  | 'ERR_MESSAGE_TOO_LARGE'
  | 'ERR_CLOSED'
  | 'ERR_NOT_FOUND'
  | 'ERR_KIND_MISMATCH'
  | 'ERR_PARAMS_MISMATCH'
  | 'ERR_INVALID_NAME'
  | 'ERR_CORRUPT'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_TIMEOUT'
  | 'ERR_NATIVE_LOAD'
  // procsync/redis (lib/redis)
  | 'ERR_BACKEND_UNAVAILABLE'
  | 'ERR_LOCK_LOST'
  // Process (lib/process/process.ts)
  | 'ERR_INVALID_STATE'
  | 'ERR_TARGET_NOT_FOUND'
  | 'ERR_EXPORT_NOT_FOUND';

/** Every error of procsync's own (argument errors aside, which are TypeError/RangeError with a code). */
export class ProcsyncError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ProcsyncError';
  }
}

/** Raised by Barrier.wait when the barrier is broken (reset, aborted, timed out, a party died). */
export class BrokenBarrierError extends ProcsyncError {
  declare readonly code: 'ERR_BROKEN_BARRIER';
  constructor(message = 'the barrier is broken') {
    super('ERR_BROKEN_BARRIER', message);
    this.name = 'BrokenBarrierError';
  }
}

/** Raised by Queue.get* when no item is available. */
export class Empty extends ProcsyncError {
  declare readonly code: 'ERR_QUEUE_EMPTY';
  constructor(message = 'the queue is empty') {
    super('ERR_QUEUE_EMPTY', message);
    this.name = 'Empty';
  }
}

/** Raised by Queue.put* when the queue has no room. */
export class Full extends ProcsyncError {
  declare readonly code: 'ERR_QUEUE_FULL';
  constructor(message = 'the queue is full') {
    super('ERR_QUEUE_FULL', message);
    this.name = 'Full';
  }
}

function withCode<E extends Error>(e: E, code: string): E & { code: string } {
  Object.defineProperty(e, 'code', { value: code, enumerable: true, configurable: true, writable: true });
  return e as E & { code: string };
}

export const invalidArgType = (msg: string) => withCode(new TypeError(msg), 'ERR_INVALID_ARG_TYPE');
export const invalidArgValue = (msg: string) => withCode(new TypeError(msg), 'ERR_INVALID_ARG_VALUE');
export const outOfRange = (msg: string) => withCode(new RangeError(msg), 'ERR_OUT_OF_RANGE');
export const closedError = (what: string) => new ProcsyncError('ERR_CLOSED', `${what} is closed`);
export const coded = (code: ErrorCode, msg: string) => new ProcsyncError(code, msg);
