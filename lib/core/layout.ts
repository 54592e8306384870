// The constants shared with the core (kind numbers, result codes, state word indices and
// encodings), as the addon hands them over from the C++ headers that define them
// (native/napi/constants_binding.cc): nothing here is a copied number.
import { native } from './native';

export interface Layout {
  stateOffset: number;
  /** How many numbers a segment's info() fields come in (native/napi/segment_handle.h). */
  infoFields: number;
  /** The users table (native/platform/liveness.h UserEntry: id, pid, JS threadId, 0). */
  users: { offset: number; entries: number; entrySize: number };
  kinds: Record<string, number>;
  codes: {
    OK: number; TIMEOUT: number; CANCELLED: number; OWNER_DIED: number; BROKEN: number;
    RELEASED_TOO_MANY: number; NOT_OWNER: number; LOCK_NOT_HELD: number; OUT_OF_RANGE: number;
    CORRUPT: number; CLOSED: number; MESSAGE_TOO_LARGE: number; SYS: number;
  };
  lock: { ownerWord: number; countWord: number; ownerMask: number; waiters: number };
  semaphore: { valueWord: number; sleepersWord: number };
  event: { stateWord: number; sleepersWord: number };
  condition: { waitingWord: number; slotsWord: number; slotWords: number; slotWaiting: number; maxWaiters: number };
  barrier: { stateWord: number; countWord: number; sleepersWord: number; filling: number; broken: number; runAction: number; maxParties: number };
  queue: {
    canGet: number; canPut: number; joined: number; maxCapacity: number; maxMaxsize: number;
    putMutexWord: number; tailWord: number; putCountWord: number; unfinishedWord: number;
    putLogValidWord: number; putLogWord: number; getMutexWord: number; headWord: number;
    getCountWord: number; getLogValidWord: number; getLogWord: number; getSleepersWord: number;
    putSleepersWord: number; putArmedWord: number; headerBytes: number; ringExtra: number;
    capacityParamByte: number;
  };
  rwlock: { stateWord: number; slotsWord: number; read: number; wait: number; countMask: number; homeMax: number; defaultSlots: number; maxSlots: number };
  weblocks: { genWord: number; slotsWord: number; slotWords: number; waiting: number; held: number; maxName: number };
}

export const layout: Layout = native.layout as Layout;

/** The result code names lib/ handles (checked against the core's in test/layout.test.ts). */
export const codeNames: readonly (keyof Layout['codes'])[] = [
  'OK', 'TIMEOUT', 'CANCELLED', 'OWNER_DIED', 'BROKEN', 'RELEASED_TOO_MANY', 'NOT_OWNER', 'LOCK_NOT_HELD',
  'OUT_OF_RANGE', 'CORRUPT', 'CLOSED', 'MESSAGE_TOO_LARGE', 'SYS',
];
