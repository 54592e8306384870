// The parking table of the posix backend: where a thread that sleeps on a word says so, so
// that a waker in any process of the user can find it and poke its FIFO. No futex on macOS,
// and no process-shared condition variable either: a waiter SIGKILLed inside
// pthread_cond_wait can wedge every later broadcaster (glibc bug 21422). A dead waiter here
// can only leave a slot whose FIFO has no reader, which a waker detects (ENXIO) and frees.
//
// The table is one shm object per user ("/psypark.<euid>", owner and mode checked), of
// kSlots slots of 32 bytes; all-zero is "empty", so it needs no initialisation (and so no
// initialisation race). It is never removed: 32 KiB per user, reused by every later process.
#pragma once
#include <cstdint>
#include <string>

namespace procsync {
namespace posix {

constexpr uint32_t kSlots = 1024;

// state = generation << 2 | status. The generation changes at each claim, so that a waker's
// compare-and-swap can never free or mark a later occupant of the slot.
enum SlotStatus : uint32_t { kFree = 0, kClaiming = 1, kParked = 2, kWoken = 3 };

struct Slot {
  uint64_t segment;  // WordKey (words.h)
  uint64_t token;    // the sleeper's FIFO: <user dir>/w<16 hex digits of token>
  uint32_t offset;
  uint32_t state;
  uint32_t pad[2];
};
static_assert(sizeof(Slot) == 32, "slots are 32 bytes");

// The table, mapped once per process; nullptr when it cannot be had (then waits sleep in
// short slices instead of parking).
Slot* parking_table();

// The calling thread's FIFO: created at its first wait, closed and removed when the thread
// ends. Its read end never reports a hang-up, since the thread holds a write end too.
struct Parker {
  int rd = -1;
  int wr = -1;
  uint64_t token = 0;
  std::string path;
  ~Parker();
};
// nullptr when no FIFO can be made (then waits sleep in short slices).
Parker* this_thread_parker();

// The FIFO path of a token.
std::string fifo_path(const std::string& dir, uint64_t token);

// Pokes the FIFO of `token`: true when a byte is (or already was) waiting there; false when
// nobody reads it (its thread is gone: ENXIO, ENOENT) or it is not a FIFO.
bool poke(uint64_t token);

}  // namespace posix
}  // namespace procsync
