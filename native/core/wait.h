// Deadlines, sleep slices and the spin before a sleep: what every wait loop shares, over the
// platform's word waits (platform/platform.h).
#pragma once
#include <cstdint>
#include "core/common.h"
#include "platform/platform.h"

namespace procsync {

// Absolute deadline for a timeout in ms: <0 from JS means "no deadline" is decided by the
// caller; this converts a finite, non-negative timeout.
int64_t deadline_after_ms(double ms);


// Spins briefly while *word == expected, for the hand-off latency of ping-pong patterns.
// Returns true when the word changed. Never spins on a single-CPU machine; in a process that
// runs on one CPU, ends with one yield of that CPU (spin.h yield_once).
bool spin_while_equal(const uint32_t* word, uint32_t expected);
// Only that yield (a wait that knows spinning cannot pay: its releaser shares its one CPU).
bool yield_while_equal(const uint32_t* word, uint32_t expected);
class AdaptiveSpin;
// The same with another spin budget (spin.h); word_spin() is the word waits' own.
bool spin_while_equal(const uint32_t* word, uint32_t expected, AdaptiveSpin& spin);
AdaptiveSpin& word_spin();

// One sleep on *word while it equals `expected`, counted in *sleepers for its duration, so
// that a waker may skip its wake call while the count is 0: the waker changes the word and
// then reads the count, the sleeper counts itself and then lets the futex re-check the word —
// seq_cst both sides, so one of the two always sees the other. Registers the word for
// cancellation (WaitCtx::sleeping_on) and does not sleep when the wait is cancelled.
// `armed`, if given, is set to 1 after the count and before the futex compares the word (the
// Queue's put_armed: a second announcement that its wakers read).
inline WaitOutcome counted_sleep(uint32_t* word, uint32_t expected, uint32_t* sleepers, int64_t until,
                                 const WaitCtx& ctx, uint32_t* armed = nullptr) {
  fetch_add(sleepers, 1);
  if (armed) store(armed, 1);
  ctx.sleeping_on(word);
  WaitOutcome r = ctx.cancelled() ? WaitOutcome::kValueChanged : wait_on_word(word, expected, until);
  fetch_sub(sleepers, 1);
  return r;
}

// The end of the next sleep slice for a wait with the given deadline (-1 = none): kOneSlice
// when there is none, so that wait reads no clock.
inline int64_t slice_end(int64_t deadline_ns) {
  if (deadline_ns < 0) return kOneSlice;
  int64_t s = monotonic_ns() + kSliceNs;
  return deadline_ns < s ? deadline_ns : s;
}
// Deadline 0 means "already passed" (a zero timeout): no clock read.
inline bool past(int64_t deadline_ns) {
  return deadline_ns == 0 || (deadline_ns > 0 && monotonic_ns() >= deadline_ns);
}

}  // namespace procsync
