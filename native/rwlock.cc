#include "rwlock.h"

#include <climits>

#include "wait.h"
#include "lock.h"
#include "state_mutex.h"

namespace procsync {

namespace {
using namespace rw;

inline uint32_t* word(RWState st, uint32_t k) { return st.w + k; }
inline uint32_t* slot(RWState st, uint32_t i) { return st.w + kSlots + i; }
inline uint32_t owner(uint32_t w) { return w & kOwnerMask; }
inline bool held_share(uint32_t v) { return v != 0 && !(v & kRWait); }

// R -= 1 without wrapping below 0 (a hostile or leaked value stays sane).
void dec_r(RWState st) {
  uint32_t* r = word(st, kR);
  uint32_t v = load(r);
  while (v != 0 && !cas(r, v, v - 1)) {}
}

void wake_drain(RWState st) {
  if (load(word(st, kDrain)) != 0) wake_word(word(st, kR), INT32_MAX);
}

// A free slot, starting at the caller's hint; -1 when all are taken.
int64_t find_free(RWState st, uint32_t me) {
  for (uint32_t k = 0; k < st.slots; k++) {
    uint32_t i = (me + k) % st.slots;
    if (load(slot(st, i)) == 0) return i;
  }
  return -1;
}

// Under the mutex: grants every waiting reader (dead ones are dropped), frees W. Returns how
// many were granted. The caller wakes RSEQ (if any) and a writer after unlocking.
uint32_t release_locked(RWState st, const WaitCtx& ctx) {
  uint32_t granted = 0;
  for (uint32_t i = 0; i < st.slots; i++) {
    uint32_t* s = slot(st, i);
    uint32_t v = load(s);
    if (!(v & kRWait)) continue;
    uint32_t id = v & kOwnerMask;
    if (id == 0 || !ctx.alive(id)) {
      store(s, 0);
      continue;
    }
    fetch_add(word(st, kR), 1);  // counted before the slot shows the share (see rwlock.h)
    store(s, id);
    granted++;
  }
  store(word(st, kW), 0);
  fetch_add(word(st, kRseq), 1);
  return granted;
}

void wake_after_release(RWState st, uint32_t granted) {
  if (granted) wake_word(word(st, kRseq), INT32_MAX);
  if (load(word(st, kWsleep)) != 0) wake_word(word(st, kW), 1);
  wake_drain(st);  // readers waiting for a slot
}

enum Step { kEntered, kRetry, kWaitGrant, kWaitSlot };

// Under the mutex: enter as a reader if no writer holds W, else register as waiting.
Step try_enter_locked(RWState st, uint32_t me, int64_t* my) {
  if (*my >= 0) {
    uint32_t v = load(slot(st, uint32_t(*my)));
    if (v == me) return kEntered;  // granted by a writer's release
    if (v != (me | kRWait)) *my = -1;  // scribbled on: start over
  }
  uint32_t w = load(word(st, kW));
  if (owner(w) == 0) {
    int64_t i = *my >= 0 ? *my : find_free(st, me);
    if (i < 0) return kWaitSlot;
    fetch_add(word(st, kR), 1);
    store(slot(st, uint32_t(i)), me);
    if (owner(load(word(st, kW))) == 0) {
      *my = i;
      return kEntered;
    }
    // A writer took W meanwhile (its fast path): back out and queue behind it.
    store(slot(st, uint32_t(i)), *my >= 0 ? (me | kRWait) : 0);
    dec_r(st);
    wake_drain(st);
  }
  if (*my < 0) {
    int64_t i = find_free(st, me);
    if (i >= 0) {
      store(slot(st, uint32_t(i)), me | kRWait);
      *my = i;
    }
  }
  // The holder's release must go native (and grant us or wake us): set WAITERS.
  for (;;) {
    uint32_t v = load(word(st, kW));
    if (owner(v) == 0) return kRetry;
    if ((v & kLockWaiters) || cas(word(st, kW), v, v | kLockWaiters)) break;
  }
  return *my >= 0 ? kWaitGrant : kWaitSlot;
}

// Gives up a waiting reader's slot (timeout, cancel, error). Returns true when the share had
// been granted meanwhile (the caller then holds it).
bool withdraw(RWState st, uint32_t me, int64_t my, const WaitCtx& ctx) {
  if (my < 0) return false;
  StateGuard g(word(st, 0), cleanup_ctx(ctx));
  uint32_t* s = slot(st, uint32_t(my));
  uint32_t v = load(s);
  if (v == me) return true;
  if (v == (me | kRWait)) store(s, 0);
  return false;
}

// A dead writer holds W (seen as `w`): release it for everyone. True if this call did it.
bool release_dead_writer(RWState st, uint32_t w, const WaitCtx& ctx) {
  if (owner(w) == 0 || ctx.alive(owner(w))) return false;
  uint32_t granted;
  {
    StateGuard g(word(st, 0), cleanup_ctx(ctx));
    if (!g.ok() || load(word(st, kW)) != w) return false;
    granted = release_locked(st, ctx);
  }
  wake_after_release(st, granted);
  return true;
}
}  // namespace

OpResult rw_read_acquire(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};
  int64_t my = -1;
  bool died = false;
  bool spun = false;
  for (;;) {
    Step step;
    uint32_t seq, r = 0;
    {
      StateGuard g(word(st, 0), ctx);
      if (!g.ok()) {
        if (withdraw(st, me, my, ctx)) return {died ? kOwnerDied : kOk, double(my)};
        return {g.code(), 0};
      }
      step = try_enter_locked(st, me, &my);
      seq = load(word(st, kRseq));
      if (step == kWaitSlot) {
        fetch_add(word(st, kDrain), 1);
        r = load(word(st, kR));
      }
    }
    if (step == kEntered) return {died ? kOwnerDied : kOk, double(my)};
    if (step == kRetry) continue;
    bool stop = past(ctx.deadline_ns) || ctx.cancelled();
    if (!stop && !spun && step == kWaitGrant) {
      // Writers hold for short times: spin once for the grant before a futex sleep.
      spun = true;
      if (spin_while_equal(word(st, kRseq), seq)) continue;
    }
    WaitOutcome out = WaitOutcome::kWoken;
    if (!stop) {
      uint32_t* on = step == kWaitGrant ? word(st, kRseq) : word(st, kR);
      ctx.sleeping_on(on);
      if (!ctx.cancelled()) out = wait_on_word(on, step == kWaitGrant ? seq : r, slice_end(ctx.deadline_ns));
    }
    if (step == kWaitSlot) fetch_sub(word(st, kDrain), 1);
    if (my >= 0 && load(slot(st, uint32_t(my))) == me) return {died ? kOwnerDied : kOk, double(my)};
    if (stop || past(ctx.deadline_ns) || ctx.cancelled()) {
      int32_t code = past(ctx.deadline_ns) ? kTimeout : kCancelled;
      if (withdraw(st, me, my, ctx)) return {died ? kOwnerDied : kOk, double(my)};
      return {code, 0};
    }
    if (out == WaitOutcome::kTimedOut) {
      // A whole slice without a release: is the writer still there?
      if (release_dead_writer(st, load(word(st, kW)), ctx)) died = true;
    }
  }
}

