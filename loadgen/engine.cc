#include "loadgen/engine.h"

#include <netdb.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>

#include "core/clock.h"
#include "core/fd_limit.h"
#include "core/log.h"
#include "loadgen/client_thread.h"
#include "loadgen/run_shared.h"

namespace wpm::loadgen {
namespace {

Status resolve(RunShared& shared) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  std::string port = std::to_string(shared.spec.port);
  int rc = getaddrinfo(shared.spec.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0 || list == nullptr) {
    return Error{"loadgen: cannot resolve '" + shared.spec.host + "': " + gai_strerror(rc)};
  }
  std::memcpy(&shared.address, list->ai_addr, list->ai_addrlen);
  shared.address_len = list->ai_addrlen;
  freeaddrinfo(list);
  return {};
}

// https: the context every thread uses, then one handshake before any thread starts, so an
// untrusted certificate stops the run at once with the reason.
Status prepare_tls(RunShared& shared) {
  const LoadSpec& spec = shared.spec;
  if (!spec.tls) return {};
  Result<std::unique_ptr<TlsContext>> ctx = TlsContext::create({spec.host, spec.tls_verify, spec.ca_file});
  if (!ctx) return ctx.error();
  shared.tls = std::move(*ctx);
  double timeout = std::min(spec.connect_timeout_s, spec.request_timeout_s);
  Result<TlsProbe> probe = probe_tls(*shared.tls, shared.address, shared.address_len, timeout);
  if (!probe) return probe.error();
  shared.tls_probe = *probe;
  return {};
}

// Each connection needs a descriptor: raise the soft limit if the hard one allows, otherwise
// say so up front rather than counting thousands of EMFILE "connect errors".
Status ensure_fd_limit(uint32_t connections) {
  constexpr uint64_t kSpare = 64;  // epoll, eventfds, the caller's own files
  uint64_t needed = connections + kSpare;
  Result<FdLimit> limit = raise_fd_limit(needed);
  if (!limit) return Error{"loadgen: " + limit.error().message};
  if (limit->soft >= needed) return {};
  return Error{"loadgen: " + std::to_string(connections) +
                   " connections exceed the open-file limit (" + std::to_string(limit->hard) +
                   "); raise it with ulimit -n",
               kExitUsage};
}

// Timeline slots a thread may fill: the window, the longest drain, and slack. Each holds a
// coarse histogram (about 10 KB), so 100 ms slots cost about 100 KB per thread and second.
size_t timeline_slots(const LoadSpec& spec) {
  double drain = std::min(spec.connect_timeout_s, spec.request_timeout_s) + spec.request_timeout_s + 0.1;
  double seconds = std::ceil(spec.duration_s) + std::ceil(drain) + 2;
  return static_cast<size_t>(std::ceil(seconds / spec.timeline_interval_s));
}

}  // namespace

const char* to_string(Progress::Phase phase) {
  switch (phase) {
    case Progress::Phase::warmup: return "warmup";
    case Progress::Phase::measuring: return "measuring";
    case Progress::Phase::draining: return "draining";
    case Progress::Phase::done: return "done";
  }
  return "?";
}

Result<std::unique_ptr<LoadRun>> LoadRun::start(const LoadSpec& spec) {
  if (Status valid = validate(spec); !valid) return valid.error();
  std::unique_ptr<LoadRun> run(new LoadRun());
  run->shared_ = std::make_unique<RunShared>(spec);
  RunShared& shared = *run->shared_;
  shared.spec.threads = std::min(spec.threads, spec.connections);
  if (Status ok = resolve(shared); !ok) return ok.error();
  if (Status ok = prepare_tls(shared); !ok) return ok.error();
  if (Status ok = ensure_fd_limit(spec.connections); !ok) return ok.error();
  if (Status ok = run->launch(); !ok) return ok.error();
  return run;
}

Status LoadRun::launch() {
  RunShared& shared = *shared_;
  const LoadSpec& spec = shared.spec;
  uint32_t n = spec.threads;
  uint32_t conns_before = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t conns = spec.connections / n + (i < spec.connections % n ? 1 : 0);
    double rate = spec.rate * conns / spec.connections;  // equal pressure per connection
    uint64_t quota = UINT64_MAX;
    if (spec.max_requests > 0) {  // shares by connections; they sum to max_requests exactly
      auto share_until = [&spec](uint64_t c) {  // floor(max * c / connections), no overflow
        uint64_t whole = spec.max_requests / spec.connections, rest = spec.max_requests % spec.connections;
        return whole * c + rest * c / spec.connections;
      };
      quota = share_until(conns_before + conns) - share_until(conns_before);
    }
    conns_before += conns;
    clients_.push_back(std::make_unique<ClientThread>(shared, i, conns, rate, timeline_slots(spec), quota));
    if (Status ok = clients_.back()->init(); !ok) return ok;
  }
  shared.gate_action = [this] { gate_reached(); };
  shared.gate = std::make_unique<std::barrier<PhaseGate>>(n, PhaseGate{&shared.gate_action});
  shared.start_ns = monotonic_ns();
  for (uint32_t i = 0; i < n; ++i) {
    try {
      threads_.emplace_back([this, i] {
        clients_[i]->run();
        finish_thread();
      });
    } catch (const std::exception& e) {
      stop();
      for (uint32_t missing = i; missing < n; ++missing) shared.gate->arrive_and_drop();
      for (std::thread& t : threads_) t.join();
      joined_ = true;
      return Error{std::string("loadgen: cannot start a client thread: ") + e.what()};
    }
  }
  return {};
}

// On the last thread to reach the gate, with nothing in flight anywhere.
void LoadRun::gate_reached() {
  RunShared& shared = *shared_;
  if (shared.stop.load()) return;  // stopped during warm-up: no measured phase
  if (shared.spec.before_measure) {
    try {
      shared.spec.before_measure();
    } catch (const std::exception& e) {
      log_error("loadgen: before_measure callback failed: ", e.what());
    }
  }
  shared.measured_start_ns.store(monotonic_ns(), std::memory_order_release);
  shared.measured.store(true, std::memory_order_release);
}

void LoadRun::finish_thread() {
  std::lock_guard<std::mutex> lock(mu_);
  ++finished_;
  cv_.notify_all();
}

LoadRun::~LoadRun() {
  if (!joined_ && !threads_.empty()) {
    stop();
    for (std::thread& t : threads_) t.join();
  }
}

void LoadRun::stop() {
  if (!shared_->stop.exchange(true)) shared_->stop_ns.store(monotonic_ns());
  for (const auto& client : clients_) client->wake();
}

bool LoadRun::wait_for(double timeout_s) {
  std::unique_lock<std::mutex> lock(mu_);
  auto timeout = std::chrono::duration<double>(std::max(0.0, timeout_s));
  return cv_.wait_for(lock, timeout, [this] { return finished_ == threads_.size(); });
}

LoadResult LoadRun::wait() {
  if (!joined_) {
    for (std::thread& t : threads_) t.join();
    joined_ = true;
    result_ = merge();
  }
  return result_;
}

double LoadRun::measured_start_monotonic_s() const {
  return ns_to_seconds(shared_->measured_start_ns.load(std::memory_order_acquire));
}

const LoadSpec& LoadRun::spec() const { return shared_->spec; }

}  // namespace wpm::loadgen
