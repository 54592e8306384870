// Backends without kernel word waits an event loop can poll (word_watcher.h): async waits run on
// waiter threads.
#include "platform/word_watcher.h"

namespace procsync {

std::unique_ptr<WordWatcher> WordWatcher::open(napi_env, std::function<void()>) { return nullptr; }

}  // namespace procsync
