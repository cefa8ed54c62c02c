// Request serialization (method, headers, body), header and weighted-path parsing, and the
// -n request budget: exact counts, split over threads, no allocation on the request path.
#include <gtest/gtest.h>

#include <string>

#include "loadgen/load_spec.h"
#include "loadgen/request_mix.h"
#include "tests/unit/loadgen/alloc_counter.h"
#include "tests/unit/loadgen/engine_helpers.h"

namespace wpm::loadgen::testing {
namespace {

LoadSpec base_spec() {
  LoadSpec spec;
  spec.host = "127.0.0.1";
  spec.port = 8080;
  return spec;
}

TEST(RequestMix, GetHasNoBodyHeaders) {
  RequestMix mix(base_spec());
  ASSERT_EQ(mix.requests.size(), 1u);
  EXPECT_EQ(mix.requests[0],
            "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wpm-loadgen\r\nAccept: */*\r\n\r\n");
}

TEST(RequestMix, PostWithHeadersAndBody) {
  LoadSpec spec = base_spec();
  spec.method = "POST";
  spec.paths = {"/api/items", "/b"};
  spec.headers = {"X-One:  first value ", "Content-Type: application/json", "user-agent: probe/1"};
  spec.body = "{\"a\":1}";
  RequestMix mix(spec);
  ASSERT_EQ(mix.requests.size(), 2u);
  EXPECT_EQ(mix.requests[0],
            "POST /api/items HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: probe/1\r\nAccept: */*\r\n"
            "Content-Type: application/json\r\nX-One: first value\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
  EXPECT_EQ(mix.requests[1].substr(0, 19), "POST /b HTTP/1.1\r\nH");
  EXPECT_EQ(mix.requests[0].substr(mix.requests[0].find("\r\nHost")),
            mix.requests[1].substr(mix.requests[1].find("\r\nHost")));
}

TEST(RequestMix, BodyWithGetAndEmptyPost) {
  LoadSpec spec = base_spec();
  spec.body = "xyz";
  spec.keepalive = false;
  std::string get = RequestMix(spec).requests[0];
  EXPECT_NE(get.find("\r\nContent-Type: application/octet-stream\r\n"), std::string::npos);
  EXPECT_NE(get.find("\r\nConnection: close\r\nContent-Length: 3\r\n\r\nxyz"), std::string::npos) << get;
  spec.body.clear();
  spec.method = "PUT";
  std::string put = RequestMix(spec).requests[0];
  EXPECT_EQ(put.substr(put.size() - 21), "Content-Length: 0\r\n\r\n");
}

TEST(RequestMix, HostHeaderReplacesTheDefault) {
  LoadSpec spec = base_spec();
  spec.headers = {"host: api.example"};
  std::string r = RequestMix(spec).requests[0];
  EXPECT_NE(r.find("\r\nHost: api.example\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("8080"), std::string::npos) << r;
}

// A profile's mix: each path its own method; labels (route templates) are for reports only.
TEST(RequestMix, PerPathMethods) {
  LoadSpec spec = base_spec();
  spec.paths = {"/users/1", "/users"};
  spec.methods = {"GET", "POST"};
  spec.labels = {"GET /users/{id}", "POST /users"};
  ASSERT_TRUE(validate(spec));
  RequestMix mix(spec);
  ASSERT_EQ(mix.requests.size(), 2u);
  EXPECT_EQ(mix.requests[0].rfind("GET /users/1 HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(mix.requests[1].rfind("POST /users HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(mix.requests[0].find("Content-Length"), std::string::npos);
  EXPECT_NE(mix.requests[1].find("Content-Length: 0\r\n"), std::string::npos);

  spec.methods = {"GET"};
  EXPECT_FALSE(validate(spec));
  spec.methods = {"GET", "BAD METHOD"};
  EXPECT_FALSE(validate(spec));
  spec.methods = {};
  spec.labels = {"only one"};
  EXPECT_FALSE(validate(spec));
}

TEST(LoadSpecHeaders, ValidatedBeforeARun) {
  LoadSpec spec = base_spec();
  for (const char* ok : {"X-A: b", "X-Empty:", "a!#$%&'*+-.^_`|~1: v:w"}) {
    spec.headers = {ok};
    EXPECT_TRUE(validate(spec)) << ok;
  }
  for (const char* bad : {"NoColon", ": v", "Bad Name: v", "X-A: a\r\nX-Evil: 1", "X-A: a\nb",
                          "Content-Length: 3", "transfer-encoding: chunked", "Connection: close"}) {
    spec.headers = {bad};
    Status s = validate(spec);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().exit_code, kExitUsage);
  }
  spec.headers.clear();
  for (const char* ok : {"PURGE", "M-SEARCH", "get"}) {
    spec.method = ok;
    EXPECT_TRUE(validate(spec)) << ok;
  }
  for (const char* bad : {"", "GE T", "GET\r\n", "(x)"}) {
    spec.method = bad;
    EXPECT_FALSE(validate(spec)) << bad;
  }
}

TEST(PathWeight, Syntax) {
  auto w = split_path_weight("/a");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->first, "/a");
  EXPECT_EQ(w->second, 1.0);
  w = split_path_weight("/a?x=1:3");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->first, "/a?x=1");
  EXPECT_EQ(w->second, 3.0);
  w = split_path_weight("/t/12:30:0.5");  // a ':' in the path: the last one starts the weight
  ASSERT_TRUE(w);
  EXPECT_EQ(w->first, "/t/12:30");
  EXPECT_EQ(w->second, 0.5);
  for (const char* bad : {"/a:", "/a:b", "/a:-1", "/a:inf", "/a:nan", "/a:3x", "/a:2000000"}) {
    auto r = split_path_weight(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("explicit weight"), std::string::npos);
  }
}

TEST(PathWeight, EveryWindowOfTotalWeightHasExactShares) {
  LoadSpec spec = base_spec();
  spec.paths = {"/a", "/b", "/c"};
  spec.weights = {3, 1, 2};
  RequestMix mix(spec);
  for (uint32_t offset : {0u, 1u, 5u}) {
    MixPicker picker(mix, offset);
    for (int window = 0; window < 10; ++window) {
      int seen[3] = {0, 0, 0};
      for (int i = 0; i < 6; ++i) ++seen[picker.next()];
      EXPECT_EQ(seen[0], 3);
      EXPECT_EQ(seen[1], 1);
      EXPECT_EQ(seen[2], 2);
    }
  }
}

// -n: the measured phase ends after exactly N requests; the server saw exactly N.
TEST(RequestBudget, ExactCountClosedAndOpenLoop) {
  for (double rate : {0.0, 2000.0}) {
    for (uint64_t n : {1ull, 7ull, 333ull}) {
      DelayServer server({});
      LoadSpec spec = spec_for(server.port());
      spec.threads = 2;
      spec.connections = 5;  // uneven split over the threads
      spec.rate = rate;
      spec.duration_s = 10;  // far beyond what n needs: the budget ends the phase
      spec.warmup_s = 0.05;
      spec.max_requests = n;
      LoadResult r = run_to_end(spec);
      ServerCounts s = server.counts();
      expect_consistent(r);
      EXPECT_EQ(r.counts.attempts, n) << "rate " << rate;
      EXPECT_EQ(r.counts.responses + r.counts.failed() + r.counts.abandoned, n);
      EXPECT_EQ(r.counts.responses, n);
      EXPECT_EQ(r.counts.not_sent, 0u);
      EXPECT_EQ(s.requests, n + r.warmup_counts.sent);  // warm-up is outside the budget
      EXPECT_LT(r.duration_s, 5.0);
    }
  }
}

TEST(RequestBudget, DurationEndsFirstWhenTheBudgetIsLarge) {
  DelayServer server({});
  LoadSpec spec = spec_for(server.port());
  spec.duration_s = 0.2;
  spec.max_requests = 1'000'000'000;
  LoadResult r = run_to_end(spec);
  expect_consistent(r);
  EXPECT_GT(r.counts.responses, 10u);
  EXPECT_LT(r.counts.attempts, spec.max_requests);
}

TEST(RequestBudget, ClientThreadsDoNotAllocateWithHeadersBodyAndBudget) {
  DelayServer server({});
  uint64_t before = alloc_counter::loadgen_thread_count();
  for (double rate : {0.0, 300.0}) {
    LoadSpec spec = spec_for(server.port());
    spec.method = "POST";
    spec.headers = {"X-One: 1", "Authorization: Bearer t"};
    spec.body = std::string(3000, 'b');
    spec.paths = {"/a", "/b"};
    spec.weights = {2, 1};
    spec.rate = rate;
    spec.duration_s = 2;
    spec.max_requests = 60;
    LoadResult r = run_to_end(spec);
    EXPECT_EQ(r.counts.responses, 60u);
  }
  EXPECT_EQ(alloc_counter::loadgen_thread_count(), before);  // no malloc on the request path
}

}  // namespace
}  // namespace wpm::loadgen::testing
