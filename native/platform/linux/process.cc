// Threads, CPUs and child processes on Linux (POSIX calls only, shareable with other backends).
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "platform/platform.h"

namespace procsync {

const char* backend_name() { return "linux"; }

uint32_t current_tid() { return uint32_t(syscall(SYS_gettid)); }

int cpu_count() {
  static const int n = int(sysconf(_SC_NPROCESSORS_ONLN));
  return n;
}

int child_status(int pid) {
  siginfo_t si = {};
  // WNOWAIT: look without reaping, so that Node's own SIGCHLD handling still finds the child
  // and its ChildProcess gets the exit event as usual.
  int r;
  while ((r = waitid(P_PID, id_t(pid), &si, WEXITED | WNOHANG | WNOWAIT)) != 0 && errno == EINTR) {}
  if (r != 0) return kChildGone;  // ECHILD: reaped already, or not our child
  if (si.si_pid == 0) return kChildRunning;
  if (si.si_code == CLD_EXITED) return si.si_status;
  return -si.si_status;  // killed (or dumped) by signal si_status
}

}  // namespace procsync
