// wait_on_word / wake_word over the parking table (parking_table.h), for the backends without
// a cross-process futex (posix, windows); the backend provides the table and the wake channel.
#include "platform/parking_table.h"

#include "platform/platform.h"
#include "platform/posix/words.h"

namespace procsync {

using namespace parking;
using posix::WordKey;
using posix::key_of;

namespace {
uint32_t ld(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
uint64_t ld64(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
bool cas32(uint32_t* p, uint32_t expected, uint32_t desired) {
  return __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
uint32_t next_claim(uint32_t state) { return (((state >> 2) + 1) << 2) | kClaiming; }

// Frees the slots of sleepers whose channel is gone (their thread or process died parked).
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

// One slice of an unparked wait: at most kUnparkedSliceNs, and not past the deadline.
void nap_until(int64_t until_ns) {
  int64_t d = kUnparkedSliceNs;
  if (until_ns >= 0) {
    const int64_t left = until_ns - monotonic_ns();
    if (left <= 0) return;
    if (left < d) d = left;
  }
  nap(d);
}
}  // namespace

WaitOutcome wait_on_word(uint32_t* word, uint32_t expected, int64_t until_ns) {
  if (ld(word) != expected) return WaitOutcome::kValueChanged;
  if (until_ns == kOneSlice) until_ns = monotonic_ns() + kSliceNs;
  WordKey key;
  Slot* t = table();
  Channel* ch = this_thread_channel();
  Slot* slot = (t && ch && key_of(word, &key)) ? claim(t, key, token_of(*ch)) : nullptr;
  if (!slot) {
    nap_until(until_ns);
    if (ld(word) != expected) return WaitOutcome::kValueChanged;
    return until_ns >= 0 && monotonic_ns() >= until_ns ? WaitOutcome::kTimedOut : WaitOutcome::kWoken;
  }
  // Signals left over from earlier waits would end this one at once; a signal meant for this
  // one comes from a waker that changed the word before it scanned, which the re-read below sees.
  clear(*ch);
  WaitOutcome out = WaitOutcome::kWoken;
  if (ld(word) != expected) {
    out = WaitOutcome::kValueChanged;
  } else {
    for (;;) {
      if ((ld(&slot->state) & 3) == kWoken) break;
      if (until_ns >= 0 && monotonic_ns() >= until_ns) { out = WaitOutcome::kTimedOut; break; }
      if (rest(*ch, until_ns) != Rest::kAgain) break;  // signalled, or let the caller re-read
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
  Slot* t = table();
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
