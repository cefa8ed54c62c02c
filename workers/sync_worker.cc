// The sync worker (Gunicorn's SyncWorker + the exporter's PrometheusWorker): one connection
// at a time, one request per connection, "Connection: close" after each response.
//
// Idle, it waits in poll() on the listen socket and the signal eventfd for at most the
// heartbeat interval, so signals are seen at once and the heartbeat stays fresh. Busy, it
// accepts until the backlog is empty before polling again (like Gunicorn's accept loop), and
// never touches the heartbeat while a handler runs: a request stuck in /cpu/<long> shows up
// as a stale heartbeat, which is how the master's timeout finds it.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "workers/blocking_io.h"
#include "workers/exchange.h"
#include "workers/instrumentation.h"
#include "workers/signals.h"
#include "workers/worker_context.h"

namespace wpm {
namespace {

constexpr uint32_t kLingerMs = 500;

class SyncWorker {
 public:
  explicit SyncWorker(WorkerContext& ctx)
      : ctx_(ctx),
        metrics_(ctx.slot, ctx.options.metrics, Writers::single),
        exchange_(ctx.app, metrics_),
        body_budget_(ctx.options.max_body_buffer) {
    parser_.use_budget(&body_budget_);
  }

  int run();

 private:
  bool should_stop(ExitReason& reason) const;
  // Accepts one pending connection and serves it; false when none is pending.
  bool accept_and_serve();
  void serve(UniqueFd conn);
  int exit_gracefully(ExitReason reason);

  WorkerContext& ctx_;
  PrometheusMixin metrics_;
  Exchange exchange_;
  http::BodyBudget body_budget_;
  http::RequestParser parser_;
  uint64_t served_ = 0;
};

bool SyncWorker::should_stop(ExitReason& reason) const {
  if (auto r = stop_requested()) {
    reason = *r;
    return true;
  }
  uint64_t max = ctx_.options.max_requests;
  if (max > 0 && served_ >= max) {
    reason = ExitReason::max_requests;
    return true;
  }
  return false;
}

int SyncWorker::run() {
  pollfd fds[2] = {{ctx_.listen_fd, POLLIN, 0}, {signal_wake_fd(), POLLIN, 0}};
  ExitReason reason{};
  for (;;) {
    metrics_.update_worker_metrics();
    while (!should_stop(reason) && accept_and_serve()) metrics_.update_worker_metrics();
    if (should_stop(reason)) return exit_gracefully(reason);
    if (!ctx_.parent_alive()) {
      log_warning("master ", ctx_.parent_pid, " is gone; exiting");
      return kExitOk;
    }
    if (take_reopen_logs()) log_info("USR1: logs go to stderr, nothing to reopen");
    int n = poll(fds, 2, ctx_.heartbeat_interval_ms());
    if (n < 0 && errno != EINTR) {
      log_error("poll on listen fd ", ctx_.listen_fd, ": ", std::strerror(errno));
      return kExitRuntime;
    }
    if (n > 0 && (fds[1].revents & POLLIN)) drain_signal_wake();
  }
}

bool SyncWorker::accept_and_serve() {
  for (;;) {
    int fd = accept4(ctx_.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      serve(UniqueFd(fd));
      return true;
    }
    switch (errno) {
      case EINTR:
      case ECONNABORTED:
        continue;
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        return false;  // another worker won the race, or the backlog is empty
      default:
        // EMFILE and friends: back off to poll (at most one heartbeat interval) and retry.
        log_error("accept on listen fd ", ctx_.listen_fd, ": ", std::strerror(errno));
        return false;
    }
  }
}

void SyncWorker::serve(UniqueFd conn) {
  parser_.reset();
  uint64_t deadline = monotonic_ns() + ctx_.io_timeout_ns();
  if (read_request(conn.get(), parser_, deadline, metrics_) != IoResult::ok) return;
  bool parse_error = parser_.status() == http::ParseStatus::error;
  if (parse_error) {
    exchange_.begin_error(parser_);
  } else {
    const http::Request& request = parser_.request();
    const app::Plan& plan = exchange_.begin(request);
    if (!exchange_.failed()) {
      exchange_.run_cpu_part();
      sleep_us(plan.io_us);
    }
    exchange_.respond(request, /*keep_alive=*/false);
  }
  write_response(conn.get(), exchange_, monotonic_ns() + ctx_.io_timeout_ns(),
                 metrics_);
  exchange_.finish();
  ctx_.successor.on_count(++served_);
  if (parse_error || parser_.pipelined() > 0) lingering_close(conn, kLingerMs);
}

int SyncWorker::exit_gracefully(ExitReason reason) {
  metrics_.handle_quit(reason);
  log_info("exiting gracefully (", to_string(reason), ") after ", served_, " requests");
  return kExitOk;
}

}  // namespace

int run_sync_worker(WorkerContext& ctx) {
  // O_NONBLOCK lives on the open file description, shared with the master and every worker:
  // all models want a non-blocking listen socket, so that is harmless.
  int flags = fcntl(ctx.listen_fd, F_GETFL);
  if (flags < 0 || fcntl(ctx.listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    log_error("cannot make listen fd ", ctx.listen_fd, " non-blocking: ", std::strerror(errno));
    return kExitRuntime;
  }
  SyncWorker worker(ctx);
  return worker.run();
}

}  // namespace wpm
