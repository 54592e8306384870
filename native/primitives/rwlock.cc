#include "primitives/rwlock.h"

#include <climits>

#include "primitives/lock.h"
#include "core/spin.h"
#include "core/state_mutex.h"
#include "core/wait.h"

namespace procsync {

namespace {
using namespace rw;

inline uint32_t* sword(RWState st) { return st.w + kS; }
inline uint32_t* own(RWState st, uint32_t i) { return st.w + kSlots + 2 * i; }
inline uint32_t* cnt(RWState st, uint32_t i) { return st.w + kSlots + 2 * i + 1; }
inline bool reader_mode(uint32_t s) { return (s & kRead) != 0; }
inline uint32_t count(uint32_t s) { return s & kCount; }
inline uint32_t writer_of(uint32_t s) { return reader_mode(s) ? 0 : s & kOwnerMask; }
// A new reader may enter now (no writer holds or waits).
inline bool open_to_readers(uint32_t s) { return s == 0 || (reader_mode(s) && !(s & kWait) && count(s) < kCount); }

void wake_all(RWState st) { wake_word(sword(st), INT32_MAX); }

void free_slot(RWState st, uint32_t i) {
  store(cnt(st, i), 0);
  store(own(st, i), 0);
}

bool is_mine(RWState st, int64_t i, uint32_t me, uint32_t c) {
  return i >= 0 && load(own(st, uint32_t(i))) == (me | kNative) && load(cnt(st, uint32_t(i))) == c;
}

// Under the mutex: a native slot of `me` in state `c`, or -1.
int64_t find_mine(RWState st, uint32_t me, uint32_t c) {
  for (uint32_t i = 0; i < st.slots; i++)
    if (is_mine(st, i, me, c)) return i;
  return -1;
}

// Under the mutex: a native slot for `me` in state `c` (free ones first, from the top: home
// slots are at the bottom; then the wait of a dead user), or -1 when all are taken.
int64_t claim(RWState st, uint32_t me, uint32_t c, const WaitCtx& ctx) {
  int64_t at = -1;
  for (uint32_t i = st.slots; i-- > 0 && at < 0;)
    if (load(own(st, i)) == 0) at = i;
  for (uint32_t i = 0; i < st.slots && at < 0; i++) {
    uint32_t o = load(own(st, i));
    if ((o & kNative) && load(cnt(st, i)) != kShare && !ctx.alive(o & kOwnerMask)) at = i;
  }
  if (at >= 0) {
    store(cnt(st, uint32_t(at)), c);
    store(own(st, uint32_t(at)), me | kNative);
  }
  return at;
}

// Under the mutex: the live waiters other than slot `except`; dead ones' slots are freed.
struct Waits {
  uint32_t readers = 0, writers = 0;
  bool any() const { return readers + writers != 0; }
};
Waits waits(RWState st, int64_t except, const WaitCtx& ctx) {
  Waits w;
  for (uint32_t i = 0; i < st.slots; i++) {
    uint32_t o = load(own(st, i));
    uint32_t c = load(cnt(st, i));
    if (!(o & kNative) || int64_t(i) == except || (c != kReaderWaits && c != kWriterWaits)) continue;
    if (!ctx.alive(o & kOwnerMask)) {
      free_slot(st, i);
      continue;
    }
    (c == kReaderWaits ? w.readers : w.writers)++;
  }
  return w;
}

// Under the mutex, S in writer mode (its holder releasing, or dead): grants every waiting
// reader (recorded in its slot before S counts it); if a writer waits too, S keeps WAIT, so no
// new reader enters and the writer goes next. The caller wakes the sleepers after unlocking.
void release_locked(RWState st, const WaitCtx& ctx) {
  uint32_t granted = 0;
  bool writers = false;
  for (uint32_t i = 0; i < st.slots; i++) {
    uint32_t o = load(own(st, i));
    uint32_t c = load(cnt(st, i));
    if (!(o & kNative) || (c != kReaderWaits && c != kWriterWaits)) continue;
    if (!ctx.alive(o & kOwnerMask)) {
      free_slot(st, i);
      continue;
    }
    if (c == kWriterWaits) {
      writers = true;
      continue;
    }
    store(cnt(st, i), kShare);
    granted++;
  }
  uint32_t s = granted || writers ? (kRead | granted | (writers ? kWait : 0)) : 0;
  store(sword(st), s);
}

// Under the mutex, S in reader mode with WAIT (a writer waited a whole slice, or a writer's
// try is past its deadline): recounts the shares as those recorded by live users. They are
// never fewer than the live shares counted in S (recorded before counted, unrecorded after),
// so this only gives back dead readers' shares. The slots of dead users are freed. True when S
// changed.
// WAIT is required, not an optimisation: with it set (and the mutex held) no reader enters or
// leaves by the JS fast path, so S cannot change during the scan. Without it, S could go
// READ|1 -> 0 -> READ|1 (reader A leaves, reader B enters) while the scan reads B's slot
// before B's record and A's after A's unrecord: live = 0, and the final CAS, seeing S
// unchanged, would drop B's live share and let a writer in beside B (ABA). That happened on a
// write try ({ block: false }), whose first pass is already past its deadline.
bool recount(RWState st, uint32_t s, const WaitCtx& ctx) {
  if (!reader_mode(s) || !(s & kWait)) return false;
  uint64_t live = 0;
  for (uint32_t i = 0; i < st.slots; i++) {
    uint32_t o = load(own(st, i));
    if (o == 0) continue;
    uint32_t c = load(cnt(st, i));
    if ((o & kNative) && c != kShare) continue;
    if (!ctx.alive(o & kOwnerMask)) {
      free_slot(st, i);
      continue;
    }
    live += (o & kNative) ? 1 : c;
  }
  if (live >= count(s)) return false;
  uint32_t e = s;
  return cas(sword(st), e, (s & ~kCount) | uint32_t(live));
}

// A writer that gives up: its slot goes; if no other writer waits, new readers may enter again.
void withdraw_writer(RWState st, uint32_t me, int64_t my, const WaitCtx& ctx) {
  bool wake = false;
  {
    StateGuard g(st.w, cleanup_ctx(ctx));
    if (!g.ok()) return;
    if (is_mine(st, my, me, kWriterWaits)) free_slot(st, uint32_t(my));
    for (;;) {
      uint32_t s = load(sword(st));
      if (!reader_mode(s) || !(s & kWait) || waits(st, -1, ctx).writers) break;
      uint32_t e = s;
      if (cas(sword(st), e, count(s) ? s & ~kWait : 0)) {
        wake = true;
        break;
      }
    }
  }
  if (wake) wake_all(st);
}

// A reader that gives up. True when its share had been granted meanwhile (it holds it).
bool withdraw_reader(RWState st, uint32_t me, int64_t my, const WaitCtx& ctx) {
  if (my < 0) return false;
  StateGuard g(st.w, cleanup_ctx(ctx));
  if (!g.ok()) return false;
  if (is_mine(st, my, me, kShare)) return true;
  if (is_mine(st, my, me, kReaderWaits)) free_slot(st, uint32_t(my));
  return false;
}

// The spin before a sleep on S. Longer than a Lock's (word_spin, 10 µs): a reader queued
// behind a writer waits for the writer's drain *and* its hold, and on a VM one futex sleep and
// wake-up costs more than both; adaptive (spin.h), so it collapses when the holder is not
// running.
AdaptiveSpin rw_spin(60 * 1000, 100 * 1000);

// The sleep between two passes of a wait loop: a spin first, then a futex sleep on S of at most
// a slice. True when a whole slice passed.
bool sleep_on(RWState st, uint32_t seen, bool* spun, const WaitCtx& ctx) {
  if (!*spun) {
    *spun = true;
    const uint32_t* s = sword(st);
    if (spin_until<1>(rw_spin, [&] { return load(s) != seen; })) return false;
  }
  ctx.sleeping_on(sword(st));
  if (ctx.cancelled()) return false;
  return wait_on_word(sword(st), seen, slice_end(ctx.deadline_ns)) == WaitOutcome::kTimedOut;
}
}  // namespace

OpResult rw_read_acquire(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};
  int64_t my = -1;
  bool died = false, slice = false, spun = false;
  for (;;) {
    uint32_t seen;
    bool wake = false;
    {
      StateGuard g(st.w, ctx);
      if (!g.ok()) {
        if (withdraw_reader(st, me, my, ctx)) return {died ? kOwnerDied : kOk, double(my)};
        return {g.code(), 0};
      }
      if (is_mine(st, my, me, kShare)) return {died ? kOwnerDied : kOk, double(my)};  // granted
      if (!is_mine(st, my, me, kReaderWaits)) my = -1;  // scribbled on: start over
      uint32_t s = load(sword(st));
      if (writer_of(s) && (slice || past(ctx.deadline_ns)) && !ctx.alive(writer_of(s))) {
        // A dead writer: release it for everyone waiting, this reader included.
        if (my < 0) my = claim(st, me, kReaderWaits, ctx);
        release_locked(st, ctx);
        wake_all(st);
        died = true;
        continue;
      }
      if (reader_mode(s) && (s & kWait) && !waits(st, my, ctx).writers) {
        // WAIT, but no writer waits any more (it gave up or died): open to readers again.
        uint32_t e = s;
        if (!cas(sword(st), e, count(s) ? s & ~kWait : 0)) continue;
        s = load(sword(st));
        wake = true;
      }
      while (open_to_readers(s)) {
        if (my < 0) my = claim(st, me, kShare, ctx);
        else store(cnt(st, uint32_t(my)), kShare);
        if (my < 0) break;  // no slot free: wait for one
        uint32_t e = s;
        if (cas(sword(st), e, s == 0 ? (kRead | 1) : s + 1)) {
          g.unlock();
          if (wake) wake_all(st);
          return {died ? kOwnerDied : kOk, double(my)};
        }
        store(cnt(st, uint32_t(my)), kReaderWaits);  // S moved (a fast path): look again
        s = e;
      }
      if (!open_to_readers(s) && my < 0) my = claim(st, me, kReaderWaits, ctx);
      if (my >= 0 && writer_of(s) && !(s & kWait)) {
        // The holder's release must go native (and grant us): set WAIT.
        uint32_t e = s;
        if (!cas(sword(st), e, s | kWait)) continue;
        s |= kWait;
      }
      seen = s;
    }
    if (wake) wake_all(st);
    if (past(ctx.deadline_ns) || ctx.cancelled()) {
      int32_t code = past(ctx.deadline_ns) ? kTimeout : kCancelled;
      if (withdraw_reader(st, me, my, ctx)) return {died ? kOwnerDied : kOk, double(my)};
      return {code, 0};
    }
    slice = sleep_on(st, seen, &spun, ctx);
  }
}

