#include "supervisor/master.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/clock.h"
#include "core/exposition.h"
#include "core/format.h"
#include "core/log.h"
#include "core/segment.h"
#include "core/snapshot.h"
#include "supervisor/instance.h"
#include "supervisor/listen_socket.h"
#include "supervisor/metrics_server.h"
#include "supervisor/planned_exit.h"
#include "supervisor/pool.h"
#include "supervisor/proc_sampler.h"
#include "core/state_file.h"
#include "supervisor/signals.h"
#include "supervisor/state_writer.h"

namespace wpm::supervisor {
namespace {

// /proc figures and the state file are refreshed this often while nothing else happens; every
// spawn, readiness and exit rewrites the state file at once, but at most once per gap, so a
// pool recycling a thousand workers a second (max_requests) does not spend a core on JSON.
constexpr uint64_t kRefreshEveryNs = 1'000'000'000;
constexpr uint64_t kStateGapNs = 10'000'000;

// What wakes the loop besides its deadlines: signals (SIGCHLD included), the eventfd workers
// write once running, and announcements of planned signals.
struct EventSources {
  SignalChannel signals;
  UniqueFd ready;                          // eventfd shared by every worker
  std::optional<PlannedExitInbox> inbox;   // absent when the socket could not be created
};

// Everything the running master owns. The metrics endpoint's threads only call scrape() and
// healthy(); everything else runs on the loop thread. The loop has no fixed tick: it sleeps
// until an event or the pool's next deadline.
class Master {
 public:
  Master(const ServeOptions& options, EventSources events, ListenSocket listen, Segment segment,
         std::string dir)
      : options_(options),
        events_(std::move(events)),
        listen_(std::move(listen)),
        segment_(std::move(segment)),
        pool_(make_pool_config(options, listen_.fd.get(), events_.ready.get()), segment_,
              segment_mutex_, sampler_),
        dir_(std::move(dir)) {}
  ~Master() { stop_endpoint(); }

  Status start_endpoint();
  void set_pidfile(PidFile pidfile) { pidfile_ = std::make_unique<PidFile>(std::move(pidfile)); }
  int run();

 private:
  std::string scrape();
  void sample_locked(uint64_t now_ns);
  void drain_events(uint64_t now_ns);
  void on_signal(int signo, uint64_t now_ns);
  void quick_stop(ExitReason reason, uint64_t now_ns);
  void reap(uint64_t now_ns);
  void periodic(uint64_t now_ns);
  uint64_t next_deadline() const;
  void write_state();
  void notice_readiness();  // readiness notifications pending on the eventfd
  void wait_for_event(uint64_t deadline_ns);
  void stop_endpoint();

