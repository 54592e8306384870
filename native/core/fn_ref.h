// A non-owning reference to a callable: what a function that only calls its callback argument
// before it returns should take instead of std::function, which copies a callable larger than
// 16 bytes to the heap — a malloc and a free on every sync wait (they showed in the one-CPU
// ping-pong's profile). The callable must outlive the call, as a lambda argument does.
#pragma once
#include <memory>
#include <type_traits>
#include <utility>

namespace procsync {

template <class Sig>
class FnRef;

template <class R, class... Args>
class FnRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FnRef> &&
                                              std::is_invocable_r_v<R, F&, Args...>>>
  FnRef(F&& f)  // NOLINT(google-explicit-constructor): converts like std::function does
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* obj, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(obj))(std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(obj_, std::forward<Args>(args)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

}  // namespace procsync
