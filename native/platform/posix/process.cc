// Threads and CPUs (POSIX calls only). The clocks: platform/posix_clocks.cc; child processes:
// platform/posix_child.cc.
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <pthread.h>
#endif
#include <sched.h>

#include <atomic>

#include "platform/platform.h"

namespace procsync {

const char* backend_name() { return "posix"; }

uint32_t current_tid() {
#ifdef __APPLE__
  uint64_t tid = 0;
  pthread_threadid_np(nullptr, &tid);
  return uint32_t(tid);
#else
  // No portable kernel thread id: a per-process number per thread (diagnostics and anonymous
  // names only, which also carry the pid).
  static std::atomic<uint32_t> next{1};
  thread_local uint32_t mine = next.fetch_add(1);
  return mine;
#endif
}

int cpu_count() {
  static const int n = int(sysconf(_SC_NPROCESSORS_ONLN));
  return n;
}

// Not asked here: the CPU count stands in for the affinity (spin.h one_cpu()).
int allowed_cpus() { return cpu_count(); }

int current_cpu() { return -1; }

void yield_cpu() { sched_yield(); }

}  // namespace procsync
