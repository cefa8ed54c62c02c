// Costs the master pays per tick or per scrape: /proc sampling of N workers, the state file's
// JSON, a full GET /metrics through the endpoint, and spawning a process.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/exposition.h"
#include "core/slot_ops.h"
#include "core/snapshot.h"
#include "core/state_file.h"
#include "supervisor/metrics_server.h"
#include "supervisor/proc_sampler.h"
#include "supervisor/spawner.h"
#include "supervisor/state_writer.h"

namespace wpm::supervisor {
namespace {

// N busy-looking slots: every family has samples, like a pool under load.
Segment populated_segment(uint32_t workers) {
  Result<Segment> seg = Segment::create(workers);
  if (!seg) std::abort();
  for (uint32_t i = 0; i < workers; ++i) {
    WorkerSlot& slot = seg->slot(i);
    claim_slot(slot, i, i + 1, getpid());
    set_state(slot.hot, WorkerState::running);
    for (int r = 0; r < 100; ++r) record_request(slot.hot, 1000u * r, 200, 2000u * r);
    count_failure(slot, "GET", "/error", "RuntimeError", 1, 1);
  }
  return std::move(*seg);
}

void BM_ProcSamplerSample(benchmark::State& state) {
  Segment seg = populated_segment(static_cast<uint32_t>(state.range(0)));
  ProcSampler sampler;
  for (auto _ : state) sampler.sample(seg, monotonic_ns());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ProcSamplerSample)->Arg(4)->Arg(64)->Unit(benchmark::kMicrosecond);

void BM_StateFileJson(benchmark::State& state) {
  Segment seg = populated_segment(64);
  PoolIdentity id{"bench", getpid(), "sync", "127.0.0.1:8000", "127.0.0.1:9095"};
  for (auto _ : state) {
    std::string json = to_json(make_pool_state(id, take_snapshot(seg)), 2);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_StateFileJson)->Unit(benchmark::kMicrosecond);

std::string get(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string raw;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const char req[] = "GET /metrics HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) > 0) {
      char buf[65536];
      ssize_t n;
      while ((n = recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return raw;
}

// One scrape as Prometheus does it: connect, GET /metrics for 64 workers, read to the end.
void BM_ScrapeOverHttp(benchmark::State& state) {
  Segment seg = populated_segment(64);
  MetricsHandlers handlers{[&] { return render_prometheus(take_snapshot(seg), "gunicorn"); },
                           [] { return true; }};
  Result<std::unique_ptr<MetricsServer>> server = MetricsServer::start({"127.0.0.1", 0}, handlers);
  if (!server) {
    state.SkipWithError(server.error().message.c_str());
    return;
  }
  uint16_t port = (*server)->address().port;
  size_t bytes = 0;
  for (auto _ : state) bytes += get(port).size();
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ScrapeOverHttp)->Unit(benchmark::kMicrosecond);

// fork + exec through Boost.Process (with the fd and signal hygiene) and reaping.
void BM_SpawnAndReap(benchmark::State& state) {
  for (auto _ : state) {
    Result<pid_t> pid = spawn_process({"/bin/true", {}, {}});
    if (!pid) {
      state.SkipWithError(pid.error().message.c_str());
      return;
    }
    waitpid(*pid, nullptr, 0);
  }
}
BENCHMARK(BM_SpawnAndReap)->Unit(benchmark::kMicrosecond)->Iterations(200);

}  // namespace
}  // namespace wpm::supervisor
