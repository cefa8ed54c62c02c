// Layout of the shared-memory metrics segment (Envoy-style: numbers in shared memory, names in
// the binary). One header, one archive slot for the folded counts of recycled workers, then
// `capacity` worker slots. Every worker slot is written by exactly one worker process (its hot
// part) and by the master (lifecycle and /proc samples). All fields are relaxed atomics: readers
// tolerate a scrape that sees one field a request ahead of another.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/metric_table.h"
#include "core/names.h"

namespace wpm {

inline constexpr size_t kCacheLine = 64;
inline constexpr size_t kMaxLabelSets = 32;  // per worker; the last one is the overflow set
inline constexpr size_t kMaxRouteSets = 64;  // per worker; the last one is the overflow set
inline constexpr size_t kMethodChars = 16;
inline constexpr size_t kEndpointChars = 64;
inline constexpr size_t kErrorTypeChars = 48;
inline constexpr uint64_t kSegmentMagic = 0x57504d53484d31ull;  // "WPMSHM1"
inline constexpr std::string_view kOverflowLabel = "__other__";

using Counter = std::atomic<uint64_t>;

// Non-cumulative bucket counts; the last one counts observations above every bound (+Inf).
// count = sum of all buckets, so +Inf = count by construction.
template <size_t N>
struct HistogramCells {
  std::array<Counter, N + 1> buckets;
  Counter sum;  // integer units: nanoseconds for durations, bytes for sizes
};

enum class LabelSetStatus : uint32_t { empty = 0, claiming = 1, ready = 2 };

// One (method, endpoint, error_type) set of a worker's failure counters.
struct LabelSetCells {
  std::atomic<uint32_t> status;
  char method[kMethodChars];
  char endpoint[kEndpointChars];
  char error_type[kErrorTypeChars];
  Counter failed;  // failed_requests_total
  Counter errors;  // error_handling_total
};

inline constexpr uint32_t kSuccessorWanted = 1;
inline constexpr uint32_t kSuccessorRunning = 2;

// One (method, endpoint) set of a worker's per-route request counter; claimed like
// LabelSetCells (status empty -> claiming -> ready).
struct RouteCells {
  std::atomic<uint32_t> status;  // LabelSetStatus
  char method[kMethodChars];
  char endpoint[kEndpointChars];
  Counter requests;  // route_requests_total
};

enum class SlotStatus : uint32_t { free = 0, active = 1, exited = 2 };

// Written by the master: who occupies the slot and how it ended.
struct alignas(kCacheLine) SlotLifecycle {
  std::atomic<uint32_t> status;      // SlotStatus
  std::atomic<uint32_t> index;       // position in the pool (0 … workers-1)
  std::atomic<uint64_t> age;         // spawn counter: worker_<age>_<start>
  std::atomic<int64_t> start_unix;   // wall-clock seconds at spawn
  std::atomic<uint64_t> spawn_ns;    // monotonic
  std::atomic<int32_t> pid;
  std::atomic<uint32_t> exit_reason;  // ExitReason, valid when status == exited
  std::atomic<uint64_t> exit_ns;      // monotonic
  // Sampled from /proc by the master.
  std::atomic<uint64_t> rss_bytes;
  std::atomic<uint64_t> cpu_ns;            // user + system
  std::atomic<uint64_t> cpu_permille;      // CPU percent × 1000 over the last interval
  // Replacement timing (monotonic ns, 0 = not yet / not applicable): when the master received
  // the worker's readiness notification, and, for a worker that replaced a dead one, that
  // predecessor's pid and the time the master reaped it.
  std::atomic<uint64_t> ready_ns;
  std::atomic<int32_t> replaced_pid;
  std::atomic<uint64_t> replaced_death_ns;
};

// Written by the worker on the request path: its own cache lines.
struct alignas(kCacheLine) SlotHot {
  Counter requests;
  std::atomic<int64_t> in_flight;
  std::atomic<uint64_t> heartbeat_ns;  // monotonic
  std::atomic<uint32_t> state;         // WorkerState
  std::atomic<uint64_t> state_since_unix_ms;
  // Client connections the worker holds open; its siblings read it to share keep-alive
  // connections evenly (workers/accept_balance.h).
  std::atomic<int64_t> connections;
  alignas(kCacheLine) HistogramCells<kDurationBuckets.size()> duration;
  alignas(kCacheLine) HistogramCells<kSizeBuckets.size()> request_size;
  alignas(kCacheLine) HistogramCells<kSizeBuckets.size()> response_size;
  // Exits handled by the worker itself (quit, abort, …), by reason.
  std::array<Counter, kExitReasonCount> restarts;
  // ExitReason + 1 recorded by the worker just before it exits on its own (0 = none), so the
  // master can attribute a clean exit to quit, term, int or max_requests.
  std::atomic<uint32_t> exit_reason_plus1;
  std::atomic<uint64_t> first_request_ns;  // monotonic; 0 until the first request is recorded
  // kSuccessorWanted once the worker, near its max_requests, asked for its successor
  // (workers/successor.h); the master sets kSuccessorRunning before it retires the worker.
  std::atomic<uint32_t> successor_wanted;
};

struct alignas(kCacheLine) WorkerSlot {
  SlotLifecycle life;
  SlotHot hot;
  alignas(kCacheLine) std::array<LabelSetCells, kMaxLabelSets> label_sets;
  alignas(kCacheLine) std::array<RouteCells, kMaxRouteSets> routes;
};

// Master-wide counters: written only by the master.
struct alignas(kCacheLine) MasterCells {
  std::array<Counter, kExitReasonCount> worker_restarts;  // replacements by reason
  std::array<Counter, kControlSignalCount> signals;
  std::atomic<int64_t> listen_backlog;
  // Restarts seen by the master of workers whose slots were recycled, by reason.
  std::array<Counter, kExitReasonCount> archived_exits;
  // Seconds from a worker's death to its replacement's milestones, by ReplacementPhase.
  std::array<HistogramCells<kReplacementBuckets.size()>, kReplacementPhaseCount> replacement;
};

struct alignas(kCacheLine) SegmentHeader {
  uint64_t magic;
  uint64_t layout_hash;
  uint32_t capacity;  // worker slots after the archive slot
  uint32_t slot_size;
  MasterCells master;
};

// A hash of everything a reader assumes about the layout. A reader built with a different
// layout refuses to attach instead of misreading numbers.
constexpr uint64_t layout_hash() {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (i * 8)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(sizeof(WorkerSlot));
  mix(sizeof(SegmentHeader));
  mix(sizeof(SlotHot));
  mix(sizeof(LabelSetCells));
  mix(sizeof(RouteCells));
  mix(kMaxRouteSets);
  mix(offsetof(WorkerSlot, routes));
  mix(kDurationBuckets.size());
  mix(kSizeBuckets.size());
  mix(kExitReasonCount);
  mix(kControlSignalCount);
  mix(kWorkerStateCount);
  mix(kReplacementPhaseCount);
  mix(offsetof(WorkerSlot, hot));
  mix(offsetof(WorkerSlot, label_sets));
  for (double b : kDurationBuckets) mix(static_cast<uint64_t>(b * 1e6));
  for (double b : kSizeBuckets) mix(static_cast<uint64_t>(b));
  for (double b : kReplacementBuckets) mix(static_cast<uint64_t>(b * 1e6));
  return h;
}

static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(sizeof(WorkerSlot) % kCacheLine == 0);

}  // namespace wpm
