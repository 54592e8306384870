// The exit status of a zombie child from /proc/<pid>/stat (Linux), without reaping it. Used by
// child_status() (platform/posix_child.cc) when built for Linux, by either POSIX backend.
//
// The leader thread of an exited child is a zombie ('Z') with its wait status in
// /proc/<pid>/stat (field 52, `exit_code`, readable by the parent since Linux 3.5) as soon as it
// exits, while waitid() reports the child only once its whole thread group is gone — which a
// lingering thread (an io_uring worker of Node's libuv, say) can delay for seconds (seen: a
// joinSync that saw nothing for 20 s).
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/platform.h"

namespace procsync {

// kChildRunning, kChildGone, an exit code; or false (with errno) when /proc could not tell.
inline bool zombie_status(int pid, int* out) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return false;
    *out = kChildGone;  // reaped already (the ChildProcess has the status)
    return true;
  }
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) { *out = kChildGone; return true; }  // reaped while we read it
  buf[n] = 0;
  // "pid (comm) S ..." — comm may contain spaces and parentheses: fields follow the last ')'.
  const char* p = strrchr(buf, ')');
  if (!p || p[1] != ' ') { *out = kChildRunning; return true; }
  p += 2;
  if (*p != 'Z' && *p != 'X') { *out = kChildRunning; return true; }
  // Field 3 is the state; field 52 the exit code.
  for (int field = 3; field < 52 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (!p) { *out = kChildGone; return true; }
  long raw = strtol(p, nullptr, 10);
  int sig = int(raw & 0x7f);
  *out = sig == 0 ? int((raw >> 8) & 0xff) : -sig;
  return true;
}

}  // namespace procsync
