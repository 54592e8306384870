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

#include "core/wait.h"

namespace procsync {

// True when this process may run on one CPU only: a one-CPU machine, or an affinity (taskset,
// a cpuset) of one CPU. Cheap: the affinity is cached and asked again now and then.
bool one_cpu();

// Where the process that releases a word runs, as far as its waiter can tell: a state word that
// the releaser's wake call sets to its CPU + 1 (0: not known yet). A process pinned to one CPU
// whose releaser runs on that same CPU gains nothing from spinning (the releaser waits for this
// very CPU); one whose releaser runs on another CPU spins as an unpinned one does — a hand-off
// then takes well under a µs — and keeps a waiter thread for its async waits (napi/run.cc).
void note_waker_cpu(uint32_t* waker_cpu);
bool waker_on_another_cpu(const uint32_t* waker_cpu);
// Whether a wait should spin before it sleeps: not when this process and its releaser share its
// only CPU. (AdaptiveSpin then decides how long.)
inline bool spin_may_pay(const uint32_t* waker_cpu) { return !one_cpu() || waker_on_another_cpu(waker_cpu); }

// One spin's allowance: ns == 0 means "don't spin".
struct SpinBudget {
  int64_t ns = 0;
  bool probe = false;  // a periodic probe of a collapsed budget
};

class AdaptiveSpin {
 public:
  // max_ns: the normal budget ceiling; probe_ns: the budget of a probe when collapsed.
  constexpr AdaptiveSpin(int64_t max_ns, int64_t probe_ns)
      : max_ns_(max_ns), probe_ns_(probe_ns), budget_ns_(max_ns) {}

  // The allowance for this wait. Never spins on a single-CPU machine.
  SpinBudget budget();
  // Reports how the spin that used `b` ended.
  void report(const SpinBudget& b, bool succeeded);

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

// The last thing a wait does before it sleeps in the kernel, in a process that runs on one CPU
// (one_cpu()): give that CPU away once, then report whether done() became true meanwhile. When
// the releaser shares the CPU and is ready to run — the one-CPU ping-pong — it runs now, and the
// hand-off costs one system call and one context switch, where a sleep costs the wait's system
// call, the releaser's wake-up call and the same switch (and the releaser sees no sleeper, so it
// makes no wake-up call). When nothing else is ready, the call returns at once: one cheap system
// call before the sleep. Never loops: a wait that finds nothing done after it sleeps.
// docs/design.md, "One CPU: yield once before sleeping".
//
// Not on procsync's waiter threads (async_host.cc calls no_yields_on_this_thread()): one shares its
// process's CPU with that process's JS thread, the thread a yield would hand the CPU to, which
// is not the releaser. Measured: the async hand-off between two processes pinned to one CPU each
// took 70-76 µs with yields there against 29-32 without (1.9 yields and 6.6 more futex calls per
// round trip).
void no_yields_on_this_thread();
bool yields_here();
template <class Done>
bool yield_once(Done done) {
  if (!one_cpu() || !yields_here()) return false;
  yield_cpu();
  return done();
}

// Spins until done() is true or the allowance from `s` runs out; reports the outcome to `s`.
// done() is tried every kRelax pauses: 1 for a plain load, more for a check that writes the
// cache line (a trylock), so the spinner does not steal the line from the holder. Bounded by
// time, not iterations: the cost of `pause` varies ~10x between CPUs. A spin that was not
// allowed or did not succeed ends with yield_once().
template <int kRelax, class Done>
bool spin_until(AdaptiveSpin& s, Done done) {
  static_assert(kRelax >= 1 && 32 % kRelax == 0, "the clock is read every 32 pauses");
  const SpinBudget b = s.budget();
  if (b.ns == 0) return yield_once(done);
  const int64_t end = monotonic_ns() + b.ns;
  for (int i = 1;; i++) {
    if (done()) {
      s.report(b, true);
      return true;
    }
    for (int k = 0; k < kRelax; k++) cpu_relax();
    if (i % (32 / kRelax) == 0 && monotonic_ns() >= end) {
      s.report(b, false);
      return yield_once(done);
    }
  }
}

}  // namespace procsync
