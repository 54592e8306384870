#include "primitives/event.h"

#include "core/wait.h"

namespace procsync {

OpResult event_wait(uint32_t* state, uint32_t* sleepers, uint32_t expected, const WaitCtx& ctx) {
  bool spun = false;
  for (;;) {
    uint32_t v = load(state);
    // Set now, or the generation moved since the caller looked: a set() happened.
    if ((v & 1) || (v >> 1) != (expected >> 1)) return {kOk, 0};
    if (past(ctx.deadline_ns)) return {kTimeout, 0};
    if (ctx.cancelled()) return {kCancelled, 0};
    if (!spun) {
      spun = true;
      if (spin_while_equal(state, v)) continue;
    }
    counted_sleep(state, v, sleepers, slice_end(ctx.deadline_ns), ctx);
  }
}

}  // namespace procsync
