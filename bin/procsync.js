#!/usr/bin/env node
// The procsync command: what is live in shared memory, who uses it, what it holds.
//   procsync ls [--json]           a table of every primitive (fits the terminal)
//   procsync show NAME [--json]    one primitive in detail
//   procsync rm NAME [--force]     removes a name; refuses while a process uses it
//   procsync sweep                 removes the leftovers of processes that all died
//   procsync watch [--interval MS] [--count N]   the table, refreshed
// Exit codes: 0 ok, 1 not found / refused, 2 usage.
'use strict';
const procsync = require('../dist/index.js');

/** JSON of a segment description: 64-bit Values hold bigints, written as decimal strings. */
function toJson(v, indent) {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), indent);
}

const USAGE = `usage: procsync <command>
  ls [--json]                      list every live primitive of this user
  show NAME [--json]               one primitive: kind, users, state
  rm NAME [--force]                remove a name (refused while in use, unless --force)
  sweep                            remove leftovers of processes that all died
  watch [--interval MS] [--count N]  the ls table, refreshed (Ctrl-C to stop)`;

function usage(msg) {
  if (msg) process.stderr.write(`procsync: ${msg}\n`);
  process.stderr.write(USAGE + '\n');
  process.exit(2);
}

function parse(argv) {
  const flags = {};
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json' || a === '--force' || a === '-f') flags[a.replace(/^-+/, '') === 'f' ? 'force' : a.slice(2)] = true;
    else if (a === '--interval' || a === '--count') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) usage(`${a} needs a positive number`);
      flags[a.slice(2)] = v;
    } else if (a === '-h' || a === '--help') flags.help = true;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else pos.push(a);
  }
  return { flags, pos };
}

function age(ms) {
  if (!ms) return '-';
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function size(b) {
  if (b == null) return '-';
  if (b < 1024) return `${b}B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(b < 10240 ? 1 : 0)}K`;
  return `${(b / 1024 / 1024).toFixed(1)}M`;
}

function who(h) {
  if (!h || typeof h !== 'object') return String(h);
  return h.threadId ? `pid ${h.pid} thread ${h.threadId}` : `pid ${h.pid}`;
}

/** One line about the state of a primitive. */
function summary(s) {
  const st = s.state;
  if (!st) return s.kind ? '' : '(unreadable)';
  const parts = [];
  for (const [k, v] of Object.entries(st)) {
    if (k === 'holder' || k === 'writer') parts.push(v ? `${k} ${who(v)}` : '');
    else if (k === 'locked' && 'holder' in st) continue;
    else if (Array.isArray(v)) parts.push(`${k} ${v.length}`);
    else if (v !== null && typeof v === 'object') parts.push(`${k} ${toJson(v)}`);
    else parts.push(`${k} ${v}`);
  }
  if ('holder' in st) parts.unshift(st.locked ? 'locked' : 'free');
  return parts.filter(Boolean).join(', ');
}

function table(list, width) {
  const head = ['NAME', 'KIND', 'USERS', 'AGE', 'SIZE', 'STATE'];
  const rows = list.map((s) => [
    s.name,
    s.kind ?? '?',
    s.users.length ? s.users.join(',') : s.held ? '(held)' : '-',
    age(s.createdAt),
    size(s.bytes),
    summary(s) + (s.persistent ? (summary(s) ? ', ' : '') + 'persistent' : ''),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Fit the terminal: the STATE column takes what is left, then NAME and USERS give way.
  const sep = 2;
  const fixed = (ws) => ws.slice(0, 5).reduce((a, b) => a + b + sep, 0);
  const cap = (i, min) => {
    const over = fixed(w) + Math.min(w[5], 10) - width;
    if (over > 0) w[i] = Math.max(min, w[i] - over);
  };
  cap(0, 12);
  cap(2, 5);
  w[5] = Math.max(0, Math.min(w[5], width - fixed(w)));
  const cut = (t, n) => (t.length <= n ? t.padEnd(n) : n <= 1 ? t.slice(0, n) : t.slice(0, n - 1) + '…');
  const line = (r) => r.map((c, i) => cut(c, w[i])).join(' '.repeat(sep)).trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function columns() {
  return process.stdout.columns || Number(process.env.COLUMNS) || 100;
}

function ls(flags) {
  const list = procsync.listSegments().sort((a, b) => a.name.localeCompare(b.name));
  if (flags.json) process.stdout.write(toJson(list, 2) + '\n');
  else process.stdout.write((list.length ? table(list, columns()) : 'no procsync primitives') + '\n');
  return 0;
}

function find(name) {
  try {
    return procsync.inspect(name);
  } catch (e) {
    if (e && (e.code === 'ERR_NOT_FOUND' || e.code === 'ERR_INVALID_NAME')) {
      process.stderr.write(`procsync: ${e.code === 'ERR_NOT_FOUND' ? `no primitive named '${name}'` : e.message}\n`);
      return null;
    }
    throw e;
  }
}

function show(name, flags) {
  const s = find(name);
  if (!s) return 1;
  if (flags.json) {
    process.stdout.write(toJson(s, 2) + '\n');
    return 0;
  }
  const out = [
    `name        ${s.name}`,
    `kind        ${s.kind ?? '?'}`,
    `users       ${s.users.length ? s.users.map((p) => `pid ${p}`).join(', ') : 'none'}`,
    `created     ${s.createdAt ? `${new Date(s.createdAt).toISOString()} (${age(s.createdAt)} ago)` : '-'}`,
    `size        ${s.bytes} bytes`,
    `persistent  ${s.persistent ? 'yes' : 'no'}`,
    `state       ${summary(s) || '-'}`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

function rm(name, flags) {
  const s = find(name);
  if (!s) return 1;
  if (s.users.length && !flags.force) {
    process.stderr.write(`procsync: '${name}' is in use by pid ${s.users.join(', ')}; not removed (--force removes the name anyway)\n`);
    return 1;
  }
  procsync.unlink(name);
  process.stdout.write(`removed ${name}\n`);
  return 0;
}

function sweep() {
  const n = procsync.sweep();
  process.stdout.write(`removed ${n} leftover${n === 1 ? '' : 's'}\n`);
  return 0;
}

function watch(flags) {
  const interval = flags.interval ?? 1000;
  let left = flags.count ?? Infinity;
  const tty = process.stdout.isTTY;
  const frame = () => {
    const list = procsync.listSegments().sort((a, b) => a.name.localeCompare(b.name));
    const body = list.length ? table(list, columns()) : 'no procsync primitives';
    const head = `procsync watch — ${new Date().toLocaleTimeString()} — every ${interval} ms`;
    process.stdout.write((tty ? '\x1b[H\x1b[2J' : '') + head + '\n' + body + '\n' + (tty ? '' : '\n'));
    if (--left <= 0) return;
    setTimeout(frame, interval);
  };
  frame();
  return null;
}

function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const { flags, pos } = parse(rest);
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help' || flags.help) usage();
  switch (cmd) {
    case 'ls':
    case 'list':
      if (pos.length) usage('ls takes no NAME');
      return ls(flags);
    case 'show':
    case 'inspect':
      if (pos.length !== 1) usage('show needs one NAME');
      return show(pos[0], flags);
    case 'rm':
      if (pos.length !== 1) usage('rm needs one NAME');
      return rm(pos[0], flags);
    case 'sweep':
      if (pos.length) usage('sweep takes no NAME');
      return sweep();
    case 'watch':
      if (pos.length) usage('watch takes no NAME');
      return watch(flags);
    default:
      return usage(`unknown command '${cmd}'`);
  }
}

const code = main();
if (code !== null) process.exitCode = code;
