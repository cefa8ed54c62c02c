// A stackful green thread for the gevent worker: a Boost.Context fiber (fcontext, as Debian
// builds libboost_context) on its own fixed-size stack with a guard page, switched only
// between the hub (the worker thread's own stack, where the reactor runs) and itself.
//
// ASan: Boost 1.74 annotates stack switches only in its ucontext flavour, and Debian's
// library is the fcontext one (BOOST_USE_UCONTEXT / BOOST_USE_ASAN would need a Boost built
// that way: fiber_activation_record::current() lives in the library). So this class makes
// the __sanitizer_{start,finish}_switch_fiber calls itself around every switch, in the
// pattern ASan documents; they compile in only under -fsanitize=address
// (__SANITIZE_ADDRESS__), so the release build pays nothing.
#pragma once

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include <cstddef>

namespace wpm::gevent {

class Fiber {
 public:
  explicit Fiber(size_t stack_size);
  // A fiber must have finished (main() returned): unwinding a suspended one would switch
  // stacks behind ASan's back.
  virtual ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Hub side: runs the fiber until it switches out or its main() returns.
  void switch_in();
  bool finished() const { return !self_; }
  size_t stack_size() const { return stack_.size; }

 protected:
  // Fiber side: back to the hub; returns when the hub switches in again.
  void switch_out();
  // Runs on the fiber's stack; returning ends the fiber.
  virtual void main() = 0;

 private:
  boost::context::fiber entry(boost::context::fiber&& hub);

  boost::context::stack_context stack_{};
  boost::context::fiber self_;  // the fiber, while it is suspended
  boost::context::fiber hub_;   // the hub, while the fiber runs
  // ASan's view of both stacks (unused without ASan).
  void* hub_fake_stack_ = nullptr;
  void* fiber_fake_stack_ = nullptr;
  const void* hub_bottom_ = nullptr;
  size_t hub_size_ = 0;
};

}  // namespace wpm::gevent
