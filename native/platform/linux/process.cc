// Threads, CPUs and child processes on Linux.
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "platform/linux/zombie.h"
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

int child_status(int pid) {
  int s;
  if (zombie_status(pid, &s)) return s;
  // /proc could not tell: look with waitid (WNOWAIT: without reaping).
  siginfo_t si = {};
  int r;
  while ((r = waitid(P_PID, id_t(pid), &si, WEXITED | WNOHANG | WNOWAIT)) != 0 && errno == EINTR) {}
  if (r != 0) return kChildGone;
  if (si.si_pid == 0) return kChildRunning;
  if (si.si_code == CLD_EXITED) return si.si_status;
  return -si.si_status;
}

}  // namespace procsync
