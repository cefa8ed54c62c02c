// The gevent worker (the exporter's PrometheusGeventWorker): stackful green threads on an
// epoll hub. A green thread serves a connection in plain blocking style — read_request(),
// sleep_us(), write_all() — and each of those, when it would block, parks the green thread
// on the reactor and switches to the hub, which runs the loop and switches back into
// whichever green thread's socket or timer is ready. cpu_us spins on the green thread and
// so blocks the hub and the heartbeat, exactly as a CPU-bound greenlet blocks gevent's hub.
//
// Memory: a green thread (64 KiB stack, guard page, parser, Exchange) serves a connection
// while a request is in hand. A keep-alive connection with nothing to read is parked in the
// hub without one — its next bytes wake a pooled green thread — so 10,000 idle connections
// cost 10,000 small GConn objects, not 10,000 stacks. (gevent's greenlets get the same effect
// by copying stack slices; fixed stacks need this instead.)
#include <sys/socket.h>

#include <memory>
#include <vector>

#include "core/log.h"
#include "workers/exchange.h"
#include "workers/gevent_fiber.h"
#include "workers/reactor_loop.h"

namespace wpm {
namespace {

using aio::WaitResult;

constexpr int kRead = static_cast<int>(aio::Dir::read);
constexpr int kWrite = static_cast<int>(aio::Dir::write);
constexpr int kNoFd = -1;
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackSize = 256 << 10;  // ASan's redzones make every frame larger
#else
constexpr size_t kStackSize = 64 << 10;
#endif

class GeventWorker;

// A connection, and the task that waits for its next request while no green thread has it.
struct GConn final : ConnBase, aio::Task {
  GConn(UniqueFd socket, GeventWorker& worker) : ConnBase(std::move(socket)), hub(worker) {}
  void wake(WaitResult result) override;
  GeventWorker& hub;
};

class GreenThread final : public gevent::Fiber, public aio::Task {
 public:
  GreenThread(GeventWorker& hub, size_t index);

  // Hub side.
  void assign(GConn& conn) {
    conn_ = &conn;
    switch_in();
  }
  void stop() {
    exiting_ = true;
    switch_in();
  }
  void wake(WaitResult result) override;
  size_t index = 0;  // in the hub's list of green threads

 private:
  enum class ReadOutcome { request, idle, closed };

  void main() override;
  // Fiber side: blocking-style helpers, each yielding to the hub while it waits.
  WaitResult wait(int dir, uint64_t deadline_ns);
  ReadOutcome read_request(uint64_t deadline_ns);
  bool handle();
  bool sleep_us(uint64_t us);
  bool write_all(Exchange& exchange);
  bool send_all(std::string_view bytes, uint64_t deadline_ns);
  void linger();
  void serve();

  GeventWorker& hub_;
  GConn* conn_ = nullptr;
  bool exiting_ = false;
  WaitResult result_ = WaitResult::cancelled;
  http::RequestParser parser_;
  Exchange exchange_;
};

class GeventWorker final : public AsyncServer {
 public:
  explicit GeventWorker(WorkerContext& ctx)
      : AsyncServer(ctx), body_budget(ctx.options.max_body_buffer) {}
  http::BodyBudget body_budget;  // every green thread's request bodies together

  // Hub side: a green thread from the pool serves conn now.
  void run_green(GConn& conn) {
    GreenThread* g = take();
    g->assign(conn);
  }
  // Waits, without a green thread, for conn's next request — or closes it when its idle
  // deadline has passed.
  void park(GConn& conn);
  void release(GreenThread* g) { free_.push_back(g); }

 protected:
  void serve_new(UniqueFd socket) override {
    auto* conn = new GConn(std::move(socket), *this);
    if (!attach(*conn)) {
      delete conn;
      return;
    }
    park(*conn);
  }
  void destroy(ConnBase* conn) override { delete static_cast<GConn*>(conn); }
  // A burst is over: unmap the stacks it left behind (munmap gives them back at once).
  void after_turn() override {
    size_t keep = spare_policy_.allowance(reactor().now(), threads_.size() - free_.size());
    if (free_.size() <= keep) return;
    size_t dropped = free_.size() - keep;
    while (free_.size() > keep) drop(free_.back());
    if (dropped >= 256) release_free_memory();  // their parsers were on the heap
  }
  void on_loop_end() override {
    while (!free_.empty()) drop(free_.back());
    if (!threads_.empty()) log_error(threads_.size(), " green thread(s) still busy at exit");
  }

 private:
  GreenThread* take();
  void drop(GreenThread* g);

