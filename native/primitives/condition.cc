#include "primitives/condition.h"

#include "core/wait.h"
#include "core/state_mutex.h"

namespace procsync {

namespace {
using namespace cond;

struct Slot {
  uint32_t* state;
  uint32_t* user;  // the waiter's user id (liveness.h)
  uint32_t* ticket;
  // 1 while the sync waiter sleeps on `state` in the kernel. Set before its sleep checks the
  // state, read after a notify stores the state (seq_cst both): either the notifier sees it
  // and wakes, or the kernel sees the state changed and the waiter does not sleep. A waiter
  // that found its mark before sleeping (the one-CPU yield, a spin) costs its notifier no
  // wake-up call. (An older build's waiter never set it: hence layout version 5, layout.h.)
  uint32_t* asleep;
};

Slot slot_at(CondState st, uint32_t i) {
  uint32_t* s = st.w + kSlotsWord + kSlotWords * i;
  return {s, s + 1, s + 2, s + 3};
}

// Wakes the sync waiter of a slot marked NOTIFIED, if it sleeps (see Slot::asleep).
void wake_if_asleep(Slot s, bool after_unlock) {
  if (load(s.asleep) == 0) return;
  if (after_unlock) wake_after_unlock(s.state, 1);
  else wake_word(s.state, 1);
}

// The hwm word as a safe scan bound (it lives in shared memory: never trust it past cap).
uint32_t hwm(CondState st) {
  uint32_t h = load(st.w + kHwmWord);
  return h > st.cap ? st.cap : h;
}

// Recomputes the derived words from the slots: after a holder of the mutex died mid-update.
void repair_locked(CondState st) {
  uint32_t waiting = 0, top = 0;
  for (uint32_t i = 0; i < st.cap; i++) {
    uint32_t s = load(slot_at(st, i).state);
    if (s == kSlotWaiting) waiting++;
    if (s != kSlotFree) top = i + 1;
  }
  store(st.w + kWaitingWord, waiting);
  store(st.w + kHwmWord, top);
}

// Frees slot i (caller holds the mutex) and keeps `waiting` and `hwm` in step.
void free_slot_locked(CondState st, uint32_t i) {
  Slot s = slot_at(st, i);
  if (exchange(s.state, kSlotFree) == kSlotWaiting) fetch_sub(st.w + kWaitingWord, 1);
  store(s.user, 0);
  store(s.asleep, 0);
  uint32_t h = hwm(st);
  if (i + 1 == h) {
    while (h > 0 && load(slot_at(st, h - 1).state) == kSlotFree) h--;
    store(st.w + kHwmWord, h);
  }
}

// Marks slot i notified and, with `wake`, wakes its sync sleeper (caller holds the mutex).
void notify_slot_locked(CondState st, uint32_t i, bool wake) {
  Slot s = slot_at(st, i);
  store(s.state, kSlotNotified);
  fetch_sub(st.w + kWaitingWord, 1);
  if (wake) wake_if_asleep(s, true);
}

// Async waiters sleep on `gen`: bump it and wake them. The slot states were stored before
// `gen sleepers` is read (seq_cst), and a sleeper announces itself before it checks the
// slots, so either it sees its slot notified or we see it and wake it.
void wake_async(CondState st) {
  if (load(st.w + kGenSleepersWord) == 0) return;
  fetch_add(st.w + kGenWord, 1);
  wake_after_unlock(st.w + kGenWord, INT32_MAX);
}

// Notifies up to n waiters, oldest ticket first, skipping dead ones (whose slots it frees).
// wake = false: mark only; the caller wakes them later with cond_wake_notified().
uint32_t notify_locked(CondState st, uint32_t n, bool wake, const WaitCtx& ctx) {
  uint32_t woken = 0;
  uint32_t seq = load(st.w + kSeqWord);
  uint32_t top = hwm(st);
  if (n >= load(st.w + kWaitingWord)) {
    // Everyone: order does not matter. Dead waiters are marked too; their slots are reclaimed
    // when the table is full (cond_enqueue), which costs no liveness check here.
    for (uint32_t i = 0; i < top; i++) {
      if (load(slot_at(st, i).state) != kSlotWaiting) continue;
      notify_slot_locked(st, i, wake);
      woken++;
    }
  } else {
    while (woken < n) {
      // The oldest waiter: the largest distance back from `seq` (tickets wrap around).
      uint32_t best = UINT32_MAX, best_age = 0;
      for (uint32_t i = 0; i < top; i++) {
        Slot s = slot_at(st, i);
        if (load(s.state) != kSlotWaiting) continue;
        uint32_t age = seq - load(s.ticket);
        if (best == UINT32_MAX || age > best_age) { best = i; best_age = age; }
      }
      if (best == UINT32_MAX) break;
      if (!ctx.alive(load(slot_at(st, best).user))) {
        // Killed while waiting: it must not absorb this notification.
        free_slot_locked(st, best);
        continue;
      }
      notify_slot_locked(st, best, wake);
      woken++;
    }
  }
  if (woken && wake) wake_async(st);
  return woken;
}

// Frees the slots of dead waiters (when the table is full). Caller holds the mutex.
void reclaim_dead_locked(CondState st, const WaitCtx& ctx) {
  uint32_t top = hwm(st);
  for (uint32_t i = 0; i < top; i++) {
    Slot s = slot_at(st, i);
    if (load(s.state) != kSlotFree && !ctx.alive(load(s.user))) free_slot_locked(st, i);
  }
}

bool find_free(CondState st, uint32_t* out) {
  for (uint32_t i = 0; i < st.cap; i++) {
    if (load(slot_at(st, i).state) == kSlotFree) { *out = i; return true; }
  }
  return false;
}
}  // namespace

OpResult cond_enqueue(CondState st, const WaitCtx& ctx) {
  StateGuard g(st.w, ctx);
  if (!g.ok()) return {g.code(), 0};
  if (g.owner_died()) repair_locked(st);
  uint32_t i;
  if (!find_free(st, &i)) {
    reclaim_dead_locked(st, ctx);
    if (!find_free(st, &i)) return {kErrOutOfRange, 0};
  }
  Slot s = slot_at(st, i);
  store(s.user, ctx.me());
  store(s.ticket, fetch_add(st.w + kSeqWord, 1));
  // The state last: a slot is WAITING only once its tid and ticket are valid.
  store(s.state, kSlotWaiting);
  fetch_add(st.w + kWaitingWord, 1);
  if (i + 1 > hwm(st)) store(st.w + kHwmWord, i + 1);
  return {kOk, double(i)};
}

OpResult cond_withdraw(CondState st, uint32_t slot, uint32_t ticket, bool forward, const WaitCtx& ctx) {
  StateGuard g(st.w, ctx);
  if (!g.ok()) return {g.code(), 0};
  if (g.owner_died()) repair_locked(st);
  Slot s = slot_at(st, slot);
  // Not ours any more: only a slot judged dead is reclaimed, so this is not a live waiter's.
  if (load(s.ticket) != ticket || load(s.state) == kSlotFree) return {kOk, 0};
  bool notified = load(s.state) == kSlotNotified;
  free_slot_locked(st, slot);
  if (notified && forward) {
    notify_locked(st, 1, true, ctx);
    notified = false;
  }
  return {kOk, notified ? 1.0 : 0.0};
}

OpResult cond_wait(CondState st, uint32_t slot, uint32_t ticket, const WaitCtx& ctx) {
  Slot s = slot_at(st, slot);
  bool spun = false;
  for (;;) {
    if (load(s.state) != kSlotWaiting || load(s.ticket) != ticket) break;
    if (past(ctx.deadline_ns) || ctx.cancelled()) break;
    if (!spun) {
      // A notify is often microseconds away (ping-pong on several CPUs).
      spun = true;
      if (spin_while_equal(s.state, kSlotWaiting)) continue;
    }
    ctx.sleeping_on(s.state);
    if (ctx.cancelled()) break;
    store(s.asleep, 1);
    wait_on_word(s.state, kSlotWaiting, slice_end(ctx.deadline_ns));
    store(s.asleep, 0);
  }
  OpResult r = cond_withdraw(st, slot, ticket, ctx.cancelled(), cleanup_ctx(ctx));
  if (r.code != kOk) return r;
  if (r.value == 1) return {kOk, 1};
  if (ctx.cancelled()) return {kCancelled, 0};
  // Not notified: a timeout, or (only if it was wrongly judged dead) a spurious wake-up.
  return {past(ctx.deadline_ns) ? kTimeout : kOk, 0};
}

OpResult cond_wait_any(CondState st, const std::vector<uint32_t>& pairs, const WaitCtx& ctx) {
  uint32_t* gen = st.w + kGenWord;
  uint32_t* sleepers = st.w + kGenSleepersWord;
  for (;;) {
    fetch_add(sleepers, 1);
    uint32_t g = load(gen);
    bool any = false;
    for (size_t k = 0; k + 1 < pairs.size(); k += 2) {
      Slot s = slot_at(st, pairs[k]);
      if (load(s.state) != kSlotWaiting || load(s.ticket) != pairs[k + 1]) { any = true; break; }
    }
    if (any || ctx.cancelled() || past(ctx.deadline_ns)) {
      fetch_sub(sleepers, 1);
      return {any ? kOk : ctx.cancelled() ? kCancelled : kTimeout, 0};
    }
    ctx.sleeping_on(gen);
    if (!ctx.cancelled()) wait_on_word(gen, g, slice_end(ctx.deadline_ns));
    fetch_sub(sleepers, 1);
  }
}

OpResult cond_notify(CondState st, uint32_t n, bool wake, const WaitCtx& ctx) {
  if (n == 0 || load(st.w + kWaitingWord) == 0) return {kOk, 0};
  StateGuard g(st.w, ctx);
  if (!g.ok()) return {g.code(), 0};
  if (g.owner_died()) repair_locked(st);
  return {kOk, double(notify_locked(st, n, wake, ctx))};
}

void cond_wake_notified(CondState st) {
  // No mutex: a slot freed and reused between the read and the wake only gets a spurious
  // wake-up, and every wait loop re-checks its slot.
  uint32_t top = hwm(st);
  for (uint32_t i = 0; i < top; i++) {
    Slot s = slot_at(st, i);
    if (load(s.state) == kSlotNotified) wake_if_asleep(s, false);
  }
  wake_async(st);
}

}  // namespace procsync
