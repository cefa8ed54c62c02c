// The thread worker's connection table: who owns a connection, and how the poller thread and
// the handler threads hand connections to each other through epoll without a lock on the
// request path.
//
// A connection is either idle — armed in the handler threads' epoll set with EPOLLONESHOT,
// owned by nobody — or busy, owned by exactly one thread (a handler serving it, or the
// poller closing it on a timeout). Ownership moves by a compare-and-swap on a tag that also
// carries a generation; the epoll key carries the same generation, so an event that arrives
// after its connection was closed and the slot reused is recognised as stale and dropped.
//
// Connections are registered edge-triggered, so a handler that drained the socket parks a
// connection with one compare-and-swap and no system call. The race that needs care: bytes
// arriving after the owner's last read but before it marks the connection idle fire an edge
// that finds the connection busy; that handler marks it `busy_event` and drops the event, and
// park() then tells the owner "bytes arrived, you still own it", so the edge is never lost.
// The poller, which parks connections it did not drain, re-arms them (EPOLL_CTL_MOD makes
// epoll re-check readiness) before letting go, so it never touches an fd it no longer owns.
//
// Slots are allocated in chunks on demand (a 100k --worker-connections costs nothing until
// used) and never freed before the table, so a stale event always points at valid memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "workers/request_parser.h"
#include "core/unique_fd.h"

namespace wpm::threaded {

enum class ConnState : uint64_t { free = 0, idle = 1, busy = 2, busy_event = 3 };

constexpr ConnState state_of(uint64_t tag) { return static_cast<ConnState>(tag & 3); }
constexpr uint64_t generation_of(uint64_t tag) { return tag >> 2; }
constexpr uint64_t make_tag(uint64_t generation, ConnState s) {
  return (generation << 2) | static_cast<uint64_t>(s);
}

struct Conn {
  std::atomic<uint64_t> tag{0};  // generation << 2 | ConnState
  uint32_t index = 0;
  // Owner-only.
  UniqueFd fd;
  http::RequestParser parser;
  uint64_t first_byte_ns = 0;  // when the partial request held by the parser began (0: none)
  bool drained = true;         // the last read emptied the socket (edge-triggered: required to park)
  // Published by the owner before the connection becomes idle; read by the sweeper.
  std::atomic<uint64_t> idle_since_ns{0};
  std::atomic<uint64_t> deadline_ns{0};  // close it if it is still idle then
  std::atomic<bool> partial{false};      // idle with part of a request received
};

enum class ParkResult {
  parked,  // idle: no longer yours
  event,   // bytes arrived while parking: still yours, serve them
  failed,  // epoll refused to re-arm the fd: still yours, close it
};

class ConnTable {
 public:
  // Every connection's parser counts its bodies against body_budget (the worker's).
  ConnTable(uint32_t capacity, int epoll_fd, http::BodyBudget& body_budget);
  ~ConnTable();
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  uint32_t capacity() const { return capacity_; }
  uint32_t live() const { return live_.load(std::memory_order_seq_cst); }
  // Slots ever handed out: the sweeper scans [0, allocated()).
  uint32_t allocated() const { return allocated_.load(std::memory_order_acquire); }
  Conn& at(uint32_t index) const;

  // The accepting thread (one at a time: Listener's mutex): registers a fresh connection,
  // idle and armed. False when the table is full or epoll refused it (the fd is closed then).
  bool open(UniqueFd fd, uint64_t now_ns, uint64_t deadline_ns);

  // Handler: the connection of an epoll event, now owned by the caller; nullptr when the
  // event is stale or arrived while someone else owned the connection.
  Conn* claim(uint64_t key);
  // Sweeper: takes an idle connection whose tag it read; false when a handler was faster.
  bool claim_idle(Conn& c, uint64_t seen_tag);

  // Owner: back to epoll until the next bytes (or until the sweeper expires it). A handler
  // parks a connection it drained (no system call); rearm makes epoll report bytes that are
  // already waiting (the poller's case).
  ParkResult park(Conn& c, uint64_t now_ns, uint64_t deadline_ns, bool partial, bool rearm);
  // Owner: closes the fd (if still open) and frees the slot. Returns the live count after.
  uint32_t release(Conn& c);

 private:
  static constexpr uint32_t kChunk = 64;
  uint32_t allocate_slot();

  uint32_t capacity_;
  int epoll_fd_;
  http::BodyBudget& body_budget_;
  std::unique_ptr<std::atomic<Conn*>[]> chunks_;  // capacity_ / kChunk (rounded up) entries
  std::atomic<uint32_t> allocated_{0};
  std::atomic<uint32_t> live_{0};
  std::mutex free_mutex_;  // per connection, not per request
  std::vector<uint32_t> free_;
};

}  // namespace wpm::threaded
