// write_profile's text against the form documented in cli/profile_toml.h, read back with toml++.
#include <gtest/gtest.h>

#include <toml++/toml.h>

#include "cli/profile_toml.h"
#include "cli/values.h"

namespace wpm::cli {
namespace {

using K = Distribution::Kind;

Profile sample_profile() {
  Profile p;
  p.name = "api \"v2\"";
  Route get;
  get.path = "/api/users/{id}";
  get.weight = 61.5;
  get.cpu = {K::lognormal, 0.002, 0.02, {}, {}};
  get.io = {K::histogram, 0, 0, {0.000001, 0.0042, 0.0421234, 1.5}, {1, 49, 49, 1}};
  get.response_bytes = {K::uniform, 200, 4096, {}, {}};
  get.status_mix = {{404, 0.01}, {500, 0.005}};
  get.raise_share = 0.001;
  Route post;
  post.path = "/api/orders";
  post.method = "POST";
  post.weight = 38.5;
  post.cpu = {K::fixed, 0, 0, {}, {}};
  post.io = {K::normal, 0.25, 0.0005, {}, {}};
  post.response_bytes = {K::histogram, 0, 0, {1, 100, 300}, {1, 2, 1}};
  p.routes = {get, post};
  return p;
}

double seconds(const toml::node_view<const toml::node>& node) {
  Result<double> d = parse_duration(node.value<std::string>().value_or("?"));
  EXPECT_TRUE(d) << node;
  return d ? *d : -1;
}

TEST(WriteProfile, FollowsTheDocumentedForm) {
  std::string text = write_profile(sample_profile(), "first line\nsecond line");
  EXPECT_EQ(text.rfind("# first line\n# second line\n\n[profile]\n", 0), 0u) << text;
  toml::table t = toml::parse(text);
  EXPECT_EQ(t["profile"]["name"].value<std::string>(), "api \"v2\"");
  const toml::array& routes = *t["route"].as_array();
  ASSERT_EQ(routes.size(), 2u);
  toml::node_view<const toml::node> get{routes[0]}, post{routes[1]};
  EXPECT_EQ(get["path"].value<std::string>(), "/api/users/{id}");
  EXPECT_EQ(get["method"].value<std::string>(), "GET");
  EXPECT_EQ(get["weight"].value<double>(), 61.5);
  EXPECT_EQ(get["cpu"]["dist"].value<std::string>(), "lognormal");
  EXPECT_EQ(get["cpu"]["p50"].value<std::string>(), "2ms");
  EXPECT_DOUBLE_EQ(seconds(get["cpu"]["p99"]), 0.02);
  EXPECT_EQ(get["io"]["dist"].value<std::string>(), "histogram");
  const toml::array& bounds = *get["io"]["bounds"].as_array();
  ASSERT_EQ(bounds.size(), 4u);
  EXPECT_EQ(bounds[0].value<std::string>(), "1us");
  EXPECT_EQ(bounds[1].value<std::string>(), "4.2ms");
  EXPECT_EQ(bounds[2].value<std::string>(), "42.1234ms");
  EXPECT_EQ(bounds[3].value<std::string>(), "1.5s");
  EXPECT_EQ((*get["io"]["weights"].as_array())[1].value<int64_t>(), 49);
  EXPECT_EQ(get["response_bytes"]["min"].value<int64_t>(), 200);  // sizes: integers
  EXPECT_EQ(get["response_bytes"]["max"].value<int64_t>(), 4096);
  EXPECT_EQ(get["status"]["404"].value<double>(), 0.01);
  EXPECT_EQ(get["status"]["500"].value<double>(), 0.005);
  EXPECT_EQ(get["raise"].value<double>(), 0.001);
  EXPECT_EQ(post["method"].value<std::string>(), "POST");
  EXPECT_EQ(post["cpu"]["value"].value<std::string>(), "0s");
  EXPECT_EQ(post["io"]["mean"].value<std::string>(), "250ms");
  EXPECT_EQ(post["io"]["stddev"].value<std::string>(), "500us");
  EXPECT_EQ((*post["response_bytes"]["bounds"].as_array())[2].value<int64_t>(), 300);
  EXPECT_FALSE(post["status"]);  // nothing but 200
  EXPECT_FALSE(post["raise"]);
}

TEST(WriteProfile, BoundsKeepNanosecondsSoTheyStayAscending) {
  Profile p;
  Route r;
  r.io = {K::histogram, 0, 0, {0.004200001, 0.004200002, 2.000000001}, {1, 1, 1}};
  p.routes = {r};
  toml::table t = toml::parse(write_profile(p, ""));
  const toml::array& bounds = *t["route"][0]["io"]["bounds"].as_array();
  EXPECT_EQ(bounds[0].value<std::string>(), "4.200001ms");
  EXPECT_EQ(bounds[1].value<std::string>(), "4.200002ms");
  EXPECT_EQ(bounds[2].value<std::string>(), "2.000000001s");
}

TEST(WriteProfile, EscapesStringsAndHeaderLines) {
  Profile p;
  p.name = "a\\b\n";
  std::string text = write_profile(p, "x\n\ny\x16\r");
  EXPECT_EQ(text.rfind("# x\n#\n# y??\n", 0), 0u) << text;
  toml::table t = toml::parse(text);
  EXPECT_EQ(t["profile"]["name"].value<std::string>(), "a\\b\n");
}

}  // namespace
}  // namespace wpm::cli
