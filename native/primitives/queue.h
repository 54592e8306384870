// Queue / JoinableQueue / SimpleQueue: a byte ring buffer of length-prefixed records in one
// segment, every state change made under the state mutex (state_mutex.h).
//
// The two sides of the queue take two mutexes: a put takes the put mutex and writes only the
// put side's words, a get takes the get mutex and writes only the get side's, each on its own
// cache line. With one mutex for both, every put and every get moved the mutex's line and the
// state's between the CPUs: ~1 M items/s; with a mutex per side, one putter and one getter each
// keep theirs (docs/design.md, "The Queue's one mutex is its throughput limit").
//
// State layout (word indices from the state start; lib/queue/ring.ts gets them from the core):
//   [0, 64)    put side: word 0 the put mutex (state_mutex.h), 1 tail (byte offset where the
//              next record goes), 2 put_count (records ever put, mod 2^32; getters sleep on it),
//              3 unfinished (JoinableQueue tasks put and not yet taskDone()'d; joiners sleep on
//              it), 4 put_log_valid, 5-7 put log: tail, unfinished, put_count
//   [64, 128)  get side: word 16 the get mutex, 17 head (byte offset of the oldest record),
//              18 get_count (records ever got; putters sleep on it), 19 get_log_valid,
//              20-21 get log: head, get_count
//   [128, 192) rarely written: 32 get_sleepers, 33 put_sleepers, 34 join_sleepers (wake only
//              if > 0), 35 put_armed, 36 repairs (times a locker found a side's holder dead)
//   [192, 192 + ring)  the ring, ring = capacity + 5 bytes: one item of `capacity` bytes and its
//              4-byte length fit, and one byte always stays free, so head == tail means empty
//
// count = put_count - get_count; used bytes = (tail - head) mod ring.
// Params: p0 = maxsize (items, 0 = bytes only), p1 = capacity (bytes of one item at most).
//
// Publication and linearization. A put writes the record beyond tail (invisible), then commits:
// tail, unfinished, then put_count — the put takes effect when put_count is stored. A getter
// reads put_count, then tail, and so sees every byte of the records it counts. A get copies the
// record out, then commits head, then get_count (it takes effect there). A putter reads
// get_count first, then head: head is at least as new as the count, so the room it computes is
// exact or larger by a record already copied out (safe to overwrite), and the count is exact or
// one more (one get commits at a time): a "full" by maxsize held when get_count was read.
// The other side's count and index only move forward, so values read earlier understate the
// room (or the items) and remain safe to act on while no one else committed on this side since
// — this side's count and index are still the ones the reader stored (the index too, as the
// count wraps at 2^32; lib/queue/ring.ts keeps them between calls that way; "full", "empty" and
// the wake rules always use fresh reads).
//
// Crash safety, per side: a commit writes its side's log, log_valid = 1, the words, then
// log_valid = 0. A process killed anywhere in there leaves either the old words (log_valid 0)
// or a complete log, which the next locker of that side rolls forward when it finds the
// mutex's owner dead (state_mutex.h). A put killed before its commit loses only its own item; a
// get killed after its commit loses the item it was returning. A putter killed inside its
// commit leaves a record no getter counts yet: a getter that finds the queue empty with the put
// log valid takes the put mutex, which repairs it, and looks again.
//
// Wake-ups cost a system call each, and a sleeper stays counted in its sleepers word until it
// runs again, which on a busy machine spans many puts or gets. So (without losing any):
//   getters (woken one at a time): a put wakes one only while the sleepers outnumber the items
//     already queued (each of those had a getter woken for it: one sleeping consumer behind a
//     stream of puts is woken once, not at every put), and a get that leaves items behind wakes
//     one more (a chain, for a getter that came to sleep in between); a woken getter always
//     re-checks before giving up, so it takes or passes on.
//   putters (woken all at once: the room freed may fit one item and not another): a putter
//     sets put_armed before it sleeps; a get wakes them only if it clears put_armed.
#pragma once
#include <cstdint>
#include <functional>

#include "core/common.h"

namespace procsync {

constexpr uint32_t kQueueHeaderBytes = 192;
// Ring bytes beyond the capacity: the 4-byte length of an item of `capacity` bytes, and the
// byte that always stays free.
constexpr uint32_t kQueueRingExtra = 5;
constexpr uint32_t kQueueMaxCapacity = 1u << 30;
constexpr uint32_t kQueueMaxMaxsize = 0x7fffffff;

namespace qw {
constexpr uint32_t kPutMutex = 0, kTail = 1, kPutCount = 2, kUnfinished = 3, kPutLogValid = 4,
                   kPutLog = 5,  // kPutLog .. kPutLog + 2: tail, unfinished, put_count
                   kGetMutex = 16, kHead = 17, kGetCount = 18, kGetLogValid = 19,
                   kGetLog = 20,  // kGetLog .. kGetLog + 1: head, get_count
                   kGetSleepers = 32, kPutSleepers = 33, kJoinSleepers = 34, kPutArmed = 35, kRepairs = 36;
}

// A queue's state as seen by one call: pointers into the mapping plus the sizes, validated
// against the mapping size by the binding before any access.
struct QueueView {
  uint8_t* state = nullptr;   // start of the state (the mutex)
  uint32_t ring_size = 0;     // capacity + kQueueRingExtra
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
