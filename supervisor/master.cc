#include "supervisor/master.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

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
#include "supervisor/pool.h"
#include "supervisor/proc_sampler.h"
#include "core/state_file.h"
#include "supervisor/signals.h"
#include "supervisor/state_writer.h"

namespace wpm::supervisor {
namespace {

constexpr int kTickMs = 100;  // how quickly a worker that reached running is noticed
constexpr uint64_t kSampleEveryNs = 1'000'000'000;
constexpr uint64_t kStateEveryNs = 1'000'000'000;

// Everything the running master owns. The metrics endpoint's threads only call scrape() and
// healthy(); everything else runs on the loop thread.
class Master {
 public:
  Master(const ServeOptions& options, SignalChannel signals, ListenSocket listen, Segment segment,
         std::string dir)
      : options_(options),
        signals_(std::move(signals)),
        listen_(std::move(listen)),
        segment_(std::move(segment)),
        pool_(make_pool_config(options, listen_.fd.get()), segment_, segment_mutex_),
        dir_(std::move(dir)) {}
  ~Master() { stop_endpoint(); }

  Status start_endpoint();
  void set_pidfile(PidFile pidfile) { pidfile_ = std::make_unique<PidFile>(std::move(pidfile)); }
  int run();

 private:
  std::string scrape();
  void sample_locked(uint64_t now_ns);
  void on_signal(int signo, uint64_t now_ns);
  void quick_stop(ExitReason reason, uint64_t now_ns);
  void reap(uint64_t now_ns);
  void periodic(uint64_t now_ns);
  void write_state();
  void wait_for_event();
  void stop_endpoint();

  ServeOptions options_;
  SignalChannel signals_;
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
  uint64_t last_state_ns_ = 0;
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
    if (now - sampler_.last_sample_ns() >= kSampleEveryNs) sample_locked(now);
    snapshot = take_snapshot(segment_);
  }
  return render_prometheus(snapshot, options_.metrics_prefix);
}

void Master::on_signal(int signo, uint64_t now_ns) {
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
      pool_.on_exit(pid, status, usage, now_ns);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    return;  // 0: none exited yet; ECHILD: no children at all
  }
}

void Master::write_state() {
  PoolSnapshot snapshot;
  {
    std::lock_guard lock(segment_mutex_);
    snapshot = take_snapshot(segment_);
  }
  state_->write(snapshot);
}

void Master::periodic(uint64_t now_ns) {
  {
    std::lock_guard lock(segment_mutex_);
    if (now_ns - sampler_.last_sample_ns() >= kSampleEveryNs) sample_locked(now_ns);
  }
  healthy_.store(pool_.healthy());
  if (pool_.take_changed() || now_ns - last_state_ns_ >= kStateEveryNs) {
    write_state();
    last_state_ns_ = now_ns;
  }
}

void Master::wait_for_event() {
  pollfd pfd{signals_.fd(), POLLIN, 0};
  // EINTR needs no retry: the loop recomputes everything on every turn.
  ::poll(&pfd, 1, kTickMs);
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
    while (std::optional<int> signo = signals_.next()) on_signal(*signo, now);
    reap(now);
    if (pool_.fatal() && !pool_.stopping()) {
      exit_code_ = kExitRuntime;
      pool_.stop(ExitReason::term, SIGTERM, pool_.config().quick_grace_ns, now);
    }
    if (pool_.stopping() && pool_.empty()) break;
    pool_.tick(now);
    periodic(now);
    wait_for_event();
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

// We hold the pool's lock, so a state file naming another live pid is stale (its pid reused).
void warn_if_stale_state(const std::string& name) {
  Result<PoolState> old = read_state_file(name);
  if (old && old->master_pid != getpid())
    log_warning("replacing the stale state file of pool '", name, "' (pid ", old->master_pid,
                " is alive but does not hold the pool's lock)");
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
  Result<SignalChannel> signals = SignalChannel::open();
  if (!signals) return fail(signals.error());
  Result<ListenSocket> listen = open_listen_socket(options.bind, options.backlog, true);
  if (!listen) return fail(listen.error());
  Result<Segment> segment = Segment::create(options.slot_capacity);
  if (!segment) return fail(segment.error());
  Master master(options, std::move(*signals), std::move(*listen), std::move(*segment), *dir);
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
