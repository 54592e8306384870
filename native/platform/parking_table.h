// The parking table: word waits across processes without a futex, one implementation for the
// posix and windows backends (docs/design.md, "One parking table"). A sleeper claims a slot in
// a table shared by every process of the user (posix) or session (windows), writes its word's
// key (segment, offset: posix/words.h) and the token of its thread's wake channel, and sleeps
// on that channel; a waker changes the word first, then scans the table for the key, marks each
// sleeper it wakes and pokes (signals) its channel. The hand-off is Dekker-style (seq_cst
// throughout): the sleeper publishes its slot, then re-reads the word; the waker writes the
// word, then reads the slots, so either the sleeper sees the new value or the waker sees the
// slot.
//
// parking_table.cc holds the table's rules and implements wait_on_word / wake_word
// (platform.h). A backend supplies only where the table lives and the wake channel (the
// declarations below): posix/parking.cc (a FIFO per thread), windows/parking.cc (a named
// auto-reset event per thread). Link-time, not virtual: one backend per build.
#pragma once
#include <cstdint>

namespace procsync {
namespace parking {

constexpr uint32_t kSlots = 1024;
// Without a slot (table full, or no table or channel at all) a sleeper re-reads the word this
// often instead: correct, only slower and busier.
constexpr int64_t kUnparkedSliceNs = 2LL * 1000 * 1000;

// state = generation << 2 | status. The generation changes at each claim, so that a waker's
// compare-and-swap can never free or mark a later occupant of the slot.
enum SlotStatus : uint32_t { kFree = 0, kClaiming = 1, kParked = 2, kWoken = 3 };

// The shared-memory layout: every process of a user / session must agree on it.
struct Slot {
  uint64_t segment;  // WordKey (posix/words.h)
  uint64_t token;    // the sleeper's wake channel (poke() below)
  uint32_t offset;
  uint32_t state;
  uint32_t pad[2];
};
static_assert(sizeof(Slot) == 32, "slots are 32 bytes");

// ---- Defined by the backend ----

// The table of kSlots slots, mapped once per process and never unmapped (waits may run while
// the process exits). All-zero is "empty", so it needs no initialisation (and so has no
// initialisation race). nullptr when it cannot be had.
Slot* table();

// The calling thread's wake channel: created at its first wait, closed when the thread ends.
struct Channel;
// nullptr when no channel can be made.
Channel* this_thread_channel();
// What a waker passes to poke() to reach this channel (stored in the slot).
uint64_t token_of(const Channel& c);
// Discards signals left over from earlier waits.
void clear(Channel& c);
enum class Rest { kSignalled, kAgain, kFailed };
// Sleeps on the channel until it is signalled (the signal is consumed) or until `until_ns`
// (absolute monotonic; < 0: no deadline). kAgain: the deadline passed or the sleep was
// interrupted; kFailed: the channel cannot be waited on.
Rest rest(Channel& c, int64_t until_ns);
// Opens the channel of `token`, signals it and closes it. False when it no longer exists (its
// thread is gone): the waker then frees the slot. Otherwise true, also when in doubt.
bool poke(uint64_t token);
// Sleeps about `ns` (0 < ns <= kUnparkedSliceNs) without a channel.
void nap(int64_t ns);

}  // namespace parking
}  // namespace procsync
