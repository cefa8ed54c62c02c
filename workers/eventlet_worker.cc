// The eventlet worker (the exporter's PrometheusEventletWorker): one thread, the epoll
// reactor, and one C++20 coroutine per connection. Every wait — a socket direction, the
// io_us of a plan, /sleep — is a co_await on the connection's Wait, so thousands of slow
// requests share the thread; cpu_us spins inside the coroutine and blocks the whole loop,
// which is the point: the heartbeat stops moving and the master's timeout sees it.
//
// An idle keep-alive connection costs its coroutine frame and its ConnBase, a few hundred
// bytes: the parser buffer and the Exchange (a Session) are borrowed from a pool only while
// a request is in hand.
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <vector>

#include "workers/eventlet_task.h"
#include "workers/exchange.h"
#include "workers/reactor_loop.h"

namespace wpm {
namespace {

using aio::WaitResult;
using eventlet::Co;

constexpr int kRead = static_cast<int>(aio::Dir::read);
constexpr int kWrite = static_cast<int>(aio::Dir::write);
constexpr int kNoFd = -1;  // a pure timer wait
constexpr size_t kTrimAfterFreeing = 256;  // sessions freed at once before a malloc_trim

// What a connection needs only while a request is in hand.
struct Session {
  Session(const app::SyntheticApp& app, PrometheusMixin& metrics, http::BodyBudget& budget)
      : exchange(app, metrics) {
    parser.use_budget(&budget);
  }
  http::RequestParser parser;
  Exchange exchange;
};

class SessionPool {
 public:
  SessionPool(const app::SyntheticApp& app, PrometheusMixin& metrics, uint64_t max_body_buffer)
      : app_(app), metrics_(metrics), budget_(max_body_buffer) {}
  std::unique_ptr<Session> take() {
    policy_.note_in_use(++in_use_);
    if (spare_.empty()) return std::make_unique<Session>(app_, metrics_, budget_);
    std::unique_ptr<Session> s = std::move(spare_.back());
    spare_.pop_back();
    return s;
  }
  void give(std::unique_ptr<Session> s) {
    --in_use_;
    s->parser.reset();
    spare_.push_back(std::move(s));
  }
  void trim(uint64_t now_ns) {
    size_t keep = policy_.allowance(now_ns, in_use_);
    if (spare_.size() <= keep) return;
    size_t freed = spare_.size() - keep;
    spare_.resize(keep);
    if (freed >= kTrimAfterFreeing) release_free_memory();
  }

 private:
  const app::SyntheticApp& app_;
  PrometheusMixin& metrics_;
  http::BodyBudget budget_;  // every session's bodies together
  std::vector<std::unique_ptr<Session>> spare_;
  size_t in_use_ = 0;
  SparePolicy policy_;
};

struct EvConn final : ConnBase {
  using ConnBase::ConnBase;
  std::optional<Co<bool>> task;  // the connection's coroutine, done before it is freed
};

// `co_await WaitFor(...)`: suspends the coroutine on its connection's one Wait. Ready
// readiness, a passed deadline or a hard stop complete it without suspending.
class WaitFor final : public aio::Task {
 public:
  WaitFor(AsyncServer& server, ConnBase& conn, int dir, uint64_t deadline_ns)
      : server_(server), conn_(conn), dir_(dir), deadline_ns_(deadline_ns) {}

  bool await_ready() noexcept {
    if (server_.hard_stopped()) result_ = WaitResult::cancelled;
    else if (dir_ >= 0 && conn_.wait.watch.ready[dir_]) result_ = WaitResult::ready;
    else if (deadline_ns_ <= server_.reactor().now()) result_ = WaitResult::timeout;
    else return false;
    return true;
  }
  void await_suspend(std::coroutine_handle<> h) noexcept {
    handle_ = h;
    server_.reactor().suspend(conn_.wait, this, dir_, deadline_ns_);
  }
  WaitResult await_resume() const noexcept { return result_; }

  void wake(WaitResult result) override {
    server_.reactor().settle(conn_.wait);
    result_ = result;
    handle_.resume();  // `this` lives in the frame: not touched after this line
  }

 private:
  AsyncServer& server_;
  ConnBase& conn_;
  int dir_;
  uint64_t deadline_ns_;
  std::coroutine_handle<> handle_;
  WaitResult result_ = WaitResult::cancelled;
};

class EventletWorker final : public AsyncServer {
 public:
  explicit EventletWorker(WorkerContext& ctx)
      : AsyncServer(ctx), sessions_(ctx.app, metrics(), ctx.options.max_body_buffer) {}

 protected:
  void serve_new(UniqueFd socket) override {
    auto* conn = new EvConn(std::move(socket));
    if (!attach(*conn)) {
      delete conn;
      return;
    }
    conn->task.emplace(serve(*conn));
  }
  void destroy(ConnBase* conn) override { delete static_cast<EvConn*>(conn); }
  void after_turn() override { sessions_.trim(reactor().now()); }

