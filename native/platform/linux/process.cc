// Threads and CPUs on Linux. Child processes: platform/posix_child.cc.
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/platform.h"

namespace procsync {

const char* backend_name() { return "linux"; }

uint32_t current_tid() { return uint32_t(syscall(SYS_gettid)); }

int cpu_count() {
  static const int n = int(sysconf(_SC_NPROCESSORS_ONLN));
  return n;
}

int allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpu_count();
  return CPU_COUNT(&set);
}

int current_cpu() { return sched_getcpu(); }  // glibc reads it from rseq: no syscall

void yield_cpu() { sched_yield(); }

}  // namespace procsync
