// Threads, CPUs and child processes (POSIX calls only). The clocks: platform/posix_clocks.cc.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <pthread.h>
#endif
#include <sched.h>

#include <atomic>
#include <cerrno>

#include "platform/platform.h"
#ifdef __linux__
#include "platform/linux/zombie.h"
#endif

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

int child_status(int pid) {
#ifdef __linux__
  // The Linux build: waitid is late there (platform/linux/zombie.h); macOS and the BSDs have no
  // /proc and no such delay.
  int s;
  if (zombie_status(pid, &s)) return s;
#endif
  siginfo_t si = {};
  // WNOWAIT: look without reaping, so that Node's own SIGCHLD handling still finds the child.
  int r;
  while ((r = waitid(P_PID, id_t(pid), &si, WEXITED | WNOHANG | WNOWAIT)) != 0 && errno == EINTR) {}
  if (r != 0) return kChildGone;
  if (si.si_pid == 0) return kChildRunning;
  if (si.si_code == CLD_EXITED) return si.si_status;
  return -si.si_status;
}

}  // namespace procsync