 private:
  WaitFor wait_for(ConnBase& c, int dir, uint64_t deadline_ns) {
    return WaitFor(*this, c, dir, deadline_ns);
  }
  Co<bool> serve(EvConn& c);
  Co<bool> serve_requests(EvConn& c, Session& s);
  Co<bool> handle(EvConn& c, Session& s);
  Co<bool> write_response(EvConn& c, Exchange& exchange);
  Co<bool> send_continue(EvConn& c, uint64_t deadline_ns);
  Co<bool> linger(EvConn& c);

  SessionPool sessions_;
};

// The connection's life: wait idle (no buffer held) for a request, serve what arrives,
// repeat while keep-alive lasts.
Co<bool> EventletWorker::serve(EvConn& c) {
  for (;;) {
    WaitResult r = co_await wait_for(c, kRead, idle_deadline(c));
    if (r == WaitResult::cancelled && !hard_stopped()) continue;  // a stop moved the deadline
    if (r != WaitResult::ready) break;
    set_idle(c, false);
    std::unique_ptr<Session> session = sessions_.take();
    bool keep = co_await serve_requests(c, *session);
    sessions_.give(std::move(session));
    if (!keep) break;
    set_idle(c, true);
  }
  retire(c);
  co_return true;
}

// Reads and answers requests until the parser is empty again (true: back to idle) or the
// connection must close (false).
Co<bool> EventletWorker::serve_requests(EvConn& c, Session& s) {
  http::RequestParser& parser = s.parser;
  uint64_t deadline = io_deadline();  // a whole request must arrive within the I/O timeout
  for (;;) {
    IoStep step = read_available(c.wait.watch, parser);
    if (step == IoStep::closed) co_return false;
    if (step == IoStep::done) {
      bool keep = co_await handle(c, s);
      if (!keep) co_return false;
      deadline = io_deadline();
      continue;
    }
    if (!parser.started()) co_return true;
    if (parser.expects_continue()) {
      bool sent = co_await send_continue(c, deadline);
      if (!sent) co_return false;
      parser.continue_sent();
      continue;
    }
    WaitResult r = co_await wait_for(c, kRead, deadline);
    if (r != WaitResult::ready) co_return false;  // a slow client, or a hard stop
  }
}

// One parsed request (or parse error): run the plan, write the response, record it.
Co<bool> EventletWorker::handle(EvConn& c, Session& s) {
  http::RequestParser& parser = s.parser;
  Exchange& exchange = s.exchange;
  bool parse_error = parser.status() == http::ParseStatus::error;
  if (parse_error) {
    exchange.begin_error(parser);
  } else {
    const app::Plan& plan = exchange.begin(parser.request());
    if (!exchange.failed()) {
      exchange.run_cpu_part();  // blocks the loop, by design
      if (plan.io_us > 0) {
        uint64_t until = reactor().refresh_now() + plan.io_us * 1000;
        WaitResult r = co_await wait_for(c, kNoFd, until);
        if (r != WaitResult::timeout) co_return false;  // hard stop: the request is lost
      }
    }
    exchange.respond(parser.request(), keep_alive_allowed());
  }
  IoStep step = write_available(c.wait.watch, exchange);
  bool written = step == IoStep::done;
  if (step == IoStep::again) written = co_await write_response(c, exchange);
  exchange.finish();
  request_done(c);
  if (!written || !exchange.response().keep_alive()) {
    if (written && (parse_error || parser.pipelined() > 0)) co_await linger(c);
    co_return false;
  }
  parser.next();
  co_return true;
}

Co<bool> EventletWorker::write_response(EvConn& c, Exchange& exchange) {
  uint64_t deadline = io_deadline();
  for (;;) {
    IoStep step = write_available(c.wait.watch, exchange);
    if (step != IoStep::again) co_return step == IoStep::done;
    WaitResult r = co_await wait_for(c, kWrite, deadline);
    if (r != WaitResult::ready) co_return false;
  }
}

Co<bool> EventletWorker::send_continue(EvConn& c, uint64_t deadline_ns) {
  std::string_view rest = http::kContinueResponse;
  for (;;) {
    IoStep step = send_available(c.wait.watch, rest);
    if (step != IoStep::again) co_return step == IoStep::done;
    WaitResult r = co_await wait_for(c, kWrite, deadline_ns);
    if (r != WaitResult::ready) co_return false;
  }
}

// Half-close, then drain what the peer still sends (bounded), so unread request bytes do
// not turn our close into a RST that destroys the response in flight.
Co<bool> EventletWorker::linger(EvConn& c) {
  ::shutdown(c.fd.get(), SHUT_WR);
  uint64_t deadline = reactor().refresh_now() + kLingerNs;
  for (;;) {
    if (drain_available(c.wait.watch) != IoStep::again) co_return true;
    WaitResult r = co_await wait_for(c, kRead, deadline);
    if (r != WaitResult::ready) co_return true;
  }
}

}  // namespace

int run_eventlet_worker(WorkerContext& ctx) {
  make_room_for_connections(ctx.options.worker_connections);
  EventletWorker worker(ctx);
  return worker.run();
}

}  // namespace wpm
