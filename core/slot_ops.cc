#include "core/slot_ops.h"

#include <algorithm>
#include <cstring>

#include "core/clock.h"

namespace wpm {
namespace {

constexpr auto relaxed = std::memory_order_relaxed;

void copy_label(char* dst, size_t cap, std::string_view src) {
  size_t n = std::min(src.size(), cap - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

bool entry_matches(const LabelSetCells& e, std::string_view method, std::string_view endpoint,
                   std::string_view error_type) {
  auto same = [](const char* cell, size_t cap, std::string_view v) {
    v = v.substr(0, cap - 1);
    return std::string_view(cell) == v;
  };
  return same(e.method, kMethodChars, method) && same(e.endpoint, kEndpointChars, endpoint) &&
         same(e.error_type, kErrorTypeChars, error_type);
}

void add(LabelSetCells& e, uint64_t failed, uint64_t errors) {
  if (failed) e.failed.fetch_add(failed, relaxed);
  if (errors) e.errors.fetch_add(errors, relaxed);
}

// Publishes the overflow set's labels (idempotent; every claimer writes the same bytes).
LabelSetCells& overflow_entry(WorkerSlot& slot) {
  LabelSetCells& e = slot.label_sets[kMaxLabelSets - 1];
  uint32_t expected = static_cast<uint32_t>(LabelSetStatus::empty);
  if (e.status.compare_exchange_strong(expected, static_cast<uint32_t>(LabelSetStatus::claiming),
                                       std::memory_order_acquire)) {
    copy_label(e.method, kMethodChars, kOverflowLabel);
    copy_label(e.endpoint, kEndpointChars, kOverflowLabel);
    copy_label(e.error_type, kErrorTypeChars, kOverflowLabel);
    e.status.store(static_cast<uint32_t>(LabelSetStatus::ready), std::memory_order_release);
  }
  return e;
}

bool route_matches(const RouteCells& e, std::string_view method, std::string_view endpoint) {
  auto same = [](const char* cell, size_t cap, std::string_view v) {
    v = v.substr(0, cap - 1);
    return std::string_view(cell) == v;
  };
  return same(e.endpoint, kEndpointChars, endpoint) && same(e.method, kMethodChars, method);
}

// Finds the route set of (method, endpoint), claiming a free one if none matches.
RouteCells& route_entry(WorkerSlot& slot, std::string_view method, std::string_view endpoint) {
  constexpr auto claiming = static_cast<uint32_t>(LabelSetStatus::claiming);
  constexpr auto ready = static_cast<uint32_t>(LabelSetStatus::ready);
  for (size_t i = 0; i < kMaxRouteSets; ++i) {
    RouteCells& e = slot.routes[i];
    bool overflow = i + 1 == kMaxRouteSets;
    uint32_t status = e.status.load(std::memory_order_acquire);
    if (status == static_cast<uint32_t>(LabelSetStatus::empty)) {
      if (e.status.compare_exchange_strong(status, claiming, std::memory_order_acquire)) {
        copy_label(e.method, kMethodChars, overflow ? kOverflowLabel : method);
        copy_label(e.endpoint, kEndpointChars, overflow ? kOverflowLabel : endpoint);
        e.status.store(ready, std::memory_order_release);
        return e;
      }
    }
    while (status == claiming) status = e.status.load(std::memory_order_acquire);
    if (overflow || route_matches(e, method, endpoint)) return e;
  }
  return slot.routes[kMaxRouteSets - 1];  // not reached: the loop returns the overflow set
}

template <size_t N>
void fold_histogram(const HistogramCells<N>& from, HistogramCells<N>& into) {
  for (size_t i = 0; i <= N; ++i) into.buckets[i].fetch_add(from.buckets[i].load(relaxed), relaxed);
  into.sum.fetch_add(from.sum.load(relaxed), relaxed);
}

}  // namespace

void set_state(SlotHot& hot, WorkerState state) {
  hot.state.store(static_cast<uint32_t>(state), relaxed);
  hot.state_since_unix_ms.store(static_cast<uint64_t>(unix_seconds() * 1000.0), relaxed);
}

void count_failure(WorkerSlot& slot, std::string_view method, std::string_view endpoint,
                   std::string_view error_type, uint64_t failed, uint64_t errors) {
  for (size_t i = 0; i + 1 < kMaxLabelSets; ++i) {
    LabelSetCells& e = slot.label_sets[i];
    uint32_t status = e.status.load(std::memory_order_acquire);
    if (status == static_cast<uint32_t>(LabelSetStatus::empty)) {
      uint32_t expected = status;
      if (e.status.compare_exchange_strong(expected,
                                           static_cast<uint32_t>(LabelSetStatus::claiming),
                                           std::memory_order_acquire)) {
        copy_label(e.method, kMethodChars, method);
        copy_label(e.endpoint, kEndpointChars, endpoint);
        copy_label(e.error_type, kErrorTypeChars, error_type);
        add(e, failed, errors);
        e.status.store(static_cast<uint32_t>(LabelSetStatus::ready), std::memory_order_release);
        return;
      }
      status = expected;
    }
    // Another thread is writing this entry's labels: wait for them (a few stores).
    while (status == static_cast<uint32_t>(LabelSetStatus::claiming))
      status = e.status.load(std::memory_order_acquire);
    if (entry_matches(e, method, endpoint, error_type)) {
      add(e, failed, errors);
      return;
    }
  }
  add(overflow_entry(slot), failed, errors);
}

template <Writers W>
void count_route(WorkerSlot& slot, std::string_view method, std::string_view endpoint,
                 uint64_t requests) {
  add_to<W>(route_entry(slot, method, endpoint).requests, requests);
}
template void count_route<Writers::single>(WorkerSlot&, std::string_view, std::string_view,
                                           uint64_t);
template void count_route<Writers::shared>(WorkerSlot&, std::string_view, std::string_view,
                                           uint64_t);

void claim_slot(WorkerSlot& slot, uint32_t index, uint64_t age, int32_t pid) {
  reset_slot(slot);
  slot.life.index.store(index, relaxed);
  slot.life.age.store(age, relaxed);
  slot.life.start_unix.store(static_cast<int64_t>(unix_seconds()), relaxed);
  uint64_t now = monotonic_ns();
  slot.life.spawn_ns.store(now, relaxed);
  slot.life.pid.store(pid, relaxed);
  slot.hot.heartbeat_ns.store(now, relaxed);
  set_state(slot.hot, WorkerState::booting);
  slot.life.status.store(static_cast<uint32_t>(SlotStatus::active), std::memory_order_release);
}

void fold_slot(const WorkerSlot& from, WorkerSlot& into) {
  into.hot.requests.fetch_add(from.hot.requests.load(relaxed), relaxed);
  fold_histogram(from.hot.duration, into.hot.duration);
  fold_histogram(from.hot.request_size, into.hot.request_size);
  fold_histogram(from.hot.response_size, into.hot.response_size);
  for (size_t r = 0; r < kExitReasonCount; ++r)
    into.hot.restarts[r].fetch_add(from.hot.restarts[r].load(relaxed), relaxed);
  into.life.cpu_ns.fetch_add(from.life.cpu_ns.load(relaxed), relaxed);
  for (const LabelSetCells& e : from.label_sets) {
    if (e.status.load(std::memory_order_acquire) != static_cast<uint32_t>(LabelSetStatus::ready))
      continue;
    count_failure(into, e.method, e.endpoint, e.error_type, e.failed.load(relaxed),
                  e.errors.load(relaxed));
  }
  for (const RouteCells& e : from.routes) {
    if (e.status.load(std::memory_order_acquire) != static_cast<uint32_t>(LabelSetStatus::ready))
      continue;
    count_route<Writers::shared>(into, e.method, e.endpoint, e.requests.load(relaxed));
  }
}

void reset_slot(WorkerSlot& slot) {
  slot.life.status.store(static_cast<uint32_t>(SlotStatus::free), std::memory_order_release);
  // The slot is free: no process writes it, so plain zeroing is race-free.
  std::memset(static_cast<void*>(&slot), 0, sizeof(WorkerSlot));
}

}  // namespace wpm
