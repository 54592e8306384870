// Word waits of the posix backend: a sleeper parks in the per-user parking table
// (parking.h) under its word's key (segment, offset) and sleeps in poll() on its own FIFO; a
// waker changes the word first, then scans the table for that key and writes a byte to each
// sleeper's FIFO it wakes. The hand-off is Dekker-style: the sleeper publishes its slot, then
// re-reads the word; the waker writes the word, then reads the slots (all seq_cst), so either
// the sleeper sees the new value or the waker sees the slot.
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "platform/platform.h"
#include "platform/posix/parking.h"
#include "platform/posix/words.h"

namespace procsync {

using namespace posix;

namespace {
// Without a slot (table full, or no table or FIFO at all) a sleeper re-reads the word this
// often instead: correct, only slower and busier.
constexpr int64_t kUnparkedSliceNs = 2LL * 1000 * 1000;

uint32_t ld(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
uint64_t ld64(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
bool cas32(uint32_t* p, uint32_t expected, uint32_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
uint32_t next_claim(uint32_t state) { return (((state >> 2) + 1) << 2) | kClaiming; }

void drain(int fd) {
  char buf[64];
  while (read(fd, buf, sizeof buf) > 0) {}
}

// Frees the slots of sleepers whose FIFO nobody reads any more (SIGKILLed while parked).
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

void sleep_until(int64_t until_ns) {
  int64_t now = monotonic_ns();
  int64_t d = until_ns - now;
  if (d <= 0) return;
  if (d > kUnparkedSliceNs) d = kUnparkedSliceNs;
  timespec ts{time_t(d / 1000000000LL), long(d % 1000000000LL)};
  nanosleep(&ts, nullptr);
}
}  // namespace

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

int64_t realtime_ms() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

WaitOutcome wait_on_word(uint32_t* word, uint32_t expected, int64_t until_ns) {
  if (ld(word) != expected) return WaitOutcome::kValueChanged;
  WordKey key;
  Slot* table = parking_table();
  Parker* p = this_thread_parker();
  Slot* slot = (table && p && key_of(word, &key)) ? claim(table, key, p->token) : nullptr;
  if (!slot) {
    sleep_until(until_ns);
    if (ld(word) != expected) return WaitOutcome::kValueChanged;
    return until_ns >= 0 && monotonic_ns() >= until_ns ? WaitOutcome::kTimedOut : WaitOutcome::kWoken;
  }
  // Pokes left over from earlier waits would end this one at once; a poke meant for this one
  // comes from a waker that changed the word before it scanned, which the re-read below sees.
  drain(p->rd);
  WaitOutcome out = WaitOutcome::kWoken;
  if (ld(word) != expected) {
    out = WaitOutcome::kValueChanged;
  } else {
    for (;;) {
      if ((ld(&slot->state) & 3) == kWoken) break;
      int64_t now = monotonic_ns();
      if (until_ns >= 0 && now >= until_ns) { out = WaitOutcome::kTimedOut; break; }
      int ms = -1;
      if (until_ns >= 0) {
        int64_t left = (until_ns - now + 999999) / 1000000;
        ms = left > INT_MAX ? INT_MAX : int(left);
      }
      pollfd pfd{p->rd, POLLIN, 0};
      int r = poll(&pfd, 1, ms);
      if (r > 0) { drain(p->rd); break; }
      if (r < 0 && errno != EINTR) break;  // let the caller re-read the word
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
