#include "napi_util.h"
namespace procsync {
void register_inspect(Napi::Env env, Napi::Object exports) { (void)env; (void)exports; }
}  // namespace procsync
