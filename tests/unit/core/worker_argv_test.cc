#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "core/options.h"

namespace wpm {
namespace {

std::vector<std::string_view> views(const std::vector<std::string>& argv) {
  return {argv.begin(), argv.end()};
}

// Every field away from its default, so a field the table dropped or misread shows.
WorkerOptions unusual() {
  WorkerOptions o;
  o.worker_class = WorkerClass::gevent;
  o.listen_fd = 7;
  o.segment_fd = 9;
  o.slot = 12;
  o.index = 3;
  o.threads = 17;
  o.worker_connections = 4321;
  o.keepalive_s = 0.1234567891;
  o.graceful_timeout_s = 2.5e-3;
  o.timeout_s = 123456.789;
  o.max_requests = 18446744073709551615ull;
  o.allow_crash = true;
  o.metrics = false;
  o.log_level = LogLevel::warning;
  o.name = "pool with spaces/and \"quotes\"";
  o.ready_fd = 11;
  return o;
}

TEST(WorkerArgv, RoundTripsEveryField) {
  WorkerOptions o = unusual();
  ASSERT_FALSE(o == WorkerOptions{});
  std::vector<std::string> argv = worker_argv(o);
  ASSERT_FALSE(argv.empty());
  EXPECT_EQ(argv.front(), "worker");
  Result<WorkerOptions> back = parse_worker_argv(views(argv));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(*back == o);
  EXPECT_EQ(back->keepalive_s, 0.1234567891);  // exact, not 6 significant digits
  EXPECT_EQ(back->name, o.name);
}

TEST(WorkerArgv, DefaultsRoundTripToo) {
  Result<WorkerOptions> back = parse_worker_argv(views(worker_argv(WorkerOptions{})));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(*back == WorkerOptions{});
}

TEST(WorkerArgv, FlagValuePairsTheMasterTestsCanRead) {
  std::vector<std::string> argv = worker_argv(unusual());
  ASSERT_EQ(argv.size() % 2, 1u);
  for (size_t i = 1; i < argv.size(); i += 2) EXPECT_TRUE(argv[i].starts_with("--")) << argv[i];
}

Result<WorkerOptions> parse_edited(size_t at, std::string value) {
  std::vector<std::string> argv = worker_argv(unusual());
  argv[at] = std::move(value);
  return parse_worker_argv(views(argv));
}

TEST(WorkerArgv, RefusesWhatTheMasterWouldNeverWrite) {
  std::vector<std::string> argv = worker_argv(unusual());
  std::vector<std::string_view> v = views(argv);
  auto message = [](const Result<WorkerOptions>& r) { return r ? "" : r.error().message; };
  EXPECT_NE(message(parse_edited(1, "--bogus")).find("unknown option '--bogus'"),
            std::string::npos);
  EXPECT_NE(message(parse_edited(2, "fibers")).find("invalid value 'fibers'"), std::string::npos);
  EXPECT_NE(message(parse_edited(4, "7x")).find("invalid value '7x'"), std::string::npos);
  EXPECT_NE(message(parse_edited(3, argv[1])).find("given twice"), std::string::npos);
  EXPECT_NE(message(parse_worker_argv(std::span(v).first(v.size() - 2))).find("missing --"),
            std::string::npos);
  EXPECT_NE(message(parse_worker_argv(std::span(v).first(v.size() - 1))).find("needs a value"),
            std::string::npos);
  Result<WorkerOptions> not_worker = parse_worker_argv(std::span(v).subspan(1));
  ASSERT_FALSE(not_worker);
  EXPECT_EQ(not_worker.error().exit_code, kExitUsage);
}

}  // namespace
}  // namespace wpm
