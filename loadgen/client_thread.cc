// ClientThread: phases (warm-up, gate, measured window, drains), open-loop dispatch, timeouts
// and the epoll wait. The per-request I/O is in client_io.cc.
#include "loadgen/client_thread.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/clock.h"
#include "loadgen/execution_segment.h"

namespace wpm::loadgen {
namespace {

constexpr uint32_t kWakeId = UINT32_MAX;
constexpr int kMaxEvents = 256;
constexpr size_t kReadBuffer = 64 * 1024;

uint64_t to_ns(double seconds) { return static_cast<uint64_t>(std::llround(seconds * 1e9)); }

}  // namespace

ClientThread::ClientThread(RunShared& run, uint32_t index, uint32_t connections, double rate,
                           size_t timeline_slots, uint64_t quota)
    : run_(run),
      index_(index),
      open_loop_(rate > 0),
      connect_timeout_ns_(to_ns(std::min(run.spec.connect_timeout_s, run.spec.request_timeout_s))),
      request_timeout_ns_(to_ns(run.spec.request_timeout_s)),
      interval_ns_(std::max<uint64_t>(1, to_ns(run.spec.timeline_interval_s))),
      quota_(quota),
      conns_(connections),
      idle_(connections),
      connect_deadlines_(connections),
      request_deadlines_(connections),
      schedule_(rate > 0 ? rate : 1.0, run.spec.poisson, segment_seed(run.spec.seed, index, run.spec.segment),
                segment_phase(index, run.spec.threads, run.spec.segment)),
      picker_(run.mix, index),
      read_buf_(new char[kReadBuffer]),
      events_(new epoll_event[kMaxEvents]),
      seconds_(timeline_slots) {
  path_latency.resize(run.mix.requests.size());
  for (uint32_t id = 0; id < connections; ++id) push_idle(id);
}

ClientThread::~ClientThread() = default;

Status ClientThread::init() {
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) return errno_error("loadgen: epoll_create1");
  wake_.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_.valid()) return errno_error("loadgen: eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kWakeId;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev) != 0) return errno_error("loadgen: epoll_ctl(eventfd)");
  return {};
}

void ClientThread::wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_.get(), &one, sizeof one);  // a full counter still wakes: ignore
  (void)n;
}

bool ClientThread::stop_requested() const { return run_.stop.load(std::memory_order_relaxed); }

void ClientThread::run() {
  std::string name = "wpm-loadgen-" + std::to_string(index_);  // visible in top -H, gdb
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  // The default 50 µs timer slack would make every open-loop send up to 50 µs late.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  const LoadSpec& spec = run_.spec;
  if (spec.warmup_s > 0) {
    issue(run_.start_ns, std::max(run_.start_ns + to_ns(spec.warmup_s), spec.warmup_until_ns));
    drain();
  }
  run_.gate->arrive_and_wait();  // every thread drained: nothing in flight at the boundary
  if (run_.measured.load(std::memory_order_acquire)) {
    uint64_t start = run_.measured_start_ns.load(std::memory_order_acquire);
    begin_measured_phase(start);
    issue(start, start + to_ns(spec.duration_s));
    drain();
    drain_end_ns = monotonic_ns();
  }
  for (Conn& c : conns_)  // a healthy TLS connection ends with close_notify
    close_conn(c, c.state == State::idle ? TlsConn::End::notify : TlsConn::End::abort);
  live_.sealed.store(seconds_.size(), std::memory_order_release);
  live_.finished.store(true, std::memory_order_release);
}

void ClientThread::begin_measured_phase(uint64_t start_ns) {
  warmup_counts = counts;
  counts = Counts{};
  measuring_ = true;
  measure_start_ns_ = start_ns;
  live_.completed.store(0, std::memory_order_relaxed);
  live_.errors.store(0, std::memory_order_relaxed);
  live_.sent.store(0, std::memory_order_relaxed);
}

void ClientThread::issue(uint64_t begin_ns, uint64_t end_ns) {
  issuing_ = true;
  if (open_loop_) schedule_.begin(begin_ns);
  uint64_t now = monotonic_ns();
  while (now < end_ns && !stop_requested() && quota_left()) {
    dispatch(now);
    expire(now);
    seal(now);
    poll_events(now, wake_time(now, end_ns));
    now = monotonic_ns();
  }
  issuing_ = false;
  uint64_t window_end = std::min(now, end_ns);
  if (open_loop_ && quota_left()) {  // arrivals that were due but never found a free connection
    for (; schedule_.next_ns() < window_end; schedule_.advance()) ++counts.not_sent;
  }
  if (measuring_) window_end_ns = window_end;
}

void ClientThread::drain() {
  // Every attempt in flight resolves by itself within connect + request timeout; the margin
  // covers timer lateness. Only stop() shortens the drain (to stop_drain_s) and abandons.
  drain_deadline_ns_ = monotonic_ns() + connect_timeout_ns_ + request_timeout_ns_ + 100'000'000;
  for (;;) {
    uint64_t now = monotonic_ns();
    if (stop_requested() && !stop_seen_) {
      stop_seen_ = true;
      drain_deadline_ns_ = std::min(drain_deadline_ns_, now + to_ns(run_.spec.stop_drain_s));
    }
    if (in_flight_ == 0) return;
    if (now >= drain_deadline_ns_) {
      abandon_all();
      return;
    }
    expire(now);
    seal(now);
    poll_events(now, wake_time(now, drain_deadline_ns_));
  }
}

