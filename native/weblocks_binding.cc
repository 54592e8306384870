#include "napi_util.h"
namespace procsync {
void register_weblocks(Napi::Env env, Napi::Object exports) { (void)env; (void)exports; }
}  // namespace procsync
