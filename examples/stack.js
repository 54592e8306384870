// A concurrent Stack (LIFO) on a Condition, shared by processes. One producer
// pushes Task0 ... Task5 (200 ms apart; the original waits 2 s); three consumers pop; each task
// is popped exactly once. The stack's storage is a SharedArray plus a count in a Value; the
// Condition guards both. When the producer is done the stack is closed: waiting consumers wake
// up, find it empty and closed, and exit.
//
//   node examples/stack.js [gapMs = 200]
'use strict';
const { fork } = require('child_process');
const { Condition, SharedArray, Value, serialize, deserialize } = require('procsync');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Stack {
  constructor(capacity = 64) {
    this.cond = new Condition();
    this.items = new SharedArray('i', capacity);
    this.count = new Value('i', 0, { lock: false }); // guarded by cond
    this.closed = new Value('bool', false, { lock: false });
  }

  /** The parts to send to another process (Stack.from reopens them). */
  toShared() {
    return serialize({ cond: this.cond, items: this.items, count: this.count, closed: this.closed });
  }

  static from(shared) {
    return Object.assign(Object.create(Stack.prototype), deserialize(shared));
  }

  async push(item) {
    await this.cond.withLock(() => {
      if (this.count.value >= this.items.length) throw new Error('stack full');
      this.items.set(this.count.value, item);
      this.count.value += 1;
      this.cond.notify();
    });
  }

  /** Waits for an item; null once the stack is closed and empty. */
  async pop() {
    await this.cond.acquire();
    try {
      while (this.count.value === 0 && !this.closed.value) await this.cond.wait();
      if (this.count.value === 0) return null;
      this.count.value -= 1;
      return this.items.get(this.count.value);
    } finally {
      this.cond.release();
    }
  }

  /** No more pushes: wakes every waiting consumer. */
  async close() {
    await this.cond.withLock(() => {
      this.closed.value = true;
      this.cond.notifyAll();
    });
  }

  dispose() {
    for (const p of [this.cond, this.items, this.count, this.closed]) p.close();
  }
}

async function producer(stack, gapMs) {
  for (let i = 0; i < 6; i++) {
    await stack.push(i);
    console.log(`Producer pushed Task${i}`);
    await sleep(gapMs);
  }
}

async function consumer(stack, name) {
  for (;;) {
    const item = await stack.pop();
    if (item === null) break;
    console.log(`${name} popped Task${item}`);
  }
}

async function main() {
  const gapMs = Number(process.argv[2] ?? 200);
  const stack = new Stack();
  const shared = JSON.stringify(stack.toShared());
  const start = (...args) => {
    const p = fork(__filename, ['--child', shared, ...args]);
    return new Promise((r) => p.on('exit', r));
  };
  const consumers = [1, 2, 3].map((i) => start('consumer', `Consumer-${i}`));
  await start('producer', String(gapMs));
  await stack.close();
  await Promise.all(consumers);
  stack.dispose();
}

if (process.argv[2] === '--child') {
  const [, , , shared, role, arg] = process.argv;
  const stack = Stack.from(JSON.parse(shared));
  const run = role === 'producer' ? producer(stack, Number(arg)) : consumer(stack, arg);
  run.then(() => stack.dispose());
} else {
  main();
}
