// Command line of `npm run stress` / `npm run soak`.
'use strict';

const crypto = require('crypto');

const HELP = `usage: npm run stress -- [options]
  --duration S            seconds of stress (default 60)
  --procs N               actor processes (default 6; soak: 4)
  --seed N                replay the choices of an earlier run
  --checkpoint S          seconds between checkpoints (default 10)
  --kill-every A-B        the killer sleeps a random A..B ms between SIGKILLs (default 200-2000)
  --no-kill               no SIGKILL
  --no-threads            no worker-thread actors
  --no-terminate          never worker.terminate()
  --no-worker-sync-waits  worker threads use only the async forms of Condition, Barrier and
                          Queue waits (known bug: terminate() hangs in those sync waits)
  --soak                  soak mode: no kills, --ops operations per process, RSS checked
  --ops N                 soak: operations per process (default 1000000)
  --only a,b              run only these operations (names as in stress/actor.js, e.g.
                          conditionOp,queueOp) -- to narrow a reproduction down`;

function parseArgs(argv) {
  const o = {
    duration: 60, procs: null, seed: crypto.randomInt(1, 2 ** 31), checkpoint: 10,
    killMin: 200, killMax: 2000, kill: true, threads: true, terminate: true, workerSyncWaits: true,
    soak: false, ops: 1_000_000, only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number\n${HELP}`);
      return v;
    };
    switch (a) {
      case '--duration': o.duration = num(); break;
      case '--procs': o.procs = num(); break;
      case '--seed': o.seed = num() >>> 0; break;
      case '--checkpoint': o.checkpoint = num(); break;
      case '--ops': o.ops = num(); break;
      case '--kill-every': {
        const m = /^(\d+)-(\d+)$/.exec(argv[++i] ?? '');
        if (!m) throw new Error(`--kill-every needs A-B (ms)\n${HELP}`);
        o.killMin = Number(m[1]);
        o.killMax = Number(m[2]);
        break;
      }
      case '--no-kill': o.kill = false; break;
      case '--no-threads': o.threads = false; break;
      case '--no-terminate': o.terminate = false; break;
      case '--no-worker-sync-waits': o.workerSyncWaits = false; break;
      case '--soak': o.soak = true; break;
      case '--only': o.only = String(argv[++i] ?? '').split(','); break;
      case '-h': case '--help': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  o.procs ??= o.soak ? 4 : 6;
  // Soak: volume and memory, nothing killed or terminated (one actor per process, the main thread).
  if (o.soak) Object.assign(o, { kill: false, threads: false, terminate: false });
  return o;
}

/** The command line that replays this run's choices. */
function replayLine(o) {
  const flags = [`--seed ${o.seed}`, `--procs ${o.procs}`];
  if (o.soak) flags.push('--soak', `--ops ${o.ops}`);
  else flags.push(`--duration ${o.duration}`);
  if (!o.kill) flags.push('--no-kill');
  if (!o.threads) flags.push('--no-threads');
  if (!o.terminate) flags.push('--no-terminate');
  if (!o.workerSyncWaits) flags.push('--no-worker-sync-waits');
  if (o.only) flags.push(`--only ${o.only.join(',')}`);
  if (o.killMin !== 200 || o.killMax !== 2000) flags.push(`--kill-every ${o.killMin}-${o.killMax}`);
  return `npm run stress -- ${flags.join(' ')}`;
}

module.exports = { parseArgs, replayLine };
