// Word waits of the windows backend. WaitOnAddress wakes only threads of its own process, so
// waits across processes use the posix backend's design with a Windows wake object: a sleeper
// parks in the per-session parking table (a named mapping of slots keyed by the word's
// (segment, offset), posix/words.h) and sleeps on an auto-reset event of its own thread,
// "Local\procsync~w~<token>"; a waker changes the word first, then scans the table for that key
// and sets the event of each sleeper it wakes. The hand-off is Dekker-style (seq_cst
// throughout): the sleeper publishes its slot, then re-reads the word; the waker writes the
// word, then reads the slots.
//
// A sleeper that dies leaves a slot whose event no longer exists (a named object goes with its
// last handle): a waker that cannot open it frees the slot. The table itself goes when the
// last procsync process of the session exits; all-zero is "empty", so it needs no setup.
#include <atomic>
#include <climits>
#include <cstdio>

#include "platform/platform.h"
#include "platform/posix/words.h"
#include "platform/windows/win.h"

namespace procsync {

using posix::WordKey;
using posix::key_of;

namespace {
constexpr uint32_t kSlots = 1024;
// Without a slot (table full or unavailable) a sleeper re-reads the word this often instead.
constexpr DWORD kUnparkedSliceMs = 2;

enum SlotStatus : uint32_t { kFree = 0, kClaiming = 1, kParked = 2, kWoken = 3 };

// state = generation << 2 | status: the generation changes at each claim, so that a waker's
// compare-and-swap can never free or mark a later occupant of the slot.
struct Slot {
  uint64_t segment;
  uint64_t token;  // the sleeper's event: "Local\procsync~w~<16 hex digits>"
  uint32_t offset;
  uint32_t state;
  uint32_t pad[2];
};
static_assert(sizeof(Slot) == 32, "slots are 32 bytes");

uint32_t ld(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
uint64_t ld64(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
bool cas32(uint32_t* p, uint32_t expected, uint32_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
uint32_t next_claim(uint32_t state) { return (((state >> 2) + 1) << 2) | kClaiming; }

Slot* parking_table() {
  // Mapped once per process and never unmapped (waits may run while the process exits).
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

std::wstring event_name(uint64_t token) {
  char buf[32];
  snprintf(buf, sizeof buf, "w~%016llx", static_cast<unsigned long long>(token));
  return win::private_object_name(buf);
}

// The calling thread's wake event, made at its first wait. The token is the process id and a
// per-process thread number: unique among live processes; a token of a dead process that a new
// process with the same pid reuses can only cause a spurious wake-up.
struct Parker {
  HANDLE ev = nullptr;
  uint64_t token = 0;
  ~Parker() {
    if (ev) CloseHandle(ev);
  }
};

Parker* this_thread_parker() {
  static std::atomic<uint32_t> next{1};
  thread_local Parker p;
  thread_local bool failed = false;
  if (p.ev) return &p;
  if (failed) return nullptr;
  for (int i = 0; i < 16 && !p.ev; i++) {
    const uint64_t token = (uint64_t(GetCurrentProcessId()) << 32) | next.fetch_add(1);
    HANDLE ev = CreateEventW(win::user_only(), FALSE, FALSE, event_name(token).c_str());
    if (!ev) break;
    if (GetLastError() == ERROR_ALREADY_EXISTS) { CloseHandle(ev); continue; }
    p.ev = ev;
    p.token = token;
  }
  if (!p.ev) failed = true;
  return p.ev ? &p : nullptr;
}

// Sets the event of `token`: false when it no longer exists (its thread is gone).
bool poke(uint64_t token) {
  HANDLE ev = OpenEventW(EVENT_MODIFY_STATE, FALSE, event_name(token).c_str());
  if (!ev) return GetLastError() != ERROR_FILE_NOT_FOUND;
  SetEvent(ev);
  CloseHandle(ev);
  return true;
}

// Frees the slots of sleepers whose event is gone (their process died while parked).
void reap(Slot* t) {
  for (uint32_t i = 0; i < kSlots; i++) {
    uint32_t st = ld(&t[i].state);
    uint32_t s = st & 3;
    if (s != kParked && s != kWoken) continue;  // kClaiming: its token may not be written yet
    if (!poke(ld64(&t[i].token))) cas32(&t[i].state, st, st & ~3u);
  }
}

Slot* claim(Slot* t, const WordKey& key, uint64_t token) {
  uint32_t start = uint32_t((key.segment ^ (uint64_t(key.offset) * 0x9E3779B97F4A7C15ULL) ^ token) % kSlots);
  for (int round = 0; round < 2; round++) {
    for (uint32_t i = 0; i < kSlots; i++) {
      Slot* s = &t[(start + i) % kSlots];
      uint32_t st = ld(&s->state);
      if ((st & 3) != kFree || !cas32(&s->state, st, next_claim(st))) continue;
      __atomic_store_n(&s->segment, key.segment, __ATOMIC_SEQ_CST);
      __atomic_store_n(&s->offset, key.offset, __ATOMIC_SEQ_CST);
      __atomic_store_n(&s->token, token, __ATOMIC_SEQ_CST);
      __atomic_store_n(&s->state, (ld(&s->state) & ~3u) | kParked, __ATOMIC_SEQ_CST);
      return s;
    }
    if (round == 0) reap(t);
  }
  return nullptr;
}

DWORD ms_until(int64_t until_ns) {
  if (until_ns < 0) return INFINITE;
  int64_t left = (until_ns - monotonic_ns() + 999999) / 1000000;
  if (left <= 0) return 0;
  return left >= int64_t(INFINITE) ? INFINITE - 1 : DWORD(left);
}
}  // namespace

WaitOutcome wait_on_word(uint32_t* word, uint32_t expected, int64_t until_ns) {
  if (ld(word) != expected) return WaitOutcome::kValueChanged;
  WordKey key;
  Slot* table = parking_table();
  Parker* p = this_thread_parker();
  Slot* slot = (table && p && key_of(word, &key)) ? claim(table, key, p->token) : nullptr;
  if (!slot) {
    DWORD ms = ms_until(until_ns);
    Sleep(ms < kUnparkedSliceMs ? ms : kUnparkedSliceMs);
    if (ld(word) != expected) return WaitOutcome::kValueChanged;
    return until_ns >= 0 && monotonic_ns() >= until_ns ? WaitOutcome::kTimedOut : WaitOutcome::kWoken;
  }
  // A set left over from an earlier wait would end this one at once: reset it. A set meant
  // for this wait comes from a waker that changed the word before it scanned, which the
  // re-read below sees.
  WaitForSingleObject(p->ev, 0);
  WaitOutcome out = WaitOutcome::kWoken;
  if (ld(word) != expected) {
    out = WaitOutcome::kValueChanged;
  } else {
    for (;;) {
      if ((ld(&slot->state) & 3) == kWoken) break;
      if (until_ns >= 0 && monotonic_ns() >= until_ns) { out = WaitOutcome::kTimedOut; break; }
      DWORD r = WaitForSingleObject(p->ev, ms_until(until_ns));
      if (r == WAIT_OBJECT_0 || r == WAIT_FAILED) break;  // woken, or let the caller re-read
    }
  }
  // Leave the table. A waker that marked this slot woken counted this thread as woken: report
  // it so (the caller re-reads its word), or that wake-up would be lost to every other sleeper.
  uint32_t st = ld(&slot->state);
  if ((st & 3) == kParked && !cas32(&slot->state, st, st & ~3u)) st = ld(&slot->state);
  if ((st & 3) == kWoken) {
    if (out == WaitOutcome::kTimedOut) out = WaitOutcome::kWoken;
    __atomic_store_n(&slot->state, st & ~3u, __ATOMIC_SEQ_CST);
  }
  return out;
}

void wake_word(uint32_t* word, int32_t n) {
  if (n <= 0) return;
  WordKey key;
  Slot* t = parking_table();
  if (!t || !key_of(word, &key)) return;
  int32_t woken = 0;
  for (uint32_t i = 0; i < kSlots && woken < n; i++) {
    Slot* s = &t[i];
    uint32_t st = ld(&s->state);
    if ((st & 3) != kParked) continue;
    if (ld64(&s->segment) != key.segment || ld(&s->offset) != key.offset) continue;
    uint64_t token = ld64(&s->token);
    // Marked first, like a futex wake takes the sleeper off its queue: a sleeper already woken
    // does not count again, so wake(1) reaches a sleeper that still sleeps.
    if (!cas32(&s->state, st, (st & ~3u) | kWoken)) continue;
    if (poke(token)) {
      woken++;
    } else {
      cas32(&s->state, (st & ~3u) | kWoken, st & ~3u);  // its thread is gone: free the slot
    }
  }
}

}  // namespace procsync