  ServeOptions options_;
  EventSources events_;
  ListenSocket listen_;
  Segment segment_;
  std::mutex segment_mutex_;  // slot recycling/marking vs. scrapes and /proc sampling
  ProcSampler sampler_;       // guarded by segment_mutex_
  Pool pool_;
  std::string dir_;
  std::unique_ptr<StateWriter> state_;
  std::unique_ptr<PidFile> pidfile_;
  std::unique_ptr<MetricsServer> metrics_;
  std::atomic<bool> healthy_{false};
  uint64_t next_refresh_ns_ = 0;
  bool state_dirty_ = false;  // a change not yet in the state file
  uint64_t state_written_ns_ = 0;
  int exit_code_ = kExitOk;
};

Status Master::start_endpoint() {
  MetricsHandlers handlers{[this] { return scrape(); }, [this] { return healthy_.load(); }};
  Result<std::unique_ptr<MetricsServer>> server =
      MetricsServer::start(options_.metrics_bind, std::move(handlers));
  if (!server) return server.error();
  metrics_ = std::move(*server);
  PoolIdentity id{options_.name, static_cast<int32_t>(getpid()),
                  std::string(to_string(options_.worker_class)), listen_.address.str(),
                  metrics_->address().str()};
  state_ = std::make_unique<StateWriter>(dir_, std::move(id));
  log_info("listening at http://", listen_.address.str());
  log_info("metrics at http://", metrics_->address().str(), "/metrics");
  return {};
}

void Master::stop_endpoint() {
  if (metrics_) metrics_->stop();
}

void Master::sample_locked(uint64_t now_ns) {
  sampler_.sample(segment_, now_ns);
  segment_.master().listen_backlog.store(accept_queue_length(listen_.fd.get()),
                                         std::memory_order_relaxed);
}

std::string Master::scrape() {
  PoolSnapshot snapshot;
  {
    std::lock_guard lock(segment_mutex_);
    uint64_t now = monotonic_ns();
    // Fresh while idle: a scrape never shows /proc numbers older than about a second.
    if (now - sampler_.last_sample_ns() >= kRefreshEveryNs) sample_locked(now);
    snapshot = take_snapshot(segment_);
  }
  return render_prometheus(snapshot, options_.metrics_prefix);
}

// Signals, announcements and readiness wakes: everything pending, in one pass.
void Master::drain_events(uint64_t now_ns) {
  while (std::optional<int> signo = events_.signals.next()) on_signal(*signo, now_ns);
  while (events_.inbox) {
    std::optional<PlannedSignal> planned = events_.inbox->next();
    if (!planned) break;
    bool known = pool_.announce(planned->worker_pid, planned->signal);
    log_debug("planned SIG", sigabbrev_np(planned->signal), " for pid ", planned->worker_pid,
              known ? "" : " (not a live worker: ignored)");
  }
  notice_readiness();
}

void Master::notice_readiness() {
  uint64_t woken = 0;  // how many notified: the states themselves are read from the slots
  if (::read(events_.ready.get(), &woken, sizeof woken) == sizeof woken && woken > 0)
    pool_.notice_states(monotonic_ns());  // the moment of receipt: ready_ns
}

void Master::on_signal(int signo, uint64_t now_ns) {
  if (signo == SIGUSR2 || signo == SIGWINCH) {
    // Gunicorn's binary upgrade (USR2) and daemon-only worker stop (WINCH) are not supported;
    // their default actions (terminate, nothing) would kill the pool or pass unnoticed.
    log_warning("received SIG", sigabbrev_np(signo), ": not supported by wpm, ignored");
    return;
  }
  std::optional<ControlSignal> control = control_signal_of(signo);
  if (!control) return;  // SIGCHLD: the loop reaps on every turn anyway
  segment_.master().signals[static_cast<size_t>(*control)].fetch_add(1, std::memory_order_relaxed);
  log_info("received SIG", sigabbrev_np(signo));
  switch (*control) {
    case ControlSignal::term:
      if (pool_.stopping()) break;
      log_info("graceful stop: TERM to ", pool_.live_workers(), " workers, KILL after ",
               options_.graceful_timeout_s, " s");
      pool_.stop(ExitReason::term, SIGTERM, pool_.config().graceful_ns, now_ns);
      break;
    case ControlSignal::int_: quick_stop(ExitReason::int_, now_ns); break;
    case ControlSignal::quit: quick_stop(ExitReason::quit, now_ns); break;
    case ControlSignal::hup: pool_.reload(now_ns); break;
    case ControlSignal::ttin: pool_.grow(now_ns); break;
    case ControlSignal::ttou: pool_.shrink(now_ns); break;
    case ControlSignal::usr1:
      // The master logs to stderr only: nothing of its own to reopen.
      log_info("USR1: forwarding to ", pool_.live_workers(), " workers");
      pool_.forward(SIGUSR1);
      break;
    default: break;
  }
}

void Master::quick_stop(ExitReason reason, uint64_t now_ns) {
  uint64_t grace = pool_.config().quick_grace_ns;
  log_info("quick stop: QUIT to ", pool_.live_workers(), " workers, KILL after ",
           format_nanoseconds(grace));
  pool_.stop(reason, SIGQUIT, grace, now_ns);
}

void Master::reap(uint64_t now_ns) {
  for (;;) {
    int status = 0;
    rusage usage{};
    pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
    if (pid > 0) {
      // An announcement is sent before its kill(), so it is queued by now: read it first.
      drain_events(now_ns);
      pool_.on_exit(pid, status, usage, now_ns);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    return;  // 0: none exited yet; ECHILD: no children at all
  }
}

void Master::write_state() {
  // A forked worker is running within a millisecond of its spawn: take its notification now,
  // so the file does not show it running with no ready time yet.
  notice_readiness();
  PoolSnapshot snapshot;
  {
    std::lock_guard lock(segment_mutex_);
    snapshot = take_snapshot(segment_);
  }
  state_->write(snapshot);
}

void Master::periodic(uint64_t now_ns) {
  bool refresh = now_ns >= next_refresh_ns_;
  if (refresh) {
    std::lock_guard lock(segment_mutex_);
    // A scrape may have sampled just now.
    if (now_ns - sampler_.last_sample_ns() >= kRefreshEveryNs) sample_locked(now_ns);
    next_refresh_ns_ = now_ns + kRefreshEveryNs;
  }
  healthy_.store(pool_.healthy());
  state_dirty_ |= pool_.take_changed();
  if (refresh || (state_dirty_ && now_ns >= state_written_ns_ + kStateGapNs)) {
    write_state();
    state_dirty_ = false;
    state_written_ns_ = now_ns;
  }
}

uint64_t Master::next_deadline() const {
  uint64_t next = next_refresh_ns_;
  if (state_dirty_) next = std::min(next, state_written_ns_ + kStateGapNs);
  uint64_t pool = pool_.next_deadline();
  return pool == 0 ? next : std::min(next, pool);
}

void Master::wait_for_event(uint64_t deadline_ns) {
  pollfd fds[3] = {{events_.signals.fd(), POLLIN, 0},
                   {events_.ready.get(), POLLIN, 0},
                   {events_.inbox ? events_.inbox->fd() : -1, POLLIN, 0}};
  uint64_t now = monotonic_ns();
  uint64_t wait = deadline_ns > now ? deadline_ns - now : 0;
  timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                   static_cast<long>(wait % 1'000'000'000)};
  // EINTR needs no retry: the loop recomputes everything on every turn.
  ::ppoll(fds, 3, &timeout, nullptr);
}

int Master::run() {
  uint64_t now = monotonic_ns();
  if (Status s = pool_.start(now); !s) {
    log_error(s.error().message);
    exit_code_ = kExitRuntime;
    pool_.stop(ExitReason::term, SIGTERM, 0, now);
  } else {
    log_info("master ", getpid(), " supervising ", options_.workers, " ",
             to_string(options_.worker_class), " workers (pool '", options_.name, "')");
  }
  for (;;) {
    now = monotonic_ns();
    drain_events(now);
    reap(now);
    if (pool_.fatal() && !pool_.stopping()) {
      exit_code_ = kExitRuntime;
      pool_.stop(ExitReason::term, SIGTERM, pool_.config().quick_grace_ns, now);
    }
    if (pool_.stopping() && pool_.empty()) break;
    pool_.tick(now);
    periodic(now);
    wait_for_event(next_deadline());
  }
  reap(monotonic_ns());  // children that were never workers (a failed exec)
  stop_endpoint();
  state_->remove();
  log_info("master stopped, every worker reaped (exit code ", exit_code_, ")");
  return exit_code_;
}

Status validate(const ServeOptions& o) {
  if (o.self_exe.empty()) return Error{"the path of the wpm binary is unknown", kExitUsage};
  if (o.workers < 1) return Error{"--workers must be at least 1", kExitUsage};
  if (o.slot_capacity < o.workers)
    return Error{"metrics slot capacity " + std::to_string(o.slot_capacity) +
                     " is below --workers " + std::to_string(o.workers),
                 kExitUsage};
  return {};
}

int fail(const Error& error) {
  log_error(error.message);
  return error.exit_code;
}

// We hold the pool's lock, so any state file already there is a dead master's.
void warn_if_stale_state(const std::string& name) {
  Result<PoolLookup> old = lookup_pool(name);
  if (old && old->state.master_pid != getpid())
    log_warning("replacing the stale state file of pool '", name, "' (left by master pid ",
                old->state.master_pid, ")");
}

Result<EventSources> open_event_sources(const std::string& dir) {
  Result<SignalChannel> signals = SignalChannel::open();
  if (!signals) return signals.error();
  UniqueFd ready(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!ready.valid()) return errno_error("eventfd for worker readiness");
  EventSources events{std::move(*signals), std::move(ready), std::nullopt};
  Result<PlannedExitInbox> inbox = PlannedExitInbox::open(dir);
  if (inbox) events.inbox.emplace(std::move(*inbox));
  else log_warning(inbox.error().message, "; every ABRT or KILL will count as unplanned");
  return events;
}

// Setup in dependency order; any failure is reported once and ends the master.
int run_checked(const ServeOptions& options) {
  if (Status s = validate(options); !s) return fail(s.error());
  Result<std::string> dir = runtime_dir(options.name, true);
  if (!dir) return fail(dir.error());
  Result<InstanceLock> lock = InstanceLock::acquire(*dir, options.name);
  if (!lock) return fail(lock.error());
  warn_if_stale_state(options.name);
  // Before any thread exists (the metrics endpoint's), so every thread inherits the mask.
  Result<EventSources> events = open_event_sources(*dir);
  if (!events) return fail(events.error());
  Result<ListenSocket> listen = open_listen_socket(options.bind, options.backlog, true);
  if (!listen) return fail(listen.error());
  Result<Segment> segment = Segment::create(options.slot_capacity);
  if (!segment) return fail(segment.error());
  Master master(options, std::move(*events), std::move(*listen), std::move(*segment), *dir);
  if (Status s = master.start_endpoint(); !s) return fail(s.error());
  if (options.pidfile) {
    Result<PidFile> pidfile = PidFile::write(*options.pidfile, getpid());
    if (!pidfile) return fail(pidfile.error());
    master.set_pidfile(std::move(*pidfile));
  }
  return master.run();
}

}  // namespace
}  // namespace wpm::supervisor

namespace wpm {

int run_master(const ServeOptions& options) {
  set_log_tag("master");
  set_log_level(options.log_level);
  try {
    return supervisor::run_checked(options);
  } catch (const std::exception& e) {
    log_error("master: unexpected failure: ", e.what());
    return kExitRuntime;
  }
}

}  // namespace wpm
