// Is a thread (identified by its kernel tid, as stored in a lock's owner word) still alive?
#pragma once
#include <cstdint>

namespace procsync {

uint32_t current_tid();
// False when /proc/<tid> is gone or the thread is a zombie (a SIGKILLed child that its parent
// has not reaped yet still has a /proc entry). Processes must share a pid namespace.
bool thread_alive(uint32_t tid);

}  // namespace procsync
