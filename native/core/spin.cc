#include "core/spin.h"

#include "platform/platform.h"

#include <algorithm>

namespace procsync {

namespace {
constexpr int64_t kMinSpinNs = 250;
constexpr uint32_t kMinProbeEvery = 16, kMaxProbeEvery = 1024;
// The affinity is asked again every kAffinityEvery calls of one_cpu(): `taskset -p` and cpuset
// changes apply to a running process, and asking costs a syscall.
constexpr uint32_t kAffinityEvery = 1024;

bool multi_cpu() { return cpu_count() > 1; }

thread_local bool t_no_yields = false;
}  // namespace

void no_yields_on_this_thread() { t_no_yields = true; }
bool yields_here() { return !t_no_yields; }

bool one_cpu() {
  static std::atomic<uint32_t> calls{0};
  static std::atomic<bool> one{false};
  if (calls.fetch_add(1, std::memory_order_relaxed) % kAffinityEvery == 0)
    one.store(allowed_cpus() <= 1, std::memory_order_relaxed);
  return one.load(std::memory_order_relaxed);
}

void note_waker_cpu(uint32_t* waker_cpu) {
  int cpu = current_cpu();
  // Written only when it changes: the word shares its cache line with the semaphore's value.
  if (cpu >= 0 && load(waker_cpu) != uint32_t(cpu) + 1) store(waker_cpu, uint32_t(cpu) + 1);
}

bool waker_on_another_cpu(const uint32_t* waker_cpu) {
  uint32_t w = load(waker_cpu);
  return w != 0 && w != uint32_t(current_cpu() + 1);
}

SpinBudget AdaptiveSpin::budget() {
  if (!multi_cpu()) return {};
  int64_t b = budget_ns_.load(std::memory_order_relaxed);
  if (b >= kMinSpinNs) return {b, false};
  uint32_t every = probe_every_.load(std::memory_order_relaxed);
  if (waits_since_probe_.fetch_add(1, std::memory_order_relaxed) + 1 < every) return {};
  waits_since_probe_.store(0, std::memory_order_relaxed);
  return {probe_ns_, true};
}

void AdaptiveSpin::report(const SpinBudget& b, bool succeeded) {
  if (b.probe) {
    if (succeeded) {
      budget_ns_.store(max_ns_, std::memory_order_relaxed);
      probe_every_.store(kMinProbeEvery, std::memory_order_relaxed);
    } else {
      uint32_t every = probe_every_.load(std::memory_order_relaxed);
      probe_every_.store(std::min(kMaxProbeEvery, every * 2), std::memory_order_relaxed);
    }
  } else {
    budget_ns_.store(succeeded ? std::min(max_ns_, b.ns * 2) : b.ns / 2, std::memory_order_relaxed);
  }
}

}  // namespace procsync
