#include "primitives/queue.h"

#include <cstring>

#include "core/wait.h"
#include "core/state_mutex.h"

namespace procsync {

namespace {

constexpr int32_t kWakeAll = 0x7fffffff;

// One side's words, in the order its commit stores them and its log holds them: the put side's
// tail, unfinished, put_count (put_count last: it publishes the record), the get side's head,
// get_count (get_count last: the get takes effect there).
struct SideLayout {
  uint32_t mutex, log_valid, log, n;
  uint32_t word[3];
};
constexpr SideLayout kPutSide{qw::kPutMutex, qw::kPutLogValid, qw::kPutLog, 3,
                              {qw::kTail, qw::kUnfinished, qw::kPutCount}};
constexpr SideLayout kGetSide{qw::kGetMutex, qw::kGetLogValid, qw::kGetLog, 2, {qw::kHead, qw::kGetCount, 0}};

struct Words {
  uint32_t v[3];
};

// Publishes a side's new words: log first, log_valid = 1, the words, log_valid = 0. A process
// killed in the middle leaves either the old words (log_valid 0) or a complete log, which the
// next locker of the side applies. Release stores keep program order (each orders every store
// before it), without a full fence per store.
void commit(const QueueView& q, const SideLayout& side, const Words& w) {
  for (uint32_t i = 0; i < side.n; i++) store_release(q.w(side.log + i), w.v[i]);
  store_release(q.w(side.log_valid), 1);
  for (uint32_t i = 0; i < side.n; i++) store_release(q.w(side.word[i]), w.v[i]);
  store_release(q.w(side.log_valid), 0);
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
uint32_t used_bytes(const QueueView& q, uint32_t head, uint32_t tail) {
  return uint32_t((uint64_t(tail) + q.ring_size - head) % q.ring_size);
}
// Records have a 4-byte prefix at least; one more for a get whose count is not stored yet.
uint32_t max_count(const QueueView& q) { return q.ring_size / 4 + 1; }

// Holds one side's mutex for one step, rolling that side's log forward first when its last
// holder died inside a commit. `code` is kOk when the mutex is held and no log is pending; the
// words themselves are checked by put_view() / get_view(), which every reader of them calls.
class Section {
 public:
  Section(const QueueView& q, const SideLayout& side, const WaitCtx& ctx) : q_(q), g_(q.w(side.mutex), ctx) {
    if (!g_.ok()) { code_ = g_.code(); return; }
    uint32_t valid = load(q.w(side.log_valid));
    if (valid == 1) {
      // Its last holder died inside commit() (or while repairing): the log is complete.
      Words w{};
      for (uint32_t i = 0; i < side.n; i++) w.v[i] = load(q.w(side.log + i));
      if (w.v[0] >= q.ring_size) { code_ = kErrCorrupt; return; }
      commit(q, side, w);
    } else if (valid != 0) {
      code_ = kErrCorrupt;
      return;
    }
    if (g_.owner_died()) {
      // The dead holder may have committed without waking anyone: wake everyone after the
      // unlock (spurious wakes are harmless, everyone re-checks).
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
      wake_word(q_.w(qw::kPutCount), kWakeAll);
      wake_word(q_.w(qw::kGetCount), kWakeAll);
      wake_word(q_.w(qw::kUnfinished), kWakeAll);
    }
  }
  int32_t code() const { return code_; }

 private:
  const QueueView& q_;
  StateGuard g_;
  int32_t code_ = kOk;
  bool wake_all_ = false;
};

// What a putter (holding the put mutex) sees: its own words, and the get side's read get_count
// first, then head (see queue.h). False: the words are impossible (ERR_CORRUPT).
struct PutView {
  uint32_t tail, put_count, unfinished, count, used;
  // The get_count the count was computed from: what a putter that finds no room sleeps on. Read
  // again later, it could already include the get that made room (the get side does not take
  // the put mutex), and the putter would sleep through that get.
  uint32_t get_count;
};
bool put_view(const QueueView& q, PutView* v) {
  v->tail = load(q.w(qw::kTail));
  v->put_count = load(q.w(qw::kPutCount));
  v->unfinished = load(q.w(qw::kUnfinished));
  v->get_count = load(q.w(qw::kGetCount));
  uint32_t head = load(q.w(qw::kHead));
  if (v->tail >= q.ring_size || head >= q.ring_size) return false;
  v->count = v->put_count - v->get_count;
  v->used = used_bytes(q, head, v->tail);
  if (v->count > max_count(q)) return false;
  if (v->count == 0 && v->used != 0) return false;
  return true;
}

bool has_room(const QueueView& q, const PutView& v, uint64_t need) {
  return uint64_t(q.ring_size) - 1 - v.used >= need && (q.maxsize == 0 || v.count < q.maxsize);
}

// What a getter (holding the get mutex) sees: its own words, and the put side's read put_count
// first, then tail.
struct GetView {
  uint32_t head, get_count, count, used;
  // The put_count the count was computed from: what a getter that finds none sleeps on (see
  // PutView::get_count).
  uint32_t put_count;
};
bool get_view(const QueueView& q, GetView* v) {
  v->head = load(q.w(qw::kHead));
  v->get_count = load(q.w(qw::kGetCount));
  v->put_count = load(q.w(qw::kPutCount));
  uint32_t tail = load(q.w(qw::kTail));
  if (v->head >= q.ring_size || tail >= q.ring_size) return false;
  v->count = v->put_count - v->get_count;
  v->used = used_bytes(q, v->head, tail);
  if (v->count > max_count(q)) return false;
  // Every record counted is between head and tail (tail was read after put_count).
  if (uint64_t(v->count) * 4 > v->used) return false;
  return true;
}

// An empty queue whose put log is valid: a putter died inside its commit (or is in the middle
// of one), leaving a record no getter counts yet. Taking the put mutex repairs it (or waits out
// the live putter). kOk, or the code to report.
int32_t repair_put_side(const QueueView& q, const WaitCtx& ctx) {
  Section put(q, kPutSide, ctx);
  return put.code();
}

// Sleeps on `word` while it still holds `seen` (one slice at most), announced in `sleepers`
// (wait.h counted_sleep).
void sleep_on(uint32_t* word, uint32_t seen, uint32_t* sleepers, const WaitCtx& ctx, uint32_t* armed = nullptr) {
  counted_sleep(word, seen, sleepers, slice_end(ctx.deadline_ns), ctx, armed);
}

// `count_before`: items before this put. The items already there have each had a getter woken
// for them (or were put with nobody asleep): wake one more only while sleepers outnumber them.
void after_put(const QueueView& q, uint32_t count_before) {
  if (load(q.w(qw::kGetSleepers)) > count_before) wake_word(q.w(qw::kPutCount), 1);
}

// `count_after`: items left by this get.
void after_get(const QueueView& q, uint32_t count_after) {
  if (count_after > 0 && load(q.w(qw::kGetSleepers)) > 0) wake_word(q.w(qw::kPutCount), 1);
  // All putters: the freed room may fit a small item but not a large one, so waking one could
  // wake the wrong one. Only the first get after one armed it makes the call.
  if (load(q.w(qw::kPutSleepers)) > 0 && exchange(q.w(qw::kPutArmed), 0) != 0)
    wake_word(q.w(qw::kGetCount), kWakeAll);
}

}  // namespace

bool queue_state_size(uint32_t maxsize, uint32_t capacity, uint64_t* out) {
  if (maxsize > kQueueMaxMaxsize || capacity == 0 || capacity > kQueueMaxCapacity) return false;
  *out = kQueueHeaderBytes + ((uint64_t(capacity) + kQueueRingExtra + 7) & ~uint64_t(7));
  return true;
}

OpResult queue_put(const QueueView& q, const uint8_t* data, uint32_t len, const WaitCtx& ctx) {
  const uint64_t need = uint64_t(len) + 4;
  if (need > q.ring_size - 1) return {kErrMessageTooLarge, 0};
  bool spun = false;
  for (;;) {
    uint32_t seen;
    {
      Section sec(q, kPutSide, ctx);
      if (sec.code() != kOk) return {sec.code(), 0};
      PutView v;
      if (!put_view(q, &v)) return {kErrCorrupt, 0};
      if (has_room(q, v, need)) {
        // Write the record where nobody looks yet, then publish it with one commit.
        uint8_t prefix[4];
        memcpy(prefix, &len, 4);
        ring_write(q, v.tail, prefix, 4);
        ring_write(q, advance(q, v.tail, 4), data, len);
        const uint32_t unfinished = v.unfinished != UINT32_MAX ? v.unfinished + 1 : v.unfinished;
        commit(q, kPutSide, Words{{advance(q, v.tail, need), unfinished, v.put_count + 1}});
        sec.unlock();
        after_put(q, v.count);
        return {kOk, 0};
      }
      seen = v.get_count;
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      // A full queue with a getter running on another CPU: room is often a get away, and a
      // sleep costs the getter a wake-up call.
      spun = true;
      if (spin_while_equal(q.w(qw::kGetCount), seen)) continue;
    }
    sleep_on(q.w(qw::kGetCount), seen, q.w(qw::kPutSleepers), ctx, q.w(qw::kPutArmed));
  }
}

OpResult queue_get(const QueueView& q, const QueueAlloc& alloc, const WaitCtx& ctx) {
  bool spun = false;
  for (;;) {
    uint32_t seen;
    bool repair = false;
    {
      Section sec(q, kGetSide, ctx);
      if (sec.code() != kOk) return {sec.code(), 0};
      GetView v;
      if (!get_view(q, &v)) return {kErrCorrupt, 0};
      if (v.count > 0) {
        uint8_t prefix[4];
        uint32_t len;
        ring_read(q, v.head, prefix, 4);
        memcpy(&len, prefix, 4);
        const uint64_t size = uint64_t(len) + 4;
        if (size > v.used) return {kErrCorrupt, 0};
        uint8_t* dst = alloc(len);
        if (!dst) return {kErrSys, 0};
        ring_read(q, advance(q, v.head, 4), dst, len);
        commit(q, kGetSide, Words{{advance(q, v.head, size), v.get_count + 1, 0}});
        sec.unlock();
        after_get(q, v.count - 1);
        return {kOk, double(len)};
      }
      seen = v.put_count;
      repair = load(q.w(qw::kPutLogValid)) != 0;
    }
    if (repair) {
      if (int32_t code = repair_put_side(q, ctx); code != kOk) return {code, 0};
      continue;
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      // Ping-pong hand-offs: a put is often microseconds away.
      spun = true;
      if (spin_while_equal(q.w(qw::kPutCount), seen)) continue;
    }
    sleep_on(q.w(qw::kPutCount), seen, q.w(qw::kGetSleepers), ctx);
  }
}

OpResult queue_wait(const QueueView& q, QueueReady what, uint32_t need, const WaitCtx& ctx) {
  for (;;) {
    uint32_t* word;
    uint32_t* sleepers;
    uint32_t seen;
    switch (what) {
      case QueueReady::kCanGet: {
        bool repair;
        {
          Section sec(q, kGetSide, ctx);
          if (sec.code() != kOk) return {sec.code(), 0};
          GetView v;
          if (!get_view(q, &v)) return {kErrCorrupt, 0};
          if (v.count > 0) return {kOk, 0};
          word = q.w(qw::kPutCount);
          sleepers = q.w(qw::kGetSleepers);
          seen = v.put_count;
          repair = load(q.w(qw::kPutLogValid)) != 0;
        }
        if (repair) {
          if (int32_t code = repair_put_side(q, ctx); code != kOk) return {code, 0};
          continue;
        }
        break;
      }
      case QueueReady::kCanPut: {
        if (uint64_t(need) + 4 > q.ring_size - 1) return {kErrMessageTooLarge, 0};
        Section sec(q, kPutSide, ctx);
        if (sec.code() != kOk) return {sec.code(), 0};
        PutView v;
        if (!put_view(q, &v)) return {kErrCorrupt, 0};
        if (has_room(q, v, uint64_t(need) + 4)) return {kOk, 0};
        word = q.w(qw::kGetCount);
        sleepers = q.w(qw::kPutSleepers);
        seen = v.get_count;
        break;
      }
      default: {
        Section sec(q, kPutSide, ctx);
        if (sec.code() != kOk) return {sec.code(), 0};
        if (load(q.w(qw::kUnfinished)) == 0) return {kOk, 0};
        word = q.w(qw::kUnfinished);
        sleepers = q.w(qw::kJoinSleepers);
        seen = load(word);
        break;
      }
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    sleep_on(word, seen, sleepers, ctx, what == QueueReady::kCanPut ? q.w(qw::kPutArmed) : nullptr);
  }
}

OpResult queue_task_done(const QueueView& q, const WaitCtx& ctx) {
  Section sec(q, kPutSide, ctx);
  if (sec.code() != kOk) return {sec.code(), 0};
  uint32_t u = load(q.w(qw::kUnfinished));
  if (u == 0) return {kErrOutOfRange, 0};
  // One word, one store, under the put mutex (whose log holds unfinished): no log needed.
  store(q.w(qw::kUnfinished), u - 1);
  sec.unlock();
  if (u == 1 && load(q.w(qw::kJoinSleepers)) > 0) wake_word(q.w(qw::kUnfinished), kWakeAll);
  return {kOk, 0};
}

QueueStat queue_stat(const QueueView& q, const WaitCtx& ctx) {
  // Both mutexes, put first (the one order every caller that takes both uses): an exact count.
  QueueStat r;
  Section put(q, kPutSide, ctx);
  r.code = put.code();
  if (r.code != kOk) return r;
  Section get(q, kGetSide, ctx);
  r.code = get.code();
  if (r.code != kOk) return r;
  PutView v;
  if (!put_view(q, &v) || uint64_t(v.count) * 4 > v.used) {
    r.code = kErrCorrupt;
    return r;
  }
  r.count = v.count;
  r.used = v.used;
  r.unfinished = v.unfinished;
  r.repairs = load(q.w(qw::kRepairs));
  return r;
}

}  // namespace procsync
