// Threads, CPUs, clocks and child processes on Windows.
#include "platform/platform.h"
#include "platform/windows/win.h"

namespace procsync {

const char* backend_name() { return "windows"; }

uint32_t current_tid() { return uint32_t(GetCurrentThreadId()); }

int cpu_count() {
  static const int n = [] {
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? int(si.dwNumberOfProcessors) : 1;
  }();
  return n;
}

// Not asked here: the CPU count stands in for the affinity (spin.h one_cpu()).
int allowed_cpus() { return cpu_count(); }

int current_cpu() { return int(GetCurrentProcessorNumber()); }

void yield_cpu() { SwitchToThread(); }

int64_t monotonic_ns() {
  static const int64_t freq = [] {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return int64_t(f.QuadPart);
  }();
  LARGE_INTEGER c;
  QueryPerformanceCounter(&c);
  // Split to avoid overflowing int64 at high counter frequencies.
  const int64_t s = c.QuadPart / freq, r = c.QuadPart % freq;
  return s * 1000000000LL + r * 1000000000LL / freq;
}

int64_t realtime_ms() {
  FILETIME ft;
  GetSystemTimeAsFileTime(&ft);
  const int64_t t = (int64_t(ft.dwHighDateTime) << 32) | ft.dwLowDateTime;  // 100 ns since 1601
  return (t - 116444736000000000LL) / 10000;
}

// A process is looked at through a handle of its own: without reaping (Windows has no reaping;
// libuv keeps its own handle of the child), while the event loop is blocked.
int child_status(int pid) {
  HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, DWORD(pid));
  if (!h) return kChildGone;
  int out = kChildRunning;
  if (WaitForSingleObject(h, 0) == WAIT_OBJECT_0) {
    DWORD code = 0;
    // Exit codes are 32-bit; an NTSTATUS crash code (0xC0000005...) does not fit the
    // Python-style convention: reported as -1.
    out = GetExitCodeProcess(h, &code) ? (code < DWORD(kChildRunning) ? int(code) : -1) : kChildGone;
  }
  CloseHandle(h);
  return out;
}

}  // namespace procsync
