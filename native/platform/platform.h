// The platform seam: with platform/segment.h (segment files and their lifetime) and
// platform/liveness.h (user ids and whether a user is alive), the only interface between the
// core and the operating system. One implementation per backend under native/platform/<backend>/
// (`linux`: futex, /dev/shm, flock, OFD locks); nothing outside native/platform/ includes an OS
// header.
//
// Words are named by address. A backend that keys kernel objects by (segment, offset) instead
// of by address resolves the address through the mappings it made (platform/segment.h), so
// the state machines stay plain C++ over `uint32_t*` words, and the JS Atomics fast paths work
// on every backend.
#pragma once
#include <cstdint>

namespace procsync {

// The backend's name, as `procsync.backend` reports it ('linux', 'posix', 'windows').
const char* backend_name();

// CLOCK_MONOTONIC (or equivalent) in ns.
int64_t monotonic_ns();
// Wall-clock time, ms since the epoch (creation times shown by inspect).
int64_t realtime_ms();

// How long a sleeper sleeps at most before it re-checks cancellation and peer liveness.
// Bounds how late an owner's death is noticed (API.md promises 1 s).
constexpr int64_t kSliceNs = 200LL * 1000 * 1000;
// wait_on_word's `until_ns` for "one slice from now": a wait without a deadline then reads no
// clock (issue 15: on one CPU every cache line a hand-off touches is fetched again after each
// context switch, the clock's page too).
constexpr int64_t kOneSlice = -2;

enum class WaitOutcome { kWoken, kTimedOut, kValueChanged };
// Sleeps while *word == expected, until woken or until `until_ns` (absolute monotonic, or
// kOneSlice). Retries interruptions with the same deadline; a kOneSlice wait that a signal
// interrupts returns kTimedOut instead (the end of a slice, when its caller re-checks). Returns
// kTimedOut otherwise only when `until_ns` has passed or the slice ran out. Sleepers and wakers
// may be in different processes.
WaitOutcome wait_on_word(uint32_t* word, uint32_t expected, int64_t until_ns);
// Wakes up to n sleepers of the word (n = INT32_MAX for all).
void wake_word(uint32_t* word, int32_t n);

// The kernel's id of the calling thread (anonymous names, diagnostics only).
uint32_t current_tid();
// Online CPUs: spinning never pays on one.
int cpu_count();
// CPUs this process may run on (its affinity; cpu_count() where the platform has none to ask).
int allowed_cpus();
// The CPU the calling thread runs on now, or -1 where the platform does not say.
int current_cpu();
// Gives the rest of this thread's turn on its CPU to another ready thread, if there is one
// (sched_yield, SwitchToThread); returns at once when there is none.
void yield_cpu();

// Exit status of a child process without reaping it (Process.joinSync while the event loop,
// which reaps children, is blocked): kChildRunning, kChildGone (already reaped, or not our
// child), or the Python-style exit code (>= 0, or -signal).
constexpr int kChildRunning = 1 << 20;
constexpr int kChildGone = (1 << 20) + 1;
int child_status(int pid);

}  // namespace procsync
