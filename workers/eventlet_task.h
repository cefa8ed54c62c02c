// The coroutine type of the eventlet worker: Co<T>, an eagerly started C++20 coroutine that
// a caller co_awaits for its result.
//
// Eager start plus "await_ready = already done" means a nested call that finishes without
// waiting (the common case: the bytes are already there) never transfers control at all, and
// one that did wait resumes its caller by symmetric transfer from final_suspend. So the native
// stack never grows with the number of requests served, whether or not the compiler turns
// symmetric transfer into a tail call (it does not have to at -O0).
//
// Frames come from malloc: glibc's per-thread cache serves these small, short-lived blocks
// as fast as a private free list would, and a freed burst of frames can go back to the kernel
// (a private free list measured 85 MiB kept after 10,000 concurrent requests).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <utility>

namespace wpm::eventlet {

template <class T>
class [[nodiscard]] Co {
 public:
  struct promise_type {
    T value{};
    std::coroutine_handle<> continuation;  // set only when the caller had to suspend

    Co get_return_object() {
      return Co(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept { return Final{}; }
    void return_value(T v) { value = std::move(v); }
    // Nothing a connection task runs throws past the Exchange's boundary: a throw is a bug.
    void unhandled_exception() noexcept { std::terminate(); }
  };

  struct Final {
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
      std::coroutine_handle<> next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  Co(Co&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Co& operator=(Co&&) = delete;
  ~Co() {
    if (h_) h_.destroy();
  }

  bool await_ready() const noexcept { return h_.done(); }
  void await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
  }
  T await_resume() { return std::move(h_.promise().value); }
  bool done() const { return h_.done(); }

 private:
  explicit Co(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

}  // namespace wpm::eventlet
