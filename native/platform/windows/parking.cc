// The windows backend's half of the parking table (platform/parking_table.h): where the table
// lives and the wake channel. WaitOnAddress wakes only threads of its own process, so waits
// across processes park in the table like the posix backend's, and a thread sleeps on an
// auto-reset event of its own, "Local\procsync~w~<token>", instead of a FIFO.
//
// A sleeper that dies leaves a slot whose event no longer exists (a named object goes with its
// last handle): a waker that cannot open it frees the slot. The table is a per-session named
// mapping; it goes when the last procsync process of the session exits.
#include <atomic>
#include <cstdio>

#include "platform/parking_table.h"
#include "platform/platform.h"
#include "platform/windows/win.h"

namespace procsync {
namespace parking {

namespace {
std::wstring event_name(uint64_t token) {
  char buf[32];
  snprintf(buf, sizeof buf, "w~%016llx", static_cast<unsigned long long>(token));
  return win::private_object_name(buf);
}

DWORD ms_until(int64_t until_ns) {
  if (until_ns < 0) return INFINITE;
  int64_t left = (until_ns - monotonic_ns() + 999999) / 1000000;
  if (left <= 0) return 0;
  return left >= int64_t(INFINITE) ? INFINITE - 1 : DWORD(left);
}
}  // namespace

// The token is the process id and a per-process thread number: unique among live processes; a
// token of a dead process that a new process with the same pid reuses can only cause a
// spurious wake-up.
struct Channel {
  HANDLE ev = nullptr;
  uint64_t token = 0;
  ~Channel() {
    if (ev) CloseHandle(ev);
  }
};

Slot* table() {
  static Slot* t = [] () -> Slot* {
    const DWORD size = DWORD(sizeof(Slot) * kSlots);
    HANDLE h = CreateFileMappingW(INVALID_HANDLE_VALUE, win::user_only(), PAGE_READWRITE, 0, size,
                                  win::private_object_name("park").c_str());
    if (!h) return nullptr;
    // Another user's object of that name could misdirect or swallow wake-ups: not used.
    if (!win::owned_by_us(h)) { CloseHandle(h); return nullptr; }
    void* p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, size);
    if (!p) { CloseHandle(h); return nullptr; }
    return static_cast<Slot*>(p);  // the handle stays open: the table lives while we do
  }();
  return t;
}

Channel* this_thread_channel() {
  static std::atomic<uint32_t> next{1};
  thread_local Channel c;
  thread_local bool failed = false;
  if (c.ev) return &c;
  if (failed) return nullptr;
  for (int i = 0; i < 16 && !c.ev; i++) {
    const uint64_t token = (uint64_t(GetCurrentProcessId()) << 32) | next.fetch_add(1);
    HANDLE ev = CreateEventW(win::user_only(), FALSE, FALSE, event_name(token).c_str());
    if (!ev) break;
    if (GetLastError() == ERROR_ALREADY_EXISTS) { CloseHandle(ev); continue; }
    c.ev = ev;
    c.token = token;
  }
  if (!c.ev) failed = true;
  return c.ev ? &c : nullptr;
}

uint64_t token_of(const Channel& c) { return c.token; }

void clear(Channel& c) { WaitForSingleObject(c.ev, 0); }  // resets the auto-reset event

Rest rest(Channel& c, int64_t until_ns) {
  DWORD r = WaitForSingleObject(c.ev, ms_until(until_ns));
  if (r == WAIT_OBJECT_0) return Rest::kSignalled;
  if (r == WAIT_FAILED) return Rest::kFailed;
  return Rest::kAgain;
}

bool poke(uint64_t token) {
  HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, event_name(token).c_str());
  if (!ev) return GetLastError() != ERROR_FILE_NOT_FOUND;
  SetEvent(ev);
  CloseHandle(ev);
  return true;
}

// Sleep() counts whole milliseconds: rounded up, so a deadline is not overslept by much nor
// turned into a busy loop.
void nap(int64_t ns) { Sleep(DWORD((ns + 999999) / 1000000)); }

}  // namespace parking
}  // namespace procsync
