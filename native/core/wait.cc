#include "core/wait.h"

#include "core/spin.h"

namespace procsync {

int64_t deadline_after_ms(double ms) {
  if (ms < 0) ms = 0;
  // Cap at ~100 years so the arithmetic cannot overflow.
  if (ms > 3.0e12) ms = 3.0e12;
  return monotonic_ns() + int64_t(ms * 1e6);
}

// Word waits (Lock, Semaphore, Event, Condition, Barrier, Queue). A probe lasts longer than a
// futex wake-up on a VM: once both sides of a ping-pong have stopped spinning, every hand-off
// costs a wake-up, so only a spin that outlasts one can ever succeed and bring the fast
// hand-off back (spin.h).
static AdaptiveSpin word_spin_(10 * 1000, 100 * 1000);

AdaptiveSpin& word_spin() { return word_spin_; }

bool spin_while_equal(const uint32_t* word, uint32_t expected, AdaptiveSpin& spin) {
  return spin_until<1>(spin, [&] { return load(word) != expected; });
}

bool spin_while_equal(const uint32_t* word, uint32_t expected) {
  return spin_while_equal(word, expected, word_spin_);
}

bool yield_while_equal(const uint32_t* word, uint32_t expected) {
  return yield_once([&] { return load(word) != expected; });
}

}  // namespace procsync
