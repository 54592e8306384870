// The connection: loads the optional peer dependency on demand, runs scripts by hash (one round
// trip; the source is sent once per server, again after a restart that dropped the script
// cache), and turns every failure to reach the server into ERR_BACKEND_UNAVAILABLE.
import { createHash } from 'crypto';
import type { Redis, RedisOptions } from 'ioredis';
import { ProcsyncError } from '../core/errors';
import { CLIENT_INSTALL, CLIENT_PACKAGE } from './constants';

export type RedisClient = Redis;

interface IoredisModule {
  Redis: new (url: string, opts: RedisOptions) => Redis;
}

/** Loads ioredis, or throws ERR_BACKEND_UNAVAILABLE saying how to install it. */
export function loadClientLibrary(): IoredisModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(CLIENT_PACKAGE) as IoredisModule;
  } catch (e) {
    throw new ProcsyncError(
      'ERR_BACKEND_UNAVAILABLE',
      `procsync/redis needs the '${CLIENT_PACKAGE}' package (an optional peer dependency): ${CLIENT_INSTALL}`,
      { cause: e },
    );
  }
}

export function unavailable(what: string, cause?: unknown): ProcsyncError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new ProcsyncError('ERR_BACKEND_UNAVAILABLE', `${what}: the Redis server cannot be reached${why}`, { cause });
}

/** A reply error of the server (a bug in a script, a wrong server) is not "unavailable". */
function isReplyError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError';
}

interface Script {
  src: string;
  sha: string;
}
const scripts = new Map<string, Script>();
function script(src: string): Script {
  let s = scripts.get(src);
  if (!s) {
    s = { src, sha: createHash('sha1').update(src).digest('hex') };
    scripts.set(src, s);
  }
  return s;
}

/** Races a command against `ms`: a reply that comes later is dropped. */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(unavailable(`${what} (no reply within ${ms} ms)`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(isReplyError(e) || e instanceof ProcsyncError ? e : unavailable(what, e));
      },
    );
  });
}

export class Connection {
  constructor(
    readonly client: Redis,
    readonly commandTimeout: number,
  ) {}

  /** Loads every script into the server's cache, so that each call is one EVALSHA round trip. */
  async preload(sources: string[], what: string): Promise<void> {
    await bounded(Promise.all(sources.map((src) => this.client.script('LOAD', src))), this.commandTimeout, what);
  }

  /** Runs a script of scripts.ts with its ARGV; one round trip unless the server lost it. */
  run<T = unknown>(src: string, args: (string | number)[], what: string): Promise<T> {
    const s = script(src);
    const go = async (): Promise<T> => {
      try {
        return (await this.client.evalsha(s.sha, 0, ...args)) as T;
      } catch (e) {
        if (e instanceof Error && /NOSCRIPT/.test(e.message)) return (await this.client.eval(s.src, 0, ...args)) as T;
        throw e;
      }
    };
    return bounded(go(), this.commandTimeout, what);
  }

  /** One plain command (reads, and single-key writes that are atomic by themselves). */
  cmd<T = unknown>(name: string, args: (string | number)[], what: string): Promise<T> {
    return bounded(this.client.call(name, args) as Promise<T>, this.commandTimeout, what);
  }
}
