#include "futex.h"

#include <cerrno>
#include <climits>
#include <algorithm>
#include <atomic>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

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

constexpr int64_t kSpinNs = 10 * 1000;  // 10 µs

static int cpu_count() {
  static const int n = int(sysconf(_SC_NPROCESSORS_ONLN));
  return n;
}

static bool spin_for(const uint32_t* word, uint32_t expected, int64_t budget_ns);

// Adaptive spin budget, per process: spinning pays only when the peer runs on another CPU at
// the same time. A spin that fails halves the budget (down to "don't spin" for a while); one
// that succeeds doubles it. So two processes pinned to one CPU soon stop spinning, and
// processes on separate CPUs keep the fast hand-off.
static std::atomic<int64_t> spin_budget_ns{kSpinNs};
static std::atomic<int32_t> spin_skips{0};
constexpr int64_t kMinSpinNs = 500;
constexpr int32_t kSkipAfterFailures = 64;

bool spin_while_equal(const uint32_t* word, uint32_t expected) {
  if (cpu_count() < 2) return false;
  int64_t budget = spin_budget_ns.load(std::memory_order_relaxed);
  if (budget < kMinSpinNs) {
    // Not spinning for a while; every kSkipAfterFailures waits, probe with a small budget.
    if (spin_skips.fetch_add(1, std::memory_order_relaxed) % kSkipAfterFailures != 0) return false;
    budget = kMinSpinNs;
  }
  if (spin_for(word, expected, budget)) {
    spin_budget_ns.store(std::min<int64_t>(kSpinNs, budget * 2), std::memory_order_relaxed);
    return true;
  }
  spin_budget_ns.store(budget / 2, std::memory_order_relaxed);
  return false;
}

static bool spin_for(const uint32_t* word, uint32_t expected, int64_t budget_ns) {
  // Bounded by time, not iterations (the cost of `pause` varies ~10x between CPUs): long
  // enough to catch a peer running on another CPU that is about to hand over (a futex
  // sleep + wake costs tens of µs on a VM), short enough not to burn a core when the peer
  // is descheduled.
  const int64_t end = monotonic_ns() + budget_ns;
  for (int i = 1;; i++) {
    if (load(word) != expected) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
    if ((i & 31) == 0 && monotonic_ns() >= end) return false;
  }
}

}  // namespace procsync
