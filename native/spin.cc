#include "spin.h"

#include <unistd.h>

#include <algorithm>

namespace procsync {

namespace {
constexpr int64_t kMinSpinNs = 250;
constexpr uint32_t kMinProbeEvery = 16, kMaxProbeEvery = 1024;
}  // namespace

bool multi_cpu() {
  static const bool multi = sysconf(_SC_NPROCESSORS_ONLN) > 1;
  return multi;
}

int64_t AdaptiveSpin::budget() {
  if (!multi_cpu()) return 0;
  int64_t b = budget_ns_.load(std::memory_order_relaxed);
  if (b >= kMinSpinNs) return b;
  uint32_t every = probe_every_.load(std::memory_order_relaxed);
  if (waits_since_probe_.fetch_add(1, std::memory_order_relaxed) + 1 < every) return 0;
  waits_since_probe_.store(0, std::memory_order_relaxed);
  return probe_ns_;
}

void AdaptiveSpin::report(int64_t budget_ns, bool succeeded) {
  bool probe = budget_ns == probe_ns_ && budget_ns_.load(std::memory_order_relaxed) < kMinSpinNs;
  if (succeeded) {
    budget_ns_.store(probe ? max_ns_ : std::min(max_ns_, budget_ns * 2), std::memory_order_relaxed);
    if (probe) probe_every_.store(kMinProbeEvery, std::memory_order_relaxed);
  } else if (probe) {
    uint32_t every = probe_every_.load(std::memory_order_relaxed);
    probe_every_.store(std::min(kMaxProbeEvery, every * 2), std::memory_order_relaxed);
  } else {
    budget_ns_.store(budget_ns / 2, std::memory_order_relaxed);
  }
}

}  // namespace procsync
