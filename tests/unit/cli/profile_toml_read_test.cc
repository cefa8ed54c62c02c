// The TOML reader of workload profiles: the documented form reads back into the model, and
// every mistake is reported at file:line:col with the key it concerns.
#include <gtest/gtest.h>

#include <string>

#include "cli/profile_toml.h"

namespace wpm::cli {
namespace {

using K = Distribution::Kind;

std::string error_of(const std::string& text) {
  Result<Profile> p = parse_profile(text, "p.toml");
  EXPECT_FALSE(p.ok());
  if (p.ok()) return "";
  EXPECT_EQ(p.error().exit_code, kExitUsage);
  return p.error().message;
}

TEST(ProfileTomlRead, ReadsEveryForm) {
  Result<Profile> p = parse_profile(R"(
[profile]
name = "api"

[[route]]
path = "/api/users/{id}"
method = "GET"
weight = 60
cpu = { dist = "lognormal", p50 = "2ms", p99 = "20ms" }
io = { dist = "fixed", value = "5ms" }
response_bytes = { dist = "uniform", min = 200, max = "4KiB" }
status = { 500 = 0.005, 404 = 0.01 }
raise = 0.001

[[route]]
path = "/search"
method = "POST"
cpu = { dist = "normal", mean = 0.003, stddev = "1ms" }
io = { dist = "histogram", bounds = ["1ms", "10ms", 0.1], weights = [5, 3, 2] }
response_bytes = "1KiB"

[[route]]
path = "/health"
)", "p.toml");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->name, "api");
  ASSERT_EQ(p->routes.size(), 3u);
  const Route& users = p->routes[0];
  EXPECT_EQ(users.path, "/api/users/{id}");
  EXPECT_EQ(users.weight, 60);
  EXPECT_EQ(users.cpu, (Distribution{K::lognormal, 0.002, 0.020, {}, {}}));
  EXPECT_EQ(users.io, (Distribution{K::fixed, 0.005, 0, {}, {}}));
  EXPECT_EQ(users.response_bytes, (Distribution{K::uniform, 200, 4096, {}, {}}));
  ASSERT_EQ(users.status_mix.size(), 2u);
  // Ordered by status code, whatever the order in the file.
  EXPECT_EQ(users.status_mix[0], (StatusShare{404, 0.01}));
  EXPECT_EQ(users.status_mix[1], (StatusShare{500, 0.005}));
  EXPECT_DOUBLE_EQ(users.raise_share, 0.001);
  const Route& search = p->routes[1];
  EXPECT_EQ(search.method, "POST");
  EXPECT_EQ(search.cpu, (Distribution{K::normal, 0.003, 0.001, {}, {}}));
  EXPECT_EQ(search.io, (Distribution{K::histogram, 0, 0, {0.001, 0.010, 0.1}, {5, 3, 2}}));
  EXPECT_EQ(search.response_bytes, (Distribution{K::fixed, 1024, 0, {}, {}}));
  const Route& health = p->routes[2];
  EXPECT_EQ(health.method, "GET");
  EXPECT_EQ(health.weight, 1);
  EXPECT_EQ(health.cpu, Distribution{});
  EXPECT_EQ(health.response_bytes, Route{}.response_bytes);
}

TEST(ProfileTomlRead, ValidationErrorsPointAtTheValue) {
  std::string e = error_of(R"([[route]]
path = "/a"
[[route]]
path = "/b"
cpu = { dist = "lognormal", p50 = "20ms", p99 = "10ms" }
)");
  EXPECT_EQ(e.rfind("p.toml:5:49: 'route[1].cpu.p99': must be >= p50", 0), 0u) << e;
}

TEST(ProfileTomlRead, ConversionErrorsPointAtTheValue) {
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nio = { dist = \"fixed\", value = \"5 parsecs\" }\n")
                .rfind("p.toml:3:32: 'route[0].io.value': ", 0),
            0u);
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nio = { dist = \"gamma\", value = 1 }\n")
                .rfind("p.toml:3:15: 'route[0].io.dist': expected one of fixed", 0),
            0u);
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nio = { dist = \"uniform\", min = 1 }\n")
                .rfind("p.toml:3:6: 'route[0].io': missing field 'max'", 0),
            0u);
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nio = { dist = \"uniform\", min = 1, p99 = 2 }\n")
                .rfind("p.toml:3:", 0),
            0u);
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nstatus = { 999 = 0.1 }\n")
                .rfind("p.toml:3:", 0),
            0u);
  EXPECT_NE(error_of("[[route]]\npath = \"/a\"\nstatus = { 999 = 0.1 }\n")
                .find("'route[0].status.999'"),
            std::string::npos);
  EXPECT_EQ(error_of("[[route]]\npath = \"/a\"\nwieght = 3\n").rfind("p.toml:3:10: 'route[0].wieght': unknown key", 0),
            0u);
  EXPECT_EQ(error_of("[[route]]\nmethod = \"GET\"\n").rfind("p.toml:1:1: 'route[0]': missing key 'path'", 0),
            0u);
  EXPECT_EQ(error_of("[server]\nx = 1\n").rfind("p.toml:1:1: 'server': unknown table", 0), 0u);
  EXPECT_EQ(error_of("[profile]\nname = \"x\"\n").rfind("p.toml: 'route': a profile needs", 0), 0u);
}

TEST(ProfileTomlRead, SyntaxErrorsHaveAPosition) {
  std::string e = error_of("[[route]]\npath = \"/a\n");
  EXPECT_EQ(e.rfind("p.toml:2:", 0), 0u) << e;
}

TEST(ProfileTomlRead, MissingFileIsAUsageError) {
  Result<Profile> p = read_profile_file("/nonexistent/profile.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().exit_code, kExitUsage);
  EXPECT_NE(p.error().message.find("/nonexistent/profile.toml"), std::string::npos);
}

TEST(ProfileTomlRead, TheShippedExampleIsValid) {
  Result<Profile> p = read_profile_file(std::string(WPM_SOURCE_DIR) + "/examples/profiles/api.toml");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_GE(p->routes.size(), 5u);
}

}  // namespace
}  // namespace wpm::cli
