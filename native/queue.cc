#include "queue.h"

#include <cstring>

#include "wait.h"
#include "state_mutex.h"

namespace procsync {

namespace {

constexpr int32_t kWakeAll = 0x7fffffff;

struct State {
  uint32_t head, tail, count, used, unfinished;
};

// Every field read from shared memory is checked before it is used as an offset or a size:
// another process (or a bug) may have written anything there.
bool consistent(const QueueView& q, const State& s) {
  const uint32_t r = q.ring_size;
  if (s.head >= r || s.tail >= r || s.used > r) return false;
  if ((uint64_t(s.head) + s.used) % r != s.tail) return false;
  if ((s.count == 0) != (s.used == 0)) return false;
  if (uint64_t(s.count) * 4 > s.used) return false;  // every record has a 4-byte prefix
  return true;
}

State read_state(const QueueView& q) {
  return {load(q.w(qw::kHead)), load(q.w(qw::kTail)), load(q.w(qw::kCount)), load(q.w(qw::kUsed)),
          load(q.w(qw::kUnfinished))};
}

// Publishes a new state: log first, then the words. A process killed in the middle leaves
// log_valid = 1 and a complete log, which the next locker applies (roll forward).
void commit(const QueueView& q, const State& s) {
  // Under the mutex, so other processes never read these mid-way; what matters is the order a
  // crash leaves them in. Release stores keep program order (each orders every store before
  // it), so a process killed here leaves log_valid == 1 only after a complete log, and real
  // words changed only after log_valid == 1 — without a full fence per store.
  store_release(q.w(qw::kLog + 0), s.head);
  store_release(q.w(qw::kLog + 1), s.tail);
  store_release(q.w(qw::kLog + 2), s.count);
  store_release(q.w(qw::kLog + 3), s.used);
  store_release(q.w(qw::kLog + 4), s.unfinished);
  store_release(q.w(qw::kLogValid), 1);
  store_release(q.w(qw::kHead), s.head);
  store_release(q.w(qw::kTail), s.tail);
  store_release(q.w(qw::kCount), s.count);
  store_release(q.w(qw::kUsed), s.used);
  store_release(q.w(qw::kUnfinished), s.unfinished);
  store_release(q.w(qw::kLogValid), 0);
}

void ring_write(const QueueView& q, uint32_t pos, const uint8_t* src, uint32_t n) {
  uint32_t first = n < q.ring_size - pos ? n : q.ring_size - pos;
  memcpy(q.ring() + pos, src, first);
  memcpy(q.ring(), src + first, n - first);
}

void ring_read(const QueueView& q, uint32_t pos, uint8_t* dst, uint32_t n) {
  uint32_t first = n < q.ring_size - pos ? n : q.ring_size - pos;
  memcpy(dst, q.ring() + pos, first);
  memcpy(dst + first, q.ring(), n - first);
}

uint32_t advance(const QueueView& q, uint32_t pos, uint64_t n) { return uint32_t((pos + n) % q.ring_size); }

// Holds the queue's mutex for one step, repairing the state first when needed. `code` is kOk
// when the state can be used.
class Section {
 public:
  Section(const QueueView& q, const WaitCtx& ctx) : q_(q), g_(q.w(0), ctx) {
    if (!g_.ok()) { code_ = g_.code(); return; }
    // log_valid = 1 under the mutex means its last holder died inside commit() (or while
    // repairing): the log is complete, apply it.
    if (load(q.w(qw::kLogValid)) == 1) {
      State s{load(q.w(qw::kLog + 0)), load(q.w(qw::kLog + 1)), load(q.w(qw::kLog + 2)),
              load(q.w(qw::kLog + 3)), load(q.w(qw::kLog + 4))};
      if (!consistent(q, s)) { code_ = kErrCorrupt; return; }
      commit(q, s);
    } else if (load(q.w(qw::kLogValid)) != 0) {
      code_ = kErrCorrupt;
      return;
    }
    state_ = read_state(q);
    if (!consistent(q, state_)) { code_ = kErrCorrupt; return; }
    if (g_.owner_died()) {
      // The dead holder may have committed without bumping the sequence words or waking
      // anyone: do it for it (spurious wakes are harmless, everyone re-checks).
      fetch_add(q.w(qw::kPutSeq), 1);
      fetch_add(q.w(qw::kGetSeq), 1);
      fetch_add(q.w(qw::kRepairs), 1);
      wake_all_ = true;
    }
  }
  ~Section() { unlock(); }

