// `wpm signal` and `wpm status`: thin front ends over the supervisor's control API.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "supervisor/control.h"

namespace wpm::cli {

using supervisor::PoolRef;
using supervisor::SignalRequest;

struct SignalCommand {
  std::string signal;
  SignalRequest request;
  std::string worker;
  CLI::App* app = nullptr;
};

struct StatusCommand {
  PoolRef pool;
  bool json = false;
  CLI::App* app = nullptr;
};

void add_signal_command(CLI::App& root, SignalCommand& cmd);
int run_signal(SignalCommand& cmd);
void add_status_command(CLI::App& root, StatusCommand& cmd);
int run_status(StatusCommand& cmd);

}  // namespace wpm::cli
