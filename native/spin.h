// Bounded, adaptive spinning before a sleep in the kernel.
//
// Spinning pays only when the peer runs on another CPU at the same time: then a hand-off takes
// well under a µs, where a futex sleep + wake-up costs tens of µs on a VM whose idle vCPU halts.
// When the peer is not running (same CPU, descheduled, dead) a spin only burns time. So every
// spinner adapts: a spin that succeeds doubles its budget (up to max), one that fails halves it,
// down to "collapsed" — no spinning at all, except a periodic probe: every 16th wait at first,
// backing off (doubling) to every 1024th while probes keep failing, so on one CPU the average
// cost is well below 0.1 µs per wait. A successful probe restores the full budget.
//
// Per process, per use (word waits, internal mutex): relaxed atomics, because a lost update
// between threads only changes when the next probe happens or how long one spin lasts.
#pragma once
#include <atomic>
#include <cstdint>

namespace procsync {

class AdaptiveSpin {
 public:
  // max_ns: the normal budget ceiling; probe_ns: the budget of a probe when collapsed.
  constexpr AdaptiveSpin(int64_t max_ns, int64_t probe_ns) : max_ns_(max_ns), probe_ns_(probe_ns), budget_ns_(max_ns) {}

  // Budget for this wait in ns, 0 for "don't spin". Never spins on a single-CPU machine.
  int64_t budget();
  // Reports how the spin that used `budget_ns` ended.
  void report(int64_t budget_ns, bool succeeded);

 private:
  const int64_t max_ns_, probe_ns_;
  std::atomic<int64_t> budget_ns_;
  std::atomic<uint32_t> waits_since_probe_{0};
  std::atomic<uint32_t> probe_every_{16};
};

// One pause instruction (x86 `pause`, arm `yield`): lets the sibling hyper-thread run.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

bool multi_cpu();

}  // namespace procsync
