// Operations on one worker slot. The request-path ones are inline relaxed atomic adds:
// no system call, no allocation, no lock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/shm_layout.h"

namespace wpm {

// Who writes a slot's request fields. `single`: exactly one thread (sync, eventlet, gevent) —
// a relaxed load + store, no lock prefix (~3 ns a request). `shared`: several threads of one
// worker (thread) — atomic read-modify-write (~45 ns). Readers (the master) only load either
// way, and a scrape tolerates one field being a request ahead of another.
enum class Writers : uint8_t { single, shared };

template <Writers W, class T, class V>
inline void add_to(std::atomic<T>& cell, V delta) {
  if constexpr (W == Writers::single)
    cell.store(static_cast<T>(cell.load(std::memory_order_relaxed) + static_cast<T>(delta)),
               std::memory_order_relaxed);
  else
    cell.fetch_add(static_cast<T>(delta), std::memory_order_relaxed);
}

template <Writers W = Writers::shared, size_t N>
inline void observe(HistogramCells<N>& h, std::span<const double> bounds, double value,
                    uint64_t integer_value) {
  size_t i = 0;
  while (i < N && value > bounds[i]) ++i;  // le semantics: value <= bound lands in bound
  add_to<W>(h.buckets[i], 1);
  add_to<W>(h.sum, integer_value);
}

template <Writers W = Writers::shared>
inline void record_request(SlotHot& hot, uint64_t duration_ns, uint64_t request_bytes,
                           uint64_t response_bytes) {
  observe<W>(hot.duration, kDurationBuckets, static_cast<double>(duration_ns) * 1e-9, duration_ns);
  observe<W>(hot.request_size, kSizeBuckets, static_cast<double>(request_bytes), request_bytes);
  observe<W>(hot.response_size, kSizeBuckets, static_cast<double>(response_bytes), response_bytes);
  add_to<W>(hot.requests, 1);
}

inline void heartbeat(SlotHot& hot, uint64_t now_ns) {
  hot.heartbeat_ns.store(now_ns, std::memory_order_relaxed);
}

void set_state(SlotHot& hot, WorkerState state);

// Worker side, async-signal-safe: counts an exit the worker handles itself (the Python
// exporter's handle_quit / handle_abort) and records the reason for the master.
inline void record_worker_exit(SlotHot& hot, ExitReason reason) {
  hot.restarts[static_cast<size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  hot.exit_reason_plus1.store(static_cast<uint32_t>(reason) + 1, std::memory_order_relaxed);
}
// Master side: the reason the worker recorded, if any.
inline std::optional<ExitReason> recorded_exit(const SlotHot& hot) {
  uint32_t v = hot.exit_reason_plus1.load(std::memory_order_relaxed);
  if (v == 0) return std::nullopt;
  return static_cast<ExitReason>(v - 1);
}

// Adds to the (method, endpoint, error_type) failure counters. Bounded: once the table is
// full, counts go to the overflow set whose labels are all "__other__". Safe with many
// threads of one worker; rare path (errors only), no allocation.
void count_failure(WorkerSlot& slot, std::string_view method, std::string_view endpoint,
                   std::string_view error_type, uint64_t failed, uint64_t errors);

// Adds to the (method, endpoint) request counter of a route. Bounded like count_failure: once
// the table is full, counts go to the overflow set ("__other__"). The request path: a scan of
// the claimed sets (a few string compares), a CAS only the first time a route is seen.
template <Writers W>
void count_route(WorkerSlot& slot, std::string_view method, std::string_view endpoint,
                 uint64_t requests);

// Master side: prepares a free slot for a new worker (zeroes it, then publishes it).
void claim_slot(WorkerSlot& slot, uint32_t index, uint64_t age, int32_t pid);
// Master side: adds every counter of `from` into `into` (the archive), so that recycling a
// slot never makes a counter sum go backwards.
void fold_slot(const WorkerSlot& from, WorkerSlot& into);
// Master side: zeroes a slot and marks it free.
void reset_slot(WorkerSlot& slot);

}  // namespace wpm
