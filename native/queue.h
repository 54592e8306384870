// Queue / JoinableQueue / SimpleQueue: a byte ring buffer of length-prefixed records in one
// segment, every state change made under the state mutex (state_mutex.h).
//
// State layout (byte offsets from the state start; lib/queue.ts mirrors the word indices):
//   [0, 64)    the state mutex (state_mutex.h)
//   word 16    head        byte offset of the oldest record in the ring
//   word 17    tail        byte offset where the next record goes
//   word 18    count       number of records
//   word 19    used        bytes used by records (4-byte length prefix + payload each)
//   word 20    put_seq     bumped after every committed put: getters sleep on it
//   word 21    get_seq     bumped after every committed get: putters sleep on it
//   word 22    get_sleepers, word 23 put_sleepers, word 25 join_sleepers (wake only if > 0)
//   word 24    unfinished  JoinableQueue tasks put and not yet taskDone()'d; joiners sleep on it
//   word 26    log_valid   1 while the redo log below is being applied (crash repair)
//   words 27-31 log: head, tail, count, used, unfinished
//   word 32    repairs     times a locker found the mutex's holder dead (diagnostics)
//   word 33    put_armed   1 once a putter is about to sleep: the next get that frees room wakes
//              the putters and clears it, the gets after it make no system call (see below)
//   [192, 192 + ring)  the ring, ring = capacity + 4 bytes (so one item of `capacity` bytes fits)
//
// Params: p0 = maxsize (items, 0 = bytes only), p1 = capacity (bytes of one item at most).
//
// Crash safety: record bytes are written beyond `tail` (invisible) and the record is published
// by commit(): the new head/tail/count/used/unfinished go to the log, log_valid = 1, then the
// real words, then log_valid = 0. A process killed anywhere in there leaves either the old
// state (log_valid 0) or a complete log (log_valid 1); the next locker finds the mutex's owner dead
// (state_mutex.h) and rolls the log forward. A put killed before the commit loses only its own
// item; a get killed after its commit loses the item it was returning.
//
// Wake-ups cost a system call each, and a sleeper stays counted in its sleepers word until it
// runs again, which on a busy machine spans many puts or gets. So (without losing any):
//   getters (woken one at a time): a put wakes one only while the sleepers outnumber the items
//     already queued (each of those had a getter woken for it: one sleeping consumer behind a
//     stream of puts is woken once, not at every put), and a get that leaves items behind wakes
//     one more (a chain, for a getter that came to sleep in between); a woken getter always
//     re-checks under the mutex before giving up, so it takes or passes on.
//   putters (woken all at once: the room freed may fit one item and not another): a putter
//     sets put_armed before it sleeps; a get wakes them only if it clears put_armed.
#pragma once
#include <cstdint>
#include <functional>

#include "common.h"

namespace procsync {

constexpr uint32_t kQueueHeaderBytes = 192;
constexpr uint32_t kQueueMaxCapacity = 1u << 30;
constexpr uint32_t kQueueMaxMaxsize = 0x7fffffff;

namespace qw {
constexpr uint32_t kHead = 16, kTail = 17, kCount = 18, kUsed = 19, kPutSeq = 20, kGetSeq = 21,
                   kGetSleepers = 22, kPutSleepers = 23, kUnfinished = 24, kJoinSleepers = 25,
                   kLogValid = 26, kLog = 27,  // kLog .. kLog + 4
                   kRepairs = 32, kPutArmed = 33;
}

// A queue's state as seen by one call: pointers into the mapping plus the sizes, validated
// against the mapping size by the binding before any access.
struct QueueView {
  uint8_t* state = nullptr;   // start of the state (the mutex)
  uint32_t ring_size = 0;     // capacity + 4
  uint32_t maxsize = 0;
  uint32_t* w(uint32_t i) const { return reinterpret_cast<uint32_t*>(state) + i; }
  uint8_t* ring() const { return state + kQueueHeaderBytes; }
};

// Exact state size for a capacity (false when out of range).
bool queue_state_size(uint32_t maxsize, uint32_t capacity, uint64_t* out);

// Puts one record of `len` bytes; waits for room until ctx's deadline (kTimeout = Full).
OpResult queue_put(const QueueView& q, const uint8_t* data, uint32_t len, const WaitCtx& ctx);

// Takes the oldest record; `alloc(len)` (called under the mutex) returns where to copy it, or
// nullptr to give up (kErrSys, nothing removed). kTimeout = Empty.
using QueueAlloc = std::function<uint8_t*(uint32_t len)>;
OpResult queue_get(const QueueView& q, const QueueAlloc& alloc, const WaitCtx& ctx);

enum class QueueReady : uint32_t { kCanGet = 0, kCanPut = 1, kJoined = 2 };
// Waits, without changing anything, until a get could succeed, a put of `need` bytes could
// succeed, or no task is unfinished. The async forms wait with this and then try on the JS
// thread, so an abandoned wait has taken nothing.
OpResult queue_wait(const QueueView& q, QueueReady what, uint32_t need, const WaitCtx& ctx);

// JoinableQueue.taskDone(): kErrOutOfRange when no task is unfinished.
OpResult queue_task_done(const QueueView& q, const WaitCtx& ctx);

struct QueueStat {
  int32_t code = kOk;
  uint32_t count = 0, used = 0, unfinished = 0, repairs = 0;
};
QueueStat queue_stat(const QueueView& q, const WaitCtx& ctx);

}  // namespace procsync
