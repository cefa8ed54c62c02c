// The Python exporter's PrometheusMixin made native: one decorator every worker type holds,
// with the mixin's hooks — handle_request (split in request_started / request_finished so
// blocking, coroutine and fiber models can all wrap their own request cycle), handle_error,
// handle_quit, handle_abort and update_worker_metrics.
//
// The request path makes no system call and no allocation: relaxed atomics into the worker's
// own slot. Two write modes:
//  Writers::shared (thread worker) or Writers::single (sync, eventlet, gevent): see
//  core/slot_ops.h.
// Signal handlers touch only state, restarts and exit_reason, never the request fields.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/clock.h"
#include "core/slot_ops.h"

namespace wpm {

class PrometheusMixin {
 public:
  // request_metrics = false is --no-metrics: the request path records nothing (the on/off
  // benchmark), heartbeat, state and exits still work.
  PrometheusMixin(WorkerSlot& slot, bool request_metrics, Writers writers)
      : slot_(&slot), enabled_(request_metrics), single_(writers == Writers::single) {}

  WorkerSlot& slot() const { return *slot_; }
  SlotHot& hot() const { return slot_->hot; }
  bool enabled() const { return enabled_; }

  // handle_request, first half: a parsed request starts being handled. Returns its start
  // time (0 when metrics are off), to pass to request_finished.
  uint64_t request_started() noexcept {
    if (!enabled_) return 0;
    enter();
    return monotonic_ns();
  }
  // The metric update of request_started without the clock read: in_flight + 1.
  void enter() noexcept { add(hot().in_flight, 1); }

  // handle_request, second half: the response went out (any status, error path included).
  void request_finished(uint64_t started_ns, uint64_t request_bytes,
                        uint64_t response_bytes) noexcept {
    if (!enabled_) return;
    uint64_t now = monotonic_ns();
    record(now - started_ns, request_bytes, response_bytes);
    note_first_request(now);
  }

  // The master times a replacement up to its first request served (death → spawn → ready →
  // first request): the slot keeps the first one's time. After it, one relaxed load.
  void note_first_request(uint64_t now_ns) noexcept {
    std::atomic<uint64_t>& first = hot().first_request_ns;
    if (first.load(std::memory_order_relaxed) != 0) return;
    uint64_t none = 0;
    first.compare_exchange_strong(none, now_ns, std::memory_order_relaxed);
  }

  // The metric update of request_finished without the clock read: count, three histograms,
  // in_flight - 1. (What the ≤ 25 ns/op micro-benchmark measures.)
  void record(uint64_t duration_ns, uint64_t request_bytes, uint64_t response_bytes) noexcept {
    SlotHot& h = hot();
    if (single_) {
      record_request<Writers::single>(h, duration_ns, request_bytes, response_bytes);
      add_to<Writers::single>(h.in_flight, -1);
    } else {
      record_request<Writers::shared>(h, duration_ns, request_bytes, response_bytes);
      add_to<Writers::shared>(h.in_flight, -1);
    }
  }

  // Counts the request under its (method, route template): bounded labels as for
  // handle_error. Called once per recorded request.
  void count_route(std::string_view method, std::string_view endpoint) noexcept {
    if (!enabled_) return;
    if (single_) wpm::count_route<Writers::single>(*slot_, method, endpoint, 1);
    else wpm::count_route<Writers::shared>(*slot_, method, endpoint, 1);
  }

  // handle_error: an error response produced by the worker's error path (400, 431, 500, 503,
  // …) counts once in error_handling; handler_failed (the app threw) also counts once in
  // failed_requests. Labels must be bounded: a method_label(), a route template, a static
  // error type. Rare path: a CAS on the label-set table, no allocation.
  void handle_error(std::string_view method, std::string_view endpoint,
                    std::string_view error_type, bool handler_failed) noexcept {
    if (!enabled_) return;
    count_failure(*slot_, method, endpoint, error_type, handler_failed ? 1 : 0, 1);
  }

  // handle_quit: a graceful exit the worker decided on (quit, term, max_requests).
  void handle_quit(ExitReason reason) noexcept {
    set_state(hot(), WorkerState::quitting);
    record_worker_exit(hot(), reason);
  }

  // handle_abort: async-signal-safe (atomics and clock_gettime only); the caller _exit(1)s.
  void handle_abort() noexcept {
    set_state(hot(), WorkerState::aborting);
    record_worker_exit(hot(), ExitReason::abort);
  }

  // update_worker_metrics: the heartbeat the master's timeout watches. Called by the loop
  // (idle or between requests), never from inside a request, so a stuck handler shows.
  // RSS, CPU and uptime are sampled by the master from /proc.
  void update_worker_metrics() noexcept { heartbeat(hot(), monotonic_ns()); }

 private:
  template <class T, class V>
  void add(std::atomic<T>& cell, V delta) noexcept {
    if (single_) add_to<Writers::single>(cell, delta);
    else add_to<Writers::shared>(cell, delta);
  }

  WorkerSlot* slot_;
  bool enabled_;
  bool single_;
};

}  // namespace wpm
