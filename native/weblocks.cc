#include "weblocks.h"
namespace procsync {
namespace weblocks {
bool state_size(const uint32_t p[4], uint64_t* out) { (void)p; (void)out; return false; }
}
}  // namespace procsync
