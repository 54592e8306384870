// The smallest native side a one-CPU Semaphore ping-pong from Node can have, for
// one-cpu-layers.js: no handle table, no checks, no sleep slices — a fixed mapping of a procsync
// Semaphore's segment and its words at a byte offset (value, then sleepers: native/primitives/semaphore_core.h).
// It shows what Node and Node-API cost by themselves; never use it for anything else.
#include <node_api.h>

#include <atomic>
#include <cstdint>
#include <fcntl.h>
#include <linux/futex.h>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {
using Word = std::atomic<uint32_t>;
char* g_base[2];

int32_t int_arg(napi_env env, napi_value v) {
  int32_t x = 0;
  napi_get_value_int32(env, v, &x);
  return x;
}
Word* word(napi_env env, napi_callback_info info) {
  size_t n = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &n, a, nullptr, nullptr);
  return reinterpret_cast<Word*>(g_base[int_arg(env, a[0]) & 1] + int_arg(env, a[1]));
}

// map(k, shmName): maps /dev/shm/<shmName> as mapping k (0 or 1).
napi_value Map(napi_env env, napi_callback_info info) {
  size_t n = 2;
  napi_value a[2];
  napi_get_cb_info(env, info, &n, a, nullptr, nullptr);
  char name[256];
  size_t len;
  napi_get_value_string_utf8(env, a[1], name, sizeof name, &len);
  int fd = shm_open((std::string("/") + name).c_str(), O_RDWR, 0600);
  g_base[int_arg(env, a[0]) & 1] = static_cast<char*>(mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  close(fd);
  return nullptr;
}
// wait(k, byteOffset): takes one count, sleeping (announced in the sleepers word) while it is 0.
napi_value Wait(napi_env env, napi_callback_info info) {
  Word* v = word(env, info);
  for (;;) {
    uint32_t x = v->load();
    if (x > 0) {
      if (v->compare_exchange_strong(x, x - 1)) return nullptr;
      continue;
    }
    v[1].fetch_add(1);
    syscall(SYS_futex, v, FUTEX_WAIT, 0, nullptr, nullptr, 0);
    v[1].fetch_sub(1);
  }
}
// wake(k, byteOffset): wakes one sleeper.
napi_value Wake(napi_env env, napi_callback_info info) {
  syscall(SYS_futex, word(env, info), FUTEX_WAKE, 1, nullptr, nullptr, 0);
  return nullptr;
}
}  // namespace

NAPI_MODULE_INIT() {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"map", Map}, {"wait", Wait}, {"wake", Wake}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}