void ClientThread::dispatch(uint64_t now) {
  if (!open_loop_) {  // closed loop: every idle connection starts its next request now
    for (size_t n = idle_size_; n > 0 && quota_left(); --n) start_attempt(pop_idle(), now, now);
    return;
  }
  // Open loop: each due arrival takes the next idle connection; if none is idle the arrival
  // waits (its queue time grows) — it is never skipped nor re-timed.
  for (size_t n = idle_size_; n > 0 && schedule_.next_ns() <= now && quota_left(); --n) {
    uint64_t intended = schedule_.next_ns();
    schedule_.advance();
    start_attempt(pop_idle(), intended, now);
  }
}

void ClientThread::expire(uint64_t now) {
  while (!connect_deadlines_.empty() && connect_deadlines_.front_deadline() <= now) {
    ++counts.connect_timeouts;
    fail(connect_deadlines_.front(), Failure::connect, now);
  }
  while (!request_deadlines_.empty() && request_deadlines_.front_deadline() <= now) {
    fail(request_deadlines_.front(), Failure::timeout, now);
  }
}

void ClientThread::seal(uint64_t now) {
  if (!measuring_ || now < measure_start_ns_) return;
  uint64_t slot = std::min<uint64_t>((now - measure_start_ns_) / interval_ns_, seconds_.size());
  if (slot > sealed_) {
    sealed_ = slot;
    live_.sealed.store(sealed_, std::memory_order_release);
  }
}

uint64_t ClientThread::wake_time(uint64_t now, uint64_t phase_deadline) const {
  uint64_t t = phase_deadline;
  if (issuing_ && idle_size_ > 0) t = std::min(t, open_loop_ ? schedule_.next_ns() : now);
  if (!connect_deadlines_.empty()) t = std::min(t, connect_deadlines_.front_deadline());
  if (!request_deadlines_.empty()) t = std::min(t, request_deadlines_.front_deadline());
  if (measuring_ && sealed_ < seconds_.size()) t = std::min(t, measure_start_ns_ + (sealed_ + 1) * interval_ns_);
  return t;
}

void ClientThread::poll_events(uint64_t now, uint64_t wake_ns) {
  uint64_t wait_ns = wake_ns > now ? wake_ns - now : 0;
  int n;
  if (use_pwait2_) {  // nanosecond timeout: open-loop sends are not rounded to milliseconds
    timespec ts{static_cast<time_t>(wait_ns / kNsPerSecond), static_cast<long>(wait_ns % kNsPerSecond)};
    n = epoll_pwait2(epoll_.get(), events_.get(), kMaxEvents, &ts, nullptr);
    if (n < 0 && errno == ENOSYS) {
      use_pwait2_ = false;
      return;
    }
  } else {
    n = epoll_wait(epoll_.get(), events_.get(), kMaxEvents, static_cast<int>((wait_ns + 999'999) / 1'000'000));
  }
  if (n < 0) {
    if (errno == EINTR) return;
    std::perror("wpm loadgen: epoll wait");  // EBADF/EFAULT/EINVAL: a bug
    std::abort();
  }
  for (int i = 0; i < n; ++i) handle_event(events_[i].data.u32, events_[i].events);
}

void ClientThread::handle_event(uint32_t id, uint32_t events) {
  if (id == kWakeId) {
    uint64_t value;
    ssize_t r = ::read(wake_.get(), &value, sizeof value);
    (void)r;
    return;
  }
  constexpr uint32_t kReadable = EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR;
  constexpr uint32_t kWritable = EPOLLOUT | EPOLLHUP | EPOLLERR;
  switch (conns_[id].state) {
    case State::connecting:
      if (events & kWritable) finish_connect(id);
      break;
    case State::handshaking:  // TLS may want either direction: retrying is harmless
      continue_handshake(id);
      break;
    case State::writing:  // over TLS a write may wait for a read (key update) and vice versa
      if ((events & kWritable) || run_.tls) continue_write(id);
      break;
    case State::reading:
      if ((events & kReadable) || run_.tls) do_read(id);
      break;
    case State::idle:
      if ((events & kReadable) && conns_[id].fd.valid()) check_idle(id);
      break;
  }
}

void ClientThread::abandon_all() {
  for (Conn& c : conns_) {
    if (c.state == State::idle) continue;
    ++counts.abandoned;
    if (c.state == State::reading) ++counts.abandoned_sent;
    auto id = static_cast<uint32_t>(&c - conns_.data());
    connect_deadlines_.disarm(id);
    request_deadlines_.disarm(id);
    close_conn(c);
    c.state = State::idle;
    --in_flight_;
    publish_in_flight();
    push_idle(id);  // usable again if a phase follows (a warm-up drain cut short)
  }
}

}  // namespace wpm::loadgen
