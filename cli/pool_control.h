// Finding a running pool and sending it control signals. `wpm signal`, `wpm status` and the
// bench's fault injection all go through here, so an injected abort is exactly what a user's
// `wpm signal abort --worker 0` does.
#pragma once

#include <optional>
#include <string>

#include "core/names.h"
#include "core/result.h"
#include "core/state_file.h"

namespace wpm::cli {

struct PoolRef {
  std::string name = "wpm";
  int32_t master_pid = 0;  // when set, wins over name
};

struct SignalRequest {
  PoolRef pool;
  ControlSignal signal = ControlSignal::quit;
  std::optional<std::string> worker;  // index, worker_id or pid; none = the master
  bool wait = false;
  double wait_timeout_s = 30;
};

struct SignalOutcome {
  int32_t pid = 0;           // who received the signal
  std::string target;        // "master" or "worker 0 (worker_3_…)"
  std::string effect;        // what --wait observed
  double waited_s = 0;
};

Result<PoolState> find_pool(const PoolRef& ref);
Result<ControlSignal> parse_signal(std::string text);
Result<SignalOutcome> send_signal(const SignalRequest& request);

}  // namespace wpm::cli
