#include "primitives/semaphore_core.h"

#include "core/spin.h"
#include "core/wait.h"

namespace procsync {

OpResult semaphore_acquire(uint32_t* value, uint32_t* sleepers, const uint32_t* waker_cpu, const WaitCtx& ctx) {
  bool spun = false;
  for (;;) {
    uint32_t v = load(value);
    if (v > 0) {
      if (cas(value, v, v - 1)) return {kOk, 0};
      continue;
    }
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      spun = true;
      // Asked only once a sleep is near: not when the count was there at once. When the
      // releaser shares this process's only CPU, a spin would only delay it: the CPU is given to
      // it once instead (spin.h yield_once).
      if (spin_may_pay(waker_cpu) ? spin_while_equal(value, 0) : yield_while_equal(value, 0)) continue;
    }
    // Sleep only while the value is 0; a releaser adds to it and then reads `sleepers`.
    counted_sleep(value, 0, sleepers, slice_end(ctx.deadline_ns), ctx);
  }
}

void semaphore_give_back(uint32_t* value, uint32_t* sleepers) {
  fetch_add(value, 1);
  if (load(sleepers) > 0) wake_word(value, 1);
}

bool semaphore_take_or_announce(uint32_t* value, uint32_t* sleepers, uint32_t** word, uint32_t* expected) {
  for (;;) {
    uint32_t v = load(value);
    if (v == 0) break;
    if (cas(value, v, v - 1)) return true;
  }
  // As semaphore_acquire: announced before the kernel re-checks the value, so a release either
  // sees the sleeper or leaves a value the kernel wait refuses to sleep on.
  fetch_add(sleepers, 1);
  *word = value;
  *expected = 0;
  return false;
}

void semaphore_withdraw(uint32_t* sleepers) { fetch_sub(sleepers, 1); }

}  // namespace procsync
