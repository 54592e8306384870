// Threads, CPUs and child processes on Linux.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>

#include "platform/platform.h"

namespace procsync {

const char* backend_name() { return "linux"; }

uint32_t current_tid() { return uint32_t(syscall(SYS_gettid)); }

int cpu_count() {
  static const int n = int(sysconf(_SC_NPROCESSORS_ONLN));
  return n;
}

// The leader thread of an exited child is a zombie ('Z') with its wait status in
// /proc/<pid>/stat (field 52, `exit_code`, readable by the parent since Linux 3.5) as soon as it
// exits, while waitid() reports the child only once its whole thread group is gone — which a
// lingering thread (an io_uring worker of Node's libuv, say) can delay for seconds (seen: a
// joinSync that saw nothing for 20 s). So Linux reads /proc; waitid(WNOWAIT) is the fallback.
int child_status(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return kChildGone;  // reaped while we read it
    buf[n] = 0;
    // "pid (comm) S ..." — comm may contain spaces and parentheses: fields follow the last ')'.
    const char* p = strrchr(buf, ')');
    if (!p || p[1] != ' ') return kChildRunning;
    p += 2;
    const char state = *p;
    if (state != 'Z' && state != 'X') return kChildRunning;
    // Field 3 is the state; field 52 the exit code: skip 49 more separators.
    for (int field = 3; field < 52 && p; field++) {
      p = strchr(p, ' ');
      if (p) p++;
    }
    if (!p) return kChildGone;
    long raw = strtol(p, nullptr, 10);
    int sig = int(raw & 0x7f);
    return sig == 0 ? int((raw >> 8) & 0xff) : -sig;
  }
  if (errno == ENOENT) return kChildGone;  // reaped already (the ChildProcess has the status)
  siginfo_t si = {};
  int r;
  while ((r = waitid(P_PID, id_t(pid), &si, WEXITED | WNOHANG | WNOWAIT)) != 0 && errno == EINTR) {}
  if (r != 0) return kChildGone;
  if (si.si_pid == 0) return kChildRunning;
  if (si.si_code == CLD_EXITED) return si.si_status;
  return -si.si_status;
}

}  // namespace procsync
