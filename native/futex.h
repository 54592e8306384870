// Waiting on a 32-bit word of shared memory. Linux: futex without FUTEX_PRIVATE_FLAG, so
// sleepers and wakers in different processes meet on the same physical page.
#pragma once
#include <cstdint>
#include "common.h"

namespace procsync {

int64_t monotonic_ns();
// Absolute deadline for a timeout in ms: <0 from JS means "no deadline" is decided by the
// caller; this converts a finite, non-negative timeout.
int64_t deadline_after_ms(double ms);

enum class WaitOutcome { kWoken, kTimedOut, kValueChanged };

// Sleeps while *word == expected, until woken or until min(deadline, now + slice).
// Retries EINTR with the same absolute deadline. Returns kTimedOut only when `until_ns`
// has passed (callers pass the slice end; they check their own deadline).
WaitOutcome futex_wait(uint32_t* word, uint32_t expected, int64_t until_ns);
// Wakes up to n sleepers of the word (n = INT32_MAX for all).
void futex_wake(uint32_t* word, int32_t n);

// Spins briefly while *word == expected, for the hand-off latency of ping-pong patterns.
// Returns true when the word changed. Never spins on a single-CPU machine.
bool spin_while_equal(const uint32_t* word, uint32_t expected);

// The end of the next sleep slice for a wait with the given deadline (-1 = none).
inline int64_t slice_end(int64_t deadline_ns) {
  int64_t s = monotonic_ns() + kSliceNs;
  return (deadline_ns >= 0 && deadline_ns < s) ? deadline_ns : s;
}
// Deadline 0 means "already passed" (a zero timeout): no clock read.
inline bool past(int64_t deadline_ns) {
  return deadline_ns == 0 || (deadline_ns > 0 && monotonic_ns() >= deadline_ns);
}

}  // namespace procsync
