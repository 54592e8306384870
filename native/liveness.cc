#include "liveness.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace procsync {

uint32_t current_tid() { return uint32_t(syscall(SYS_gettid)); }

bool thread_alive(uint32_t tid) {
  if (tid == 0) return false;
  char path[64];
  snprintf(path, sizeof path, "/proc/%u/stat", tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno != ENOENT && errno != ESRCH;  // unknown errors: assume alive
  char buf[512];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;  // the task went away while we read it
  buf[n] = 0;
  // Format: "tid (comm) S ..." — comm may contain spaces and parens, so find the last ')'.
  const char* p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return true;
  char state = p[2];
  return state != 'Z' && state != 'X' && state != 'x';
}

}  // namespace procsync