OpResult rw_write_acquire(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};
  int64_t my = -1;
  bool slice = false, spun = false;
  for (;;) {
    uint32_t seen;
    {
      StateGuard g(st.w, ctx);
      if (!g.ok()) {
        withdraw_writer(st, me, my, ctx);
        return {g.code(), 0};
      }
      if (!is_mine(st, my, me, kWriterWaits)) my = -1;
      uint32_t s = load(sword(st));
      bool check = slice || past(ctx.deadline_ns);
      bool dead = writer_of(s) && check && !ctx.alive(writer_of(s));
      if (s == 0 || (reader_mode(s) && count(s) == 0) || dead) {
        // Free, drained (reserved for a waiting writer) or held by a dead writer: take it.
        if (my >= 0) free_slot(st, uint32_t(my));
        my = -1;
        uint32_t e = s;
        if (cas(sword(st), e, me | (waits(st, -1, ctx).any() ? kWait : 0))) return {dead ? kOwnerDied : kOk, 0};
        continue;
      }
      if (my < 0) my = claim(st, me, kWriterWaits, ctx);
      if (!(s & kWait)) {
        // No new reader enters (reader mode), the holder's release goes native (writer mode).
        uint32_t e = s;
        if (!cas(sword(st), e, s | kWait)) continue;
        s |= kWait;
      }
      // Only now, with WAIT set and the mutex held, is S frozen for the recount (see recount).
      if (reader_mode(s) && check && recount(st, s, ctx)) continue;
      seen = s;
    }
    if (past(ctx.deadline_ns) || ctx.cancelled()) {
      int32_t code = past(ctx.deadline_ns) ? kTimeout : kCancelled;
      withdraw_writer(st, me, my, ctx);
      return {code, 0};
    }
    slice = sleep_on(st, seen, &spun, ctx);
  }
}

