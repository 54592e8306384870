#include "futex.h"

#include <cerrno>
#include <climits>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spin.h"

namespace procsync {

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int64_t deadline_after_ms(double ms) {
  if (ms < 0) ms = 0;
  // Cap at ~100 years so the arithmetic cannot overflow.
  if (ms > 3.0e12) ms = 3.0e12;
  return monotonic_ns() + int64_t(ms * 1e6);
}

WaitOutcome futex_wait(uint32_t* word, uint32_t expected, int64_t until_ns) {
  timespec ts;
  ts.tv_sec = until_ns / 1000000000LL;
  ts.tv_nsec = until_ns % 1000000000LL;
  for (;;) {
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, so an EINTR retry keeps the
    // original deadline instead of restarting a relative timeout.
    long r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, &ts, nullptr,
                     FUTEX_BITSET_MATCH_ANY);
    if (r == 0) return WaitOutcome::kWoken;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return WaitOutcome::kValueChanged;
    if (errno == ETIMEDOUT) return WaitOutcome::kTimedOut;
    return WaitOutcome::kWoken;  // EFAULT etc.: let the caller re-read the word
  }
}

void futex_wake(uint32_t* word, int32_t n) {
  syscall(SYS_futex, word, FUTEX_WAKE, n, nullptr, nullptr, 0);
}

// Word waits (Lock, Semaphore, Event, Condition, Barrier, Queue). A probe lasts longer than a
// futex wake-up on a VM: once both sides of a ping-pong have stopped spinning, every hand-off
// costs a wake-up, so only a spin that outlasts one can ever succeed and bring the fast
// hand-off back (spin.h).
static AdaptiveSpin word_spin(10 * 1000, 100 * 1000);

bool spin_while_equal(const uint32_t* word, uint32_t expected) {
  return spin_until<1>(word_spin, [&] { return load(word) != expected; });
}

}  // namespace procsync
