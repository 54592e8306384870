// Every tunable number of procsync/redis, in one place (the README and design.md cite these).

/** Default lease of a held lock, Semaphore count or Web Lock, in ms (API.md). */
export const DEFAULT_LEASE_MS = 10_000;
/** The shortest lease accepted: renewal runs every lease/3, so shorter leases mostly renew. */
export const MIN_LEASE_MS = 30;
/** A lease is renewed every lease / RENEW_DIVISOR ms while held (API.md: lease / 3). */
export const RENEW_DIVISOR = 3;
/**
 * The part of a lease that a holder does not count on: its local view of the lease ends this
 * fraction earlier than the server's, for clock-rate drift and the time a reply spends in flight
 * back to us (the server computes expiry from its own clock, after our request was sent).
 */
export const LEASE_SAFETY_FRACTION = 0.1;
/**
 * A queued waiter refreshes its place (and re-checks) this often, in ms. It is how a waiter
 * that died leaves the queue: an entry not refreshed for WAITER_TTL_MS is dropped, so a dead
 * waiter at the head never blocks the others for long.
 */
export const WAITER_HEARTBEAT_MS = 2_000;
export const WAITER_TTL_MS = 3 * WAITER_HEARTBEAT_MS;
/** How long one BLPOP on a client's wake list blocks, in seconds (then the loop re-issues it). */
export const INBOX_BLOCK_S = 5;
/** A wake list not read for this long (its client is gone) expires, in ms. */
export const INBOX_TTL_MS = 60_000;
/** Default bound on one server round trip before it counts as ERR_BACKEND_UNAVAILABLE, in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** Pause before the wake loop retries after a connection error, in ms (bounded back-off). */
export const INBOX_RETRY_MS = 200;
/** Default key prefix (API.md). */
export const DEFAULT_PREFIX = 'procsync:';
/** Web Locks names: 1 .. this many characters (API.md, as procsync.locks). */
export const MAX_WEB_LOCK_NAME = 1000;
/** The client library (optional peer dependency) and how to install it. */
export const CLIENT_PACKAGE = 'ioredis';
export const CLIENT_INSTALL = 'npm install ioredis';
