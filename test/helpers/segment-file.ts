// Raw access to a primitive's segment file, as another process of the same user could write it:
// for tests of hostile or corrupt segment contents. The state offset is read from the header
// (total size − state size), so no layout constant is copied here.
import * as fs from 'fs';
import { segmentPath } from './segment-path';

export interface SegmentFile {
  /** Byte offset of the kind's state in the file. */
  stateOffset: number;
  /** Byte offset of state word i. */
  word(i: number): number;
  read(off: number): number;
  write(off: number, v: number): void;
  close(): void;
}

export function segmentFile(name: string): SegmentFile {
  const fd = fs.openSync(segmentPath(name), 'r+');
  const b = Buffer.alloc(8);
  const read = (off: number): number => {
    fs.readSync(fd, b, 0, 4, off);
    return b.readUInt32LE(0);
  };
  fs.readSync(fd, b, 0, 8, 16);
  const total = Number(b.readBigUInt64LE(0));
  const stateOffset = total - read(40);
  return {
    stateOffset,
    word: (i) => stateOffset + 4 * i,
    read,
    write(off, v) {
      const w = Buffer.alloc(4);
      w.writeUInt32LE(v >>> 0, 0);
      fs.writeSync(fd, w, 0, 4, off);
    },
    close: () => fs.closeSync(fd),
  };
}
