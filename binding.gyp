{
  "variables": {
    # The platform backend (native/platform/<backend>/): linux (default) or posix (the macOS /
    # BSD code, also built on Linux by scripts/build-posix.sh so that the suite runs against it)
    # or windows (named file mappings, mutexes and events; cross-built by scripts/build-win.sh).
    "backend%": "linux"
  },
  "targets": [
    {
      "target_name": "procsync",
      "sources": [
        "native/napi/args.cc",
        "native/napi/async_host.cc",
        "native/napi/binding.cc",
        "native/napi/cond_family_binding.cc",
        "native/napi/constants_binding.cc",
        "native/napi/inspect_binding.cc",
        "native/napi/lock_family_binding.cc",
        "native/napi/loop_waits.cc",
        "native/napi/queue_binding.cc",
        "native/napi/run.cc",
        "native/napi/rwlock_binding.cc",
        "native/napi/segment_handle.cc",
        "native/napi/weblocks_binding.cc",
        "native/core/kinds.cc",
        "native/core/layout.cc",
        "native/core/spin.cc",
        "native/core/state_mutex.cc",
        "native/core/wait.cc",
        "native/primitives/barrier.cc",
        "native/primitives/condition.cc",
        "native/primitives/event.cc",
        "native/primitives/lock.cc",
        "native/primitives/queue.cc",
        "native/primitives/rwlock.cc",
        "native/primitives/semaphore.cc",
        "native/primitives/weblocks.cc",
        "native/platform/identity.cc",
        "native/platform/mapping.cc"
      ],
      "conditions": [
        ["backend=='linux'", {
          "sources": [
            "native/platform/posix_clocks.cc",
            "native/platform/posix_errors.cc",
            "native/platform/posix_child.cc",
            "native/platform/linux/wait.cc",
            "native/platform/linux/segment.cc",
            "native/platform/linux/liveness.cc",
            "native/platform/linux/process.cc",
            "native/platform/linux/word_watcher.cc"
          ]
        }],
        ["backend=='posix'", {
          "sources": [
            "native/platform/posix_clocks.cc",
            "native/platform/posix_errors.cc",
            "native/platform/posix_child.cc",
            "native/platform/posix/names.cc",
            "native/platform/posix/lockfiles.cc",
            "native/platform/posix/words.cc",
            "native/platform/posix/segment.cc",
            "native/platform/posix/sweep.cc",
            "native/platform/posix/liveness.cc",
            "native/platform/parking_table.cc",
            "native/platform/posix/parking.cc",
            "native/platform/posix/process.cc",
            "native/platform/no_word_watcher.cc"
          ]
        }],
        ["backend=='windows'", {
          "sources": [
            "native/platform/posix/words.cc",
            "native/platform/windows/win.cc",
            "native/platform/windows/names_index.cc",
            "native/platform/windows/persistent.cc",
            "native/platform/windows/segment.cc",
            "native/platform/windows/liveness.cc",
            "native/platform/parking_table.cc",
            "native/platform/windows/parking.cc",
            "native/platform/windows/process.cc",
            "native/platform/no_word_watcher.cc"
          ],
          "libraries": ["-ladvapi32"]
        }]
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
