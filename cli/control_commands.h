// `wpm signal`, `wpm status` and `wpm check-metrics`: thin front ends over the supervisor's
// control API and the exposition checker, their flags declared in option tables.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli/flag_model.h"
#include "core/metric_table.h"
#include "supervisor/control.h"

namespace wpm::cli {

struct SignalOptions {
  std::string name = "wpm";
  int32_t pid = 0;     // when set, wins over name
  std::string worker;  // index, worker_id or pid; "" = the master
  bool wait = false;
  double wait_timeout_s = 30;
};

struct StatusOptions {
  std::string name = "wpm";
  int32_t pid = 0;
  bool json = false;
  // For --pid of a pool wpm did not start (seen through /proc): its /metrics, for requests.
  std::string metrics;
  std::string requests_metric = metric_name(MetricId::worker_requests, kDefaultPrefix);
};

OptionTable<SignalOptions> signal_option_table();
OptionTable<StatusOptions> status_option_table();

struct SignalCommand {
  std::string signal;  // the positional SIGNAL
  SignalOptions options;
  OptionTable<SignalOptions> table = signal_option_table();
  CLI::App* app = nullptr;
};

struct StatusCommand {
  StatusOptions options;
  OptionTable<StatusOptions> table = status_option_table();
  CLI::App* app = nullptr;
};

void add_signal_command(CLI::App& root, SignalCommand& cmd);
int run_signal(SignalCommand& cmd);
void add_status_command(CLI::App& root, StatusCommand& cmd);
int run_status(StatusCommand& cmd);

}  // namespace wpm::cli
