// Semaphore and BoundedSemaphore state machine (slow path of acquire; lib/primitives/semaphore.ts has the
// CAS fast paths and release, which check the same words). Not named semaphore.h: on the
// include path that would shadow the system header that libuv's uv.h includes.
// Word 0: the value (0 .. 2^31-1). Word 1: number of sleepers, so that a release only makes
// the wake syscall when someone sleeps. Word 2: the CPU (+ 1) of the last release that woke a
// sleeper, a hint for where the next one will run (spin.h, note_waker_cpu); 0 unknown.
#pragma once
#include <cstdint>

#include "core/common.h"

namespace procsync {

constexpr uint32_t kSemValueWord = 0;
constexpr uint32_t kSemSleepersWord = 1;
constexpr uint32_t kSemWakerCpuWord = 2;

OpResult semaphore_acquire(uint32_t* value, uint32_t* sleepers, const uint32_t* waker_cpu, const WaitCtx& ctx);
// Gives back one count taken by semaphore_acquire (an async acquire whose waiter gave up): the
// same as lib/primitives/semaphore.ts's release(1), without the BoundedSemaphore check (it was taken).
void semaphore_give_back(uint32_t* value, uint32_t* sleepers);
// The acquire as an event loop waits for it (loop_waits.h LoopOp): takes one if the value is
// positive (true); else announces a sleeper and names the word and value to sleep on (false).
bool semaphore_take_or_announce(uint32_t* value, uint32_t* sleepers, uint32_t** word, uint32_t* expected);
// Withdraws that announcement once woken.
void semaphore_withdraw(uint32_t* sleepers);

}  // namespace procsync
