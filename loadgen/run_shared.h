// State shared by a LoadRun and its client threads. Written once before the threads start
// (spec, mix, address) or through atomics (stop, measured start); nothing here is touched on
// the per-request hot path except reads of immutable fields.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <functional>
#include <memory>

#include "loadgen/load_spec.h"
#include "loadgen/request_mix.h"
#include "loadgen/tls.h"

namespace wpm::loadgen {

struct PhaseGate {
  std::function<void()>* on_complete;  // runs once, on the last thread to arrive
  void operator()() noexcept { (*on_complete)(); }
};

struct RunShared {
  LoadSpec spec;
  RequestMix mix;
  sockaddr_storage address{};
  socklen_t address_len = 0;
  std::unique_ptr<TlsContext> tls;  // https targets only; shared read-only by the threads
  TlsProbe tls_probe;
  uint64_t start_ns = 0;  // warm-up (or measured phase, without warm-up) begins
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> stop_ns{0};
  std::atomic<bool> measured{false};  // the measured phase began (not stopped during warm-up)
  std::atomic<uint64_t> measured_start_ns{0};
  std::function<void()> gate_action;
  std::unique_ptr<std::barrier<PhaseGate>> gate;  // between warm-up drain and measurement

  explicit RunShared(const LoadSpec& s) : spec(s), mix(s) {}
};

}  // namespace wpm::loadgen
