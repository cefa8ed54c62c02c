#include "workers/gevent_fiber.h"

#include <boost/context/protected_fixedsize_stack.hpp>

#include <cstdlib>
#include <utility>

#include "core/log.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace wpm::gevent {
namespace {

namespace ctx = boost::context;

// A guard-paged stack that also tells the fiber where it is (ASan needs the bounds).
class RecordingStack {
 public:
  RecordingStack(size_t size, ctx::stack_context* out) : inner_(size), out_(out) {}
  ctx::stack_context allocate() {
    ctx::stack_context s = inner_.allocate();
    *out_ = s;
    return s;
  }
  void deallocate(ctx::stack_context& s) noexcept { inner_.deallocate(s); }

 private:
  ctx::protected_fixedsize_stack inner_;
  ctx::stack_context* out_;
};

void start_switch([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const void* bottom,
                  [[maybe_unused]] size_t size) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#endif
}

void finish_switch([[maybe_unused]] void* fake_stack_save,
                   [[maybe_unused]] const void** bottom_old, [[maybe_unused]] size_t* size_old) {
#if defined(__SANITIZE_ADDRESS__)
  __sanitizer_finish_switch_fiber(fake_stack_save, bottom_old, size_old);
#endif
}

}  // namespace

Fiber::Fiber(size_t stack_size)
    : self_(std::allocator_arg, RecordingStack(stack_size, &stack_),
            [this](ctx::fiber&& hub) { return entry(std::move(hub)); }) {}

Fiber::~Fiber() {
  if (self_) {
    log_error("green thread destroyed while suspended (a bug)");
    std::abort();
  }
}

ctx::fiber Fiber::entry(ctx::fiber&& hub) {
  hub_ = std::move(hub);
  finish_switch(nullptr, &hub_bottom_, &hub_size_);  // first entry: learn the hub's stack
  main();
  start_switch(nullptr, hub_bottom_, hub_size_);  // nullptr: this fiber's fake stack dies
  return std::move(hub_);
}

void Fiber::switch_in() {
  const char* top = static_cast<const char*>(stack_.sp);
  start_switch(&hub_fake_stack_, top - stack_.size, stack_.size);
  self_ = std::move(self_).resume();
  finish_switch(hub_fake_stack_, nullptr, nullptr);
}

void Fiber::switch_out() {
  start_switch(&fiber_fake_stack_, hub_bottom_, hub_size_);
  hub_ = std::move(hub_).resume();
  finish_switch(fiber_fake_stack_, &hub_bottom_, &hub_size_);
}

}  // namespace wpm::gevent
