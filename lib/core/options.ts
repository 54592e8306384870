// Validation of the options every primitive shares: names, wait options, creation options.
import { createHash } from 'crypto';
import { coded, invalidArgType, outOfRange } from './errors';

/** The longest name of a primitive: names match NAME_RE. */
export const MAX_NAME_LENGTH = 200;
const NAME_RE = new RegExp(`^[A-Za-z0-9._-]{1,${MAX_NAME_LENGTH}}$`);
/** Hex digits of the hash that shortens a derived name that would be too long. */
const DERIVED_HASH_DIGITS = 16;

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw coded('ERR_INVALID_NAME', `invalid name ${JSON.stringify(name)}: names match ${NAME_RE}`);
  }
  return name;
}

/**
 * The name of a segment that a named primitive makes for itself (a Value's, SharedArray's or
 * Condition's default lock): `<name>.<suffix>` when that fits the name limit; otherwise the
 * start of `name`, a hash of the whole of `name`, and the suffix, cut to exactly
 * MAX_NAME_LENGTH characters. Every process derives the same name from the same name, and a
 * valid name always gives a valid one.
 */
export function derivedName(name: string, suffix: string): string {
  const plain = `${name}.${suffix}`;
  if (plain.length <= MAX_NAME_LENGTH) return plain;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, DERIVED_HASH_DIGITS);
  const tail = `.${hash}.${suffix}`;
  return name.slice(0, MAX_NAME_LENGTH - tail.length) + tail;
}

export interface CreateOptions {
  /** Create-or-open this named primitive; without it a new anonymous one is made. */
  name?: string;
  /** Permission bits of a new primitive (default 0o600). */
  mode?: number;
  /** Keep the named primitive after its last user closes it, until procsync.unlink(name). */
  persistent?: boolean;
  /**
   * The uid of another user whose named segment may be used. Without it a segment that another
   * user owns is refused with ERR_PERMISSION: sharing across users is always explicit.
   */
  allowOwner?: number;
}

/** Checks `allowOwner` (a uid: an integer 0 .. 2**32-2); undefined when absent. */
export function checkAllowOwner(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  return checkInt(v, 'allowOwner', 0, 2 ** 32 - 2);
}

export interface WaitOptions {
  /** false: one attempt, no wait (the timeout is ignored). Default true. */
  block?: boolean;
  /** Milliseconds; undefined/null waits forever; negative counts as 0. */
  timeout?: number | null;
}

export interface AsyncWaitOptions extends WaitOptions {
  signal?: AbortSignal;
}

export function checkObject<T extends object>(v: unknown, what: string): T | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object') throw invalidArgType(`${what} must be an object`);
  return v as T;
}

/** Normalises wait options to a timeout in ms: -1 for none, else >= 0. */
export function waitTimeout(opts: WaitOptions | undefined, defaultTimeout: number | null = null): number {
  const o = checkObject<WaitOptions>(opts, 'options');
  if (o?.block !== undefined && typeof o.block !== 'boolean') throw invalidArgType('block must be a boolean');
  if (o?.block === false) return 0;
  const t = o?.timeout === undefined ? defaultTimeout : o.timeout;
  return normaliseTimeout(t);
}

export function normaliseTimeout(t: unknown): number {
  if (t === undefined || t === null) return -1;
  if (typeof t !== 'number') throw invalidArgType('timeout must be a number, null or undefined');
  if (Number.isNaN(t)) throw outOfRange('timeout must not be NaN');
  if (t === Infinity) return -1;
  return t < 0 ? 0 : t;
}

export function checkSignal(opts: AsyncWaitOptions | undefined): AbortSignal | undefined {
  const s = opts?.signal;
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null || typeof (s as AbortSignal).aborted !== 'boolean') {
    throw invalidArgType('signal must be an AbortSignal');
  }
  return s;
}

export function checkCreate(opts: CreateOptions | undefined): CreateOptions {
  const o = checkObject<CreateOptions>(opts, 'options') ?? {};
  if (o.name !== undefined) checkName(o.name);
  if (o.mode !== undefined) {
    if (typeof o.mode !== 'number') throw invalidArgType('mode must be a number');
    if (!Number.isInteger(o.mode) || o.mode < 0 || o.mode > 0o777) throw outOfRange('mode must be 0 .. 0o777');
  }
  if (o.persistent !== undefined && typeof o.persistent !== 'boolean') throw invalidArgType('persistent must be a boolean');
  checkAllowOwner(o.allowOwner);
  return o;
}

export function checkInt(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number') throw invalidArgType(`${what} must be a number`);
  if (!Number.isInteger(v) || v < min || v > max) throw outOfRange(`${what} must be an integer in ${min} .. ${max}`);
  return v;
}
