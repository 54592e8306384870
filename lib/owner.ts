// The pid of the process a thread id belongs to (for util.inspect of locks): the main thread's
// tid is the pid; a worker thread's is not.
import { readFileSync } from 'fs';

export function ownerPid(tid: number): number {
  try {
    const m = /^Tgid:\s+(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'));
    return m ? Number(m[1]) : tid;
  } catch {
    return tid;
  }
}