  void unlock() {
    if (!g_.ok()) return;
    g_.unlock();
    if (wake_all_) {
      wake_all_ = false;
      wake_word(q_.w(qw::kPutSeq), kWakeAll);
      wake_word(q_.w(qw::kGetSeq), kWakeAll);
      wake_word(q_.w(qw::kUnfinished), kWakeAll);
    }
  }
  int32_t code() const { return code_; }
  const State& state() const { return state_; }

 private:
  const QueueView& q_;
  StateGuard g_;
  int32_t code_ = kOk;
  State state_{};
  bool wake_all_ = false;
};

bool has_room(const QueueView& q, const State& s, uint64_t need) {
  return uint64_t(q.ring_size) - s.used >= need && (q.maxsize == 0 || s.count < q.maxsize);
}

// Sleeps on `word` while it still holds `seen` (one slice at most), announced in `sleepers`.
// The waker changes `word` first and reads `sleepers` after (both seq_cst), so either it sees
// us or the futex sees the new value.
void sleep_on(uint32_t* word, uint32_t seen, uint32_t* sleepers, const WaitCtx& ctx, uint32_t* armed = nullptr) {
  fetch_add(sleepers, 1);
  if (armed) store(armed, 1);  // seq_cst, after the count and before the futex compares `word`
  ctx.sleeping_on(word);
  if (!ctx.cancelled()) wait_on_word(word, seen, slice_end(ctx.deadline_ns));
  fetch_sub(sleepers, 1);
}

// `count_before`: items before this put. The items already there have each had a getter woken
// for them (or were put with nobody asleep): wake one more only while sleepers outnumber them.
void after_put(const QueueView& q, uint32_t count_before) {
  if (load(q.w(qw::kGetSleepers)) > count_before) wake_word(q.w(qw::kPutSeq), 1);
}

// `count_after`: items left by this get.
void after_get(const QueueView& q, uint32_t count_after) {
  if (count_after > 0 && load(q.w(qw::kGetSleepers)) > 0) wake_word(q.w(qw::kPutSeq), 1);
  // All putters: the freed room may fit a small item but not a large one, so waking one could
  // wake the wrong one. Only the first get after one armed it makes the call.
  if (load(q.w(qw::kPutSleepers)) > 0 && exchange(q.w(qw::kPutArmed), 0) != 0)
    wake_word(q.w(qw::kGetSeq), kWakeAll);
}

}  // namespace

bool queue_state_size(uint32_t maxsize, uint32_t capacity, uint64_t* out) {
  if (maxsize > kQueueMaxMaxsize || capacity == 0 || capacity > kQueueMaxCapacity) return false;
  *out = kQueueHeaderBytes + ((uint64_t(capacity) + 4 + 7) & ~uint64_t(7));
  return true;
}

OpResult queue_put(const QueueView& q, const uint8_t* data, uint32_t len, const WaitCtx& ctx) {
  const uint64_t need = uint64_t(len) + 4;
  if (need > q.ring_size) return {kErrMessageTooLarge, 0};
  bool spun = false;
  for (;;) {
    uint32_t seen;
    {
      Section sec(q, ctx);
      if (sec.code() != kOk) return {sec.code(), 0};
      const State& s = sec.state();
      if (has_room(q, s, need)) {
        // Write the record where nobody looks yet, then publish it with one commit.
        uint8_t prefix[4];
        memcpy(prefix, &len, 4);
        ring_write(q, s.tail, prefix, 4);
        ring_write(q, advance(q, s.tail, 4), data, len);
        State n = s;
        n.tail = advance(q, s.tail, need);
        n.used = uint32_t(s.used + need);
        n.count = s.count + 1;
        if (n.unfinished != UINT32_MAX) n.unfinished++;
        commit(q, n);
        fetch_add(q.w(qw::kPutSeq), 1);
        sec.unlock();
        after_put(q, s.count);
        return {kOk, 0};
      }
      seen = load(q.w(qw::kGetSeq));
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      // A full queue with a getter running on another CPU: room is often a get away, and a
      // sleep costs the getter a wake-up call.
      spun = true;
      if (spin_while_equal(q.w(qw::kGetSeq), seen)) continue;
    }
    sleep_on(q.w(qw::kGetSeq), seen, q.w(qw::kPutSleepers), ctx, q.w(qw::kPutArmed));
  }
}

OpResult queue_get(const QueueView& q, const QueueAlloc& alloc, const WaitCtx& ctx) {
  bool spun = false;
  for (;;) {
    uint32_t seen;
    {
      Section sec(q, ctx);
      if (sec.code() != kOk) return {sec.code(), 0};
      const State& s = sec.state();
      if (s.count > 0) {
        uint8_t prefix[4];
        uint32_t len;
        ring_read(q, s.head, prefix, 4);
        memcpy(&len, prefix, 4);
        const uint64_t size = uint64_t(len) + 4;
        if (size > s.used) return {kErrCorrupt, 0};
        State n = s;
        n.head = advance(q, s.head, size);
        n.used = uint32_t(s.used - size);
        n.count = s.count - 1;
        if (!consistent(q, n)) return {kErrCorrupt, 0};
        uint8_t* dst = alloc(len);
        if (!dst) return {kErrSys, 0};
        ring_read(q, advance(q, s.head, 4), dst, len);
        commit(q, n);
        fetch_add(q.w(qw::kGetSeq), 1);
        sec.unlock();
        after_get(q, n.count);
        return {kOk, double(len)};
      }
      seen = load(q.w(qw::kPutSeq));
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      // Ping-pong hand-offs: a put is often microseconds away.
      spun = true;
      if (spin_while_equal(q.w(qw::kPutSeq), seen)) continue;
    }
    sleep_on(q.w(qw::kPutSeq), seen, q.w(qw::kGetSleepers), ctx);
  }
}

OpResult queue_wait(const QueueView& q, QueueReady what, uint32_t need, const WaitCtx& ctx) {
  for (;;) {
    uint32_t* word;
    uint32_t* sleepers;
    uint32_t seen;
    {
      Section sec(q, ctx);
      if (sec.code() != kOk) return {sec.code(), 0};
      const State& s = sec.state();
      switch (what) {
        case QueueReady::kCanGet:
          if (s.count > 0) return {kOk, 0};
          word = q.w(qw::kPutSeq);
          sleepers = q.w(qw::kGetSleepers);
          break;
        case QueueReady::kCanPut:
          if (uint64_t(need) + 4 > q.ring_size) return {kErrMessageTooLarge, 0};
          if (has_room(q, s, uint64_t(need) + 4)) return {kOk, 0};
          word = q.w(qw::kGetSeq);
          sleepers = q.w(qw::kPutSleepers);
          break;
        default:
          if (s.unfinished == 0) return {kOk, 0};
          word = q.w(qw::kUnfinished);
          sleepers = q.w(qw::kJoinSleepers);
          break;
      }
      seen = load(word);
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    sleep_on(word, seen, sleepers, ctx, what == QueueReady::kCanPut ? q.w(qw::kPutArmed) : nullptr);
  }
}

OpResult queue_task_done(const QueueView& q, const WaitCtx& ctx) {
  Section sec(q, ctx);
  if (sec.code() != kOk) return {sec.code(), 0};
  uint32_t u = sec.state().unfinished;
  if (u == 0) return {kErrOutOfRange, 0};
  // One word, one store: no log needed.
  store(q.w(qw::kUnfinished), u - 1);
  sec.unlock();
  if (u == 1 && load(q.w(qw::kJoinSleepers)) > 0) wake_word(q.w(qw::kUnfinished), kWakeAll);
  return {kOk, 0};
}

QueueStat queue_stat(const QueueView& q, const WaitCtx& ctx) {
  Section sec(q, ctx);
  QueueStat r;
  r.code = sec.code();
  if (r.code != kOk) return r;
  r.count = sec.state().count;
  r.used = sec.state().used;
  r.unfinished = sec.state().unfinished;
  r.repairs = load(q.w(qw::kRepairs));
  return r;
}

}  // namespace procsync
