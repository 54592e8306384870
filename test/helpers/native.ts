// The addon object procsync itself loaded (dist/core/native.js is the module procsync requires, so
// Node's module cache hands back the same instance), for the few internal counters tests read.
import * as path from 'path';

interface NativeCounters {
  /** Waiter threads of this thread's environment (async waits run there). */
  threadCount(): number;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const native: NativeCounters = require(path.join(__dirname, '..', '..', 'dist', 'core', 'native.js')).native;
