// wpm-worker: the worker process alone. The master execs it for every spawn and restart
// (supervisor/pool.cc worker_executable()), so it links only core and workers: a replacement
// worker starts without loading OpenSSL, the HTTP client, Boost.Process or the CLI parser.
// It takes exactly `wpm worker …`'s argv (core/worker_argv.cc).
#include <csignal>
#include <cstdio>
#include <cstring>

#include "cli/worker_command.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && std::strcmp(argv[1], "worker") == 0)
    return wpm::cli::run_worker_command({argv + 1, static_cast<size_t>(argc - 1)});
  std::fputs("wpm-worker is started by `wpm serve` (usage: wpm-worker worker --worker-class … "
             "as written by the master)\n", stderr);
  return 2;
}
