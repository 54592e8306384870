'use strict';
// Child side of the protocol between the runner (pool.js) and a bench child.
// One request at a time, each answered by one message:
//   {cmd:'setup', case, role, roles, cpus, names, ...} -> {type:'ready'} | {type:'na', reason} | {type:'error', message}
//   {cmd:'rep', iters}    -> {type:'rep', start, end, extra?}  (start/end: CLOCK_MONOTONIC ns, or null)
//   {cmd:'check', expect} -> {type:'checked', wrong?}          (role 0 only, after each rep)
//   {cmd:'close'}         -> {type:'closed'}, then the child exits
// A case is `(setupMsg) => instance` with instance.rep(iters), and optionally
// instance.check(expect) and instance.close().
const { pin } = require('./util');

// Thrown when the thing to measure does not exist (yet): reported as "n/a: <reason>".
class NotAvailable extends Error {}

function serve(cases) {
  let inst = null;
  // The runner is gone (or closed us): never linger.
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    try {
      if (m.cmd === 'setup') {
        if (m.cpus) pin(process.pid, m.cpus[m.role]);
        const make = cases[m.case];
        if (!make) throw new NotAvailable(`no such case here: ${m.case}`);
        inst = await make(m);
        process.send({ type: 'ready' });
      } else if (m.cmd === 'rep') {
        process.send({ type: 'rep', ...(await inst.rep(m.iters)) });
      } else if (m.cmd === 'check') {
        process.send({ type: 'checked', wrong: inst.check ? await inst.check(m.expect) : undefined });
      } else if (m.cmd === 'close') {
        if (inst && inst.close) await inst.close();
        inst = null;
        process.send({ type: 'closed' }, () => process.disconnect());
      }
    } catch (e) {
      process.send(
        e instanceof NotAvailable
          ? { type: 'na', reason: e.message }
          : { type: 'error', message: String((e && e.stack) || e).split('\n').slice(0, 4).join(' | ') },
      );
    }
  });
}

module.exports = { serve, NotAvailable };
