{
  "targets": [
    {
      "target_name": "procsync",
      "sources": [
        "native/binding.cc",
        "native/napi_util.cc",
        "native/lock_family_binding.cc",
        "native/layout.cc",
        "native/kinds.cc",
        "native/wait.cc",
        "native/spin.cc",
        "native/waiter.cc",
        "native/lock.cc",
        "native/state_mutex.cc",
        "native/semaphore.cc",
        "native/event.cc",
        "native/condition.cc",
        "native/barrier.cc",
        "native/cond_family_binding.cc",
        "native/queue.cc",
        "native/queue_binding.cc",
        "native/rwlock.cc",
        "native/rwlock_binding.cc",
        "native/weblocks.cc",
        "native/weblocks_binding.cc",
        "native/inspect_binding.cc",
        "native/constants_binding.cc",
        "native/platform/linux/wait.cc",
        "native/platform/linux/segment.cc",
        "native/platform/linux/liveness.cc",
        "native/platform/linux/process.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
