// A real redis-server per test file: on a free loopback port, in its own temp dir, without
// persistence (so a restart loses the data, as a crash of an unpersisted server does). Every
// wait here is bounded; stop() kills the server and removes the dir.
import { spawn, ChildProcess, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const START_TIMEOUT_MS = 10_000;

export interface RedisServer {
  port: number;
  url: string;
  /** SIGSTOP: the server stops answering but keeps its connections. */
  pause(): void;
  resume(): void;
  /** SIGKILL; resolves when it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was persisted). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A command through redis-cli (for checks, not for the code under test). */
  cli(...args: string[]): string;
}

export function redisAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procsync-redis-'));
  let port = await freePort();
  let proc: ChildProcess | null = null;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const p = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc = p;
      let out = '';
      const t = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${out}`));
      }, START_TIMEOUT_MS);
      p.stdout!.on('data', (d) => {
        out += d;
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(t);
          resolve();
        }
      });
      p.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`redis-server exited (${code}):\n${out}`));
      });
    });

  for (let attempt = 0; ; attempt++) {
    try {
      await launch();
      break;
    } catch (e) {
      // The port was taken between freePort() and the bind: try another.
      if (attempt >= 3) throw e;
      port = await freePort();
    }
  }

  const exited = (p: ChildProcess): Promise<void> =>
    p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r()));

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
    async kill() {
      const p = proc;
      if (!p) return;
      p.kill('SIGCONT');
      p.kill('SIGKILL');
      await exited(p);
      proc = null;
    },
    start: () => launch(),
    async stop() {
      await server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    cli: (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 }).trim(),
  };
  return server;
}