  std::vector<std::unique_ptr<GreenThread>> threads_;
  std::vector<GreenThread*> free_;
  SparePolicy spare_policy_;
};

void GConn::wake(WaitResult result) {
  hub.reactor().settle(wait);
  if (result == WaitResult::ready) hub.run_green(*this);
  else hub.park(*this);  // the idle deadline, or a stop that moved it
}

void GeventWorker::park(GConn& conn) {
  if (conn.wait.watch.is_ready(aio::Dir::read) && !hard_stopped()) {
    run_green(conn);  // only reached from the hub: a green thread never parks a ready conn
    return;
  }
  uint64_t deadline = idle_deadline(conn);
  if (hard_stopped() || deadline <= reactor().refresh_now()) {
    retire(conn);
    return;
  }
  set_idle(conn, true);
  reactor().suspend(conn.wait, &conn, kRead, deadline);
}

GreenThread* GeventWorker::take() {
  spare_policy_.note_in_use(threads_.size() - free_.size() + 1);
  if (!free_.empty()) {
    GreenThread* g = free_.back();
    free_.pop_back();
    return g;
  }
  threads_.push_back(std::make_unique<GreenThread>(*this, threads_.size()));
  return threads_.back().get();
}

void GeventWorker::drop(GreenThread* g) {
  free_.pop_back();  // callers pass free_.back()
  g->stop();
  size_t i = g->index;
  std::swap(threads_[i], threads_.back());
  threads_[i]->index = i;
  threads_.pop_back();
}

GreenThread::GreenThread(GeventWorker& hub, size_t i)
    : Fiber(kStackSize), index(i), hub_(hub), exchange_(hub.app(), hub.metrics()) {
  parser_.use_budget(&hub.body_budget);
}

void GreenThread::wake(WaitResult result) {
  hub_.reactor().settle(conn_->wait);
  result_ = result;
  switch_in();
}

void GreenThread::main() {
  while (!exiting_) {
    serve();
    conn_ = nullptr;
    hub_.release(this);
    switch_out();  // idle in the pool until assign() or stop()
  }
}

WaitResult GreenThread::wait(int dir, uint64_t deadline_ns) {
  if (hub_.hard_stopped()) return WaitResult::cancelled;
  if (dir >= 0 && conn_->wait.watch.ready[dir]) return WaitResult::ready;
  if (deadline_ns <= hub_.reactor().now()) return WaitResult::timeout;
  hub_.reactor().suspend(conn_->wait, this, dir, deadline_ns);
  switch_out();
  return result_;
}

// Serves the connection until it has no request in hand (parked again) or must close.
void GreenThread::serve() {
  GConn& conn = *conn_;
  parser_.reset();
  hub_.set_idle(conn, false);
  for (;;) {
    ReadOutcome got = read_request(hub_.io_deadline());
    if (got == ReadOutcome::closed || (got == ReadOutcome::request && !handle())) {
      hub_.retire(conn);
      return;
    }
    if (got == ReadOutcome::idle) {
      hub_.park(conn);
      return;
    }
  }
}

// Blocks until the parser holds a request (or a parse error). idle: nothing of a request
// has arrived and the socket is drained.
GreenThread::ReadOutcome GreenThread::read_request(uint64_t deadline_ns) {
  for (;;) {
    IoStep step = read_available(conn_->wait.watch, parser_);
    if (step == IoStep::done) return ReadOutcome::request;
    if (step == IoStep::closed) return ReadOutcome::closed;
    if (!parser_.started()) return ReadOutcome::idle;
    if (parser_.expects_continue()) {
      if (!send_all(http::kContinueResponse, deadline_ns)) return ReadOutcome::closed;
      parser_.continue_sent();
      continue;
    }
    if (wait(kRead, deadline_ns) != WaitResult::ready) return ReadOutcome::closed;
  }
}

// One parsed request (or parse error): run the plan, write the response, record it. True
// when the connection stays open.
bool GreenThread::handle() {
  bool parse_error = parser_.status() == http::ParseStatus::error;
  if (parse_error) {
    exchange_.begin_error(parser_);
  } else {
    const app::Plan& plan = exchange_.begin(parser_.request());
    if (!exchange_.failed()) {
      exchange_.run_cpu_part();  // blocks the hub, by design
      if (!sleep_us(plan.io_us)) return false;  // hard stop: the request is lost
    }
    exchange_.respond(parser_.request(), hub_.keep_alive_allowed());
  }
  bool written = write_all(exchange_);
  exchange_.finish();
  hub_.request_done(*conn_);
  if (!written || !exchange_.response().keep_alive()) {
    if (written && (parse_error || parser_.pipelined() > 0)) linger();
    return false;
  }
  parser_.next();
  return true;
}

bool GreenThread::sleep_us(uint64_t us) {
  if (us == 0) return true;
  uint64_t until = hub_.reactor().refresh_now() + us * 1000;
  return wait(kNoFd, until) == WaitResult::timeout;
}

bool GreenThread::write_all(Exchange& exchange) {
  uint64_t deadline = hub_.io_deadline();
  for (;;) {
    IoStep step = write_available(conn_->wait.watch, exchange);
    if (step != IoStep::again) return step == IoStep::done;
    if (wait(kWrite, deadline) != WaitResult::ready) return false;
  }
}

bool GreenThread::send_all(std::string_view bytes, uint64_t deadline_ns) {
  for (;;) {
    IoStep step = send_available(conn_->wait.watch, bytes);
    if (step != IoStep::again) return step == IoStep::done;
    if (wait(kWrite, deadline_ns) != WaitResult::ready) return false;
  }
}

// Half-close, then drain what the peer still sends (bounded): see lingering_close.
void GreenThread::linger() {
  ::shutdown(conn_->fd.get(), SHUT_WR);
  uint64_t deadline = hub_.reactor().refresh_now() + kLingerNs;
  while (drain_available(conn_->wait.watch) == IoStep::again) {
    if (wait(kRead, deadline) != WaitResult::ready) return;
  }
}

}  // namespace

int run_gevent_worker(WorkerContext& ctx) {
  make_room_for_connections(ctx.options.worker_connections);
  GeventWorker worker(ctx);
  return worker.run();
}

}  // namespace wpm