int32_t rw_write_release(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return kErrCorrupt;
  if (writer_of(load(sword(st))) != me) return kErrReleasedTooMany;
  {
    StateGuard g(st.w, ctx);
    if (!g.ok()) return g.code();
    if (writer_of(load(sword(st))) != me) return kErrReleasedTooMany;
    release_locked(st, ctx);
  }
  wake_all(st);
  return kOk;
}

int32_t rw_read_release(RWState st, bool from_home, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return kErrCorrupt;
  bool wake = false;
  {
    StateGuard g(st.w, ctx);
    if (!g.ok()) return g.code();
    int64_t i = from_home ? -1 : find_mine(st, me, kShare);
    if (!from_home && i < 0) return kErrReleasedTooMany;
    for (;;) {
      uint32_t s = load(sword(st));
      if (!reader_mode(s) || count(s) == 0) {
        if (i >= 0) free_slot(st, uint32_t(i));
        return kErrCorrupt;  // a share is recorded but S does not count it
      }
      // The last reader out leaves a waiting writer's reservation (READ | WAIT, no readers).
      uint32_t n = count(s) > 1 ? s - 1 : (s & kWait) ? (kRead | kWait) : 0;
      uint32_t e = s;
      if (!cas(sword(st), e, n)) continue;
      if (i >= 0) free_slot(st, uint32_t(i));  // unrecorded after it is uncounted
      wake = (s & kWait) != 0 && count(n) == 0;
      break;
    }
  }
  if (wake) wake_all(st);
  return kOk;
}

int32_t rw_home_slot(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return -1;
  StateGuard g(st.w, ctx);
  if (!g.ok()) return -1;
  const uint32_t home = st.slots / 2;
  int64_t at = -1;
  for (uint32_t i = 0; i < home; i++) {
    uint32_t o = load(own(st, i));
    if (o == me) return int32_t(i);
    if (at < 0 && o == 0) at = i;
  }
  for (uint32_t i = 0; i < home && at < 0; i++) {
    uint32_t o = load(own(st, i));
    if (!(o & kNative) && !ctx.alive(o & kOwnerMask)) at = i;  // a dead user's: recount ignores it
  }
  if (at < 0) return -1;
  store(cnt(st, uint32_t(at)), 0);
  store(own(st, uint32_t(at)), me);
  return int32_t(at);
}

}  // namespace procsync