OpResult rw_write_acquire(RWState st, bool have_w, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return {kErrCorrupt, 0};
  uint32_t* W = word(st, kW);
  bool died = false;
  if (have_w) {
    if (owner(load(W)) != me) return {kErrCorrupt, 0};
  } else {
    bool spun = false;
    for (;;) {
      uint32_t v = load(W);
      if (owner(v) == 0) {
        if (cas(W, v, me | (v & kLockWaiters))) break;
        continue;
      }
      if (past(ctx.deadline_ns)) {
        uint32_t e = v;
        if (!ctx.alive(owner(v)) && cas(W, e, me | kLockWaiters)) { died = true; break; }
        return {kTimeout, 0};
      }
      if (ctx.cancelled()) return {kCancelled, 0};
      if (!spun) {
        spun = true;
        if (spin_while_equal(W, v)) continue;
      }
      if (!(v & kLockWaiters)) {
        uint32_t e = v;
        if (!cas(W, e, v | kLockWaiters)) continue;
        v |= kLockWaiters;
      }
      fetch_add(word(st, kWsleep), 1);
      ctx.sleeping_on(W);
      WaitOutcome out = ctx.cancelled() ? WaitOutcome::kWoken : wait_on_word(W, v, slice_end(ctx.deadline_ns));
      fetch_sub(word(st, kWsleep), 1);
      if (out == WaitOutcome::kTimedOut) {
        uint32_t e = v;
        if (!ctx.alive(owner(v)) && cas(W, e, me | kLockWaiters)) { died = true; break; }
      }
    }
  }
  // Holding W: new readers queue; wait for the readers that hold shares to leave.
  uint32_t* R = word(st, kR);
  bool drain_spun = false;
  for (;;) {
    fetch_add(word(st, kDrain), 1);
    uint32_t r = load(R);
    bool any = false;
    for (uint32_t i = 0; i < st.slots && !any; i++) any = held_share(load(slot(st, i)));
    if (!any) {
      fetch_sub(word(st, kDrain), 1);
      return {died ? kOwnerDied : kOk, 0};
    }
    bool stop = past(ctx.deadline_ns) || ctx.cancelled();
    WaitOutcome out = WaitOutcome::kWoken;
    if (!stop && !drain_spun) {
      drain_spun = true;
      if (spin_while_equal(R, r)) {
        fetch_sub(word(st, kDrain), 1);
        continue;
      }
    }
    if (!stop) {
      ctx.sleeping_on(R);
      if (!ctx.cancelled()) out = wait_on_word(R, r, slice_end(ctx.deadline_ns));
    }
    fetch_sub(word(st, kDrain), 1);
    if (stop) {
      int32_t code = past(ctx.deadline_ns) ? kTimeout : kCancelled;
      // Give W back the way a release does (readers queued behind us are granted).
      uint32_t granted = 0;
      {
        StateGuard g(word(st, 0), cleanup_ctx(ctx));
        if (g.ok() && owner(load(W)) == me) granted = release_locked(st, ctx);
      }
      wake_after_release(st, granted);
      return {code, 0};
    }
    if (out == WaitOutcome::kTimedOut) {
      // A whole slice without a reader leaving: give back the shares of dead readers.
      for (uint32_t i = 0; i < st.slots; i++) {
        uint32_t* s = slot(st, i);
        uint32_t v = load(s);
        if (held_share(v) && !ctx.alive(v & kOwnerMask)) {
          uint32_t e = v;
          if (cas(s, e, 0)) dec_r(st);
        }
      }
    }
  }
}

int32_t rw_write_release(RWState st, const WaitCtx& ctx) {
  if (ctx.me() == 0) return kErrCorrupt;
  if (owner(load(word(st, kW))) != ctx.me()) return kErrReleasedTooMany;
  uint32_t granted;
  {
    StateGuard g(word(st, 0), ctx);
    if (!g.ok()) return g.code();
    if (owner(load(word(st, kW))) != ctx.me()) return kErrReleasedTooMany;
    granted = release_locked(st, ctx);
  }
  wake_after_release(st, granted);
  return kOk;
}

int32_t rw_read_release(RWState st, const WaitCtx& ctx) {
  const uint32_t me = ctx.me();
  if (me == 0) return kErrCorrupt;
  for (uint32_t k = 0; k < st.slots; k++) {
    uint32_t* s = slot(st, (me + k) % st.slots);
    uint32_t e = me;
    if (cas(s, e, 0)) {
      dec_r(st);
      wake_drain(st);
      return kOk;
    }
  }
  return kErrReleasedTooMany;
}

}  // namespace procsync
