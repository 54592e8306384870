// Linux word waits: futex without FUTEX_PRIVATE_FLAG, so sleepers and wakers in different
// processes meet on the same physical page. The clocks: platform/posix_clocks.cc.
#include <cerrno>
#include <ctime>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "platform/platform.h"

namespace procsync {

WaitOutcome wait_on_word(uint32_t* word, uint32_t expected, int64_t until_ns) {
  if (until_ns == kOneSlice) {
    // FUTEX_WAIT's timeout is relative: no clock read. A signal (EINTR) ends the slice as if it
    // ran out: restarted, a slice would never run out for a thread that gets signals more often
    // (V8's profiler: SIGPROF every ms), and its caller's checks at the end of a slice (is the
    // owner alive?) would never come. An early check costs only the check.
    timespec rel{kSliceNs / 1000000000LL, kSliceNs % 1000000000LL};
    if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &rel, nullptr, nullptr) == 0) return WaitOutcome::kWoken;
    if (errno == EAGAIN) return WaitOutcome::kValueChanged;
    if (errno == ETIMEDOUT || errno == EINTR) return WaitOutcome::kTimedOut;
    return WaitOutcome::kWoken;
  }
  timespec ts;
  ts.tv_sec = until_ns / 1000000000LL;
  ts.tv_nsec = until_ns % 1000000000LL;
  for (;;) {
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, so an EINTR retry keeps the
    // original deadline instead of restarting a relative timeout.
    long r = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, &ts, nullptr,
                     FUTEX_BITSET_MATCH_ANY);
    if (r == 0) return WaitOutcome::kWoken;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return WaitOutcome::kValueChanged;
    if (errno == ETIMEDOUT) return WaitOutcome::kTimedOut;
    return WaitOutcome::kWoken;  // EFAULT etc.: let the caller re-read the word
  }
}

void wake_word(uint32_t* word, int32_t n) {
  syscall(SYS_futex, word, FUTEX_WAKE, n, nullptr, nullptr, 0);
}

}  // namespace procsync
