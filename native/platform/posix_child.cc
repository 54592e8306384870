// child_status() of the POSIX backends (linux and posix): waitid with WNOWAIT, after the /proc
// zombie check where the build is for Linux (platform/linux/zombie.h: waitid reports a child
// only once its whole thread group is gone; macOS and the BSDs have no /proc and no such delay).
#include <sys/wait.h>

#include <cerrno>

#include "platform/platform.h"
#ifdef __linux__
#include "platform/linux/zombie.h"
#endif

namespace procsync {

int child_status(int pid) {
#ifdef __linux__
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
