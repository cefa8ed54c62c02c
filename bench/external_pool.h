// Pools the bench attaches to instead of starting: `--pool-pid` (any pre-fork master, e.g.
// Gunicorn, seen through /proc: proc_pool.h) and `--pool-name` (a `wpm serve` started
// elsewhere, found by its state file). The bench signals and scrapes them like its own pools
// but never stops them.
#pragma once

#include <memory>
#include <string>

#include "bench/pool.h"
#include "bench/proc_pool.h"

namespace wpm::bench {

// The samples of `requests_metric` in an exposition, summed, and per worker: keyed by the
// value of the first of the labels worker_id, pid, worker_pid, worker a sample carries.
struct RequestSeries {
  double total = 0;
  std::map<std::string, double> by_worker;
};
RequestSeries parse_request_series(const std::string& exposition, const std::string& requests_metric);

// A master found by pid: its workers from /proc, figures from its /metrics (`requests_metric`
// per worker pid, summed for reconciliation) and RSS/CPU from /proc.
class ExternalPool final : public Pool {
 public:
  static Result<std::unique_ptr<ExternalPool>> attach(const BenchOptions& options);

  std::string base_url() const override { return base_url_; }
  std::string metrics_url() const override { return metrics_url_; }
  Result<PoolMetrics> scrape() override;
  Result<PoolState> state() override;
  // Resolves worker=K (or the master) on a fresh look and checks pid, start time and parent
  // before signalling (VerifiedProcess).
  Result<supervisor::Delivery> signal(const InjectSpec& spec) override;
  Status stop() override { return {}; }  // not ours to stop

 private:
  ExternalPool(ProcPool procs, const BenchOptions& o);

  ProcPool procs_;
  std::string base_url_, metrics_url_, requests_metric_;
  std::map<std::string, WorkerRow> last_seen_;  // by worker_id (pid): the last live look
};

// A `wpm serve` started elsewhere, by name: its state file says where it listens and which
// pid holds which index, as for an own pool.
class NamedPool final : public Pool {
 public:
  static Result<std::unique_ptr<NamedPool>> attach(const BenchOptions& options);

  std::string base_url() const override { return base_url_; }
  std::string metrics_url() const override { return metrics_url_; }
  Result<PoolMetrics> scrape() override;
  Result<PoolState> state() override { return read_state_file(name_); }
  Result<supervisor::Delivery> signal(const InjectSpec& spec) override;
  Status stop() override { return {}; }

 private:
  std::string name_, prefix_, base_url_, metrics_url_;
};

// Resolves `worker` in a pool seen through /proc (an index, else a pid; none = the master),
// checks the target's pid, start time and parent, and signals it; does not wait.
Result<supervisor::Delivery> signal_proc_pool(const PoolState& pool, ControlSignal signal,
                                              const std::optional<std::string>& worker);

// `wpm status --pid` for a pool wpm did not start: one look through /proc, with each
// worker's requests from `metrics_url` when given.
Result<PoolState> proc_pool_status(int32_t master_pid, const std::string& metrics_url,
                                   const std::string& requests_metric);
// `wpm signal --pid` for such a pool; with `wait_s`, until the effect shows (EffectWatch on
// successive looks) or that long passes.
Result<supervisor::SignalOutcome> send_proc_pool_signal(int32_t master_pid, ControlSignal signal,
                                                        const std::optional<std::string>& worker,
                                                        std::optional<double> wait_s);

// The attached pool --pool-pid or --pool-name names.
Result<std::unique_ptr<Pool>> attach_pool(const BenchOptions& options);
// The metric-name prefix of a wpm pool whose requests metric is `requests_metric`
// ("gunicorn" for gunicorn_worker_requests_total); "" when it is not of that form.
std::string prefix_of_requests_metric(const std::string& requests_metric);

}  // namespace wpm::bench
