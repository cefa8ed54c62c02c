// Test helpers for the eventlet and gevent workers, on top of the shared keep-alive client.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/unit/workers/keepalive_client.h"

namespace wpm::test::aio {

inline WorkerOptions async_options(WorkerClass worker_class) {
  WorkerOptions o;
  o.worker_class = worker_class;
  o.timeout_s = 4;  // heartbeat every second at most; peers get 4 s
  o.keepalive_s = 5;
  o.graceful_timeout_s = 5;
  o.log_level = getenv("WPM_TEST_DEBUG") ? LogLevel::debug : LogLevel::warning;
  return o;
}

// A client has a response before the worker records it (the count follows the write): wait
// until n requests are recorded and none is in flight, then return the snapshot.
inline WorkerSnapshot settled(const WorkerProcess& w, uint64_t n) {
  eventually([&] {
    WorkerSnapshot s = w.snapshot();
    return s.requests >= n && s.in_flight == 0;
  });
  return w.snapshot();
}

// A line of /proc/<pid>/status as a number ("Threads", "VmRSS" in kB); 0 if missing.
inline uint64_t proc_status_value(pid_t pid, std::string_view key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
        line[key.size()] == ':')
      return std::stoull(line.substr(key.size() + 1));
  return 0;
}

}  // namespace wpm::test::aio

namespace wpm::test {

// The eventlet and gevent workers share one suite of behaviour tests (async_worker_*_test.cc);
// eventlet_worker_test.cc and gevent_worker_test.cc instantiate it for their class.
class AsyncWorker : public ::testing::TestWithParam<WorkerClass> {
 protected:
  WorkerOptions options() const { return aio::async_options(GetParam()); }
};

}  // namespace wpm::test
