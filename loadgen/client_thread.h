// One load-generator thread: its own epoll instance, its own connections, its own counters,
// histograms and per-interval timeline (wrk's model: nothing shared on the hot path). Other
// threads see it only through LiveCounters (relaxed atomics, single writer) and through
// timeline intervals it has sealed (release/acquire), which it never writes again.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/result.h"
#include "loadgen/counts.h"
#include "loadgen/deadline_list.h"
#include "loadgen/histogram.h"
#include "loadgen/request_mix.h"
#include "loadgen/response_parser.h"
#include "loadgen/run_shared.h"
#include "loadgen/schedule.h"
#include "loadgen/tls.h"
#include "core/unique_fd.h"

struct epoll_event;

namespace wpm::loadgen {

// One timeline interval of one thread (LoadSpec::timeline_interval_s wide).
struct SecondSlot {
  uint64_t completed = 0;  // responses, any status
  uint64_t errors = 0;     // failures and non-2xx/3xx responses
  CoarseHistogram latency{kHourNs, kCoarsePrecisionBits};
};

struct alignas(64) LiveCounters {
  std::atomic<uint64_t> completed{0}, errors{0}, sent{0};
  std::atomic<uint32_t> in_flight{0};  // a copy of the thread's own count, for live views
  std::atomic<uint64_t> sealed{0};  // timeline intervals [0, sealed) are final
  std::atomic<bool> finished{false};
};

class ClientThread {
 public:
  // `quota`: measured requests this thread may start (its share of LoadSpec::max_requests).
  ClientThread(RunShared& run, uint32_t index, uint32_t connections, double rate, size_t timeline_slots,
               uint64_t quota = UINT64_MAX);
  ~ClientThread();
  ClientThread(const ClientThread&) = delete;
  ClientThread& operator=(const ClientThread&) = delete;

  Status init();  // epoll + wake eventfd, before the thread starts
  void run();     // the thread body: warm-up, gate, measured phase, drains
  void wake();    // async-signal-safe: interrupts epoll_wait (stop)

  const LiveCounters& live() const { return live_; }
  const SecondSlot& slot(size_t interval) const { return seconds_[interval]; }
  size_t slot_count() const { return seconds_.size(); }

  // Read after the thread has been joined.
  Counts counts, warmup_counts;
  Histogram latency, service, queue;
  std::vector<Histogram> path_latency;  // one per request of the mix: latency by path
  uint64_t window_end_ns = 0;  // measured issuing stopped (end or stop)
  uint64_t drain_end_ns = 0;   // last in-flight request resolved

 private:
  enum class State : uint8_t { idle, connecting, handshaking, writing, reading };
  enum class Failure : uint8_t { connect, write, read, reset, timeout, parse };
  struct Conn {
    UniqueFd fd;
    State state = State::idle;
    uint32_t request = 0;
    size_t written = 0;
    uint64_t intended_ns = 0, start_ns = 0;
    ResponseParser parser{8 * 1024};
    TlsConn tls;  // https: active from the TCP connect to the close
    TlsSessionCache session;  // https: the last session this slot had, offered on reconnect
  };

  // client_thread.cc: phases, scheduling, waiting
  void issue(uint64_t begin_ns, uint64_t end_ns);
  void drain();
  void dispatch(uint64_t now);
  void expire(uint64_t now);
  void seal(uint64_t now);
  uint64_t wake_time(uint64_t now, uint64_t phase_deadline) const;
  void poll_events(uint64_t now, uint64_t wake_ns);
  void handle_event(uint32_t id, uint32_t events);
  void abandon_all();
  void begin_measured_phase(uint64_t start_ns);
  bool stop_requested() const;
  bool quota_left() const { return !measuring_ || counts.attempts < quota_; }

  // client_io.cc: one request's life on one connection
  void start_attempt(uint32_t id, uint64_t intended_ns, uint64_t now);
  void open_connection(uint32_t id, uint64_t now);
  void finish_connect(uint32_t id);
  void connected(uint32_t id, uint64_t now);
  void continue_handshake(uint32_t id);
  void begin_write(uint32_t id, uint64_t now);
  void continue_write(uint32_t id);
  void do_read(uint32_t id);
  void check_idle(uint32_t id);
  void complete(uint32_t id, uint64_t now, bool close_after);
  void fail(uint32_t id, Failure kind, uint64_t now);
  void record(const Conn& c, uint64_t now);
  SecondSlot& slot_at(uint64_t now);
  void close_conn(Conn& c, TlsConn::End how = TlsConn::End::abort);
  void push_idle(uint32_t id);
  uint32_t pop_idle();

  RunShared& run_;
  const uint32_t index_;
  const bool open_loop_;
  const uint64_t connect_timeout_ns_, request_timeout_ns_;
  const uint64_t interval_ns_;  // width of a timeline slot
  const uint64_t quota_;
  UniqueFd epoll_, wake_;
  std::vector<Conn> conns_;
  std::vector<uint32_t> idle_;  // FIFO ring: spreads requests over all connections
  size_t idle_head_ = 0, idle_size_ = 0;
  DeadlineList connect_deadlines_, request_deadlines_;
  ArrivalSchedule schedule_;
  MixPicker picker_;
  std::unique_ptr<char[]> read_buf_;
  std::unique_ptr<epoll_event[]> events_;
  std::vector<SecondSlot> seconds_;  // timeline slots, interval_ns_ each
  LiveCounters live_;
  uint32_t in_flight_ = 0;
  void publish_in_flight() { live_.in_flight.store(in_flight_, std::memory_order_relaxed); }
  bool issuing_ = false, measuring_ = false, stop_seen_ = false, use_pwait2_ = true;
  uint64_t measure_start_ns_ = 0, sealed_ = 0, drain_deadline_ns_ = 0;
};

}  // namespace wpm::loadgen
