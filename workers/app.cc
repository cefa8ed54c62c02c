#include "workers/app.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "core/clock.h"
#include "workers/profile_routes.h"

namespace wpm::app {
namespace {

constexpr std::string_view kOk = "OK\n";
constexpr std::string_view kNotFound = "Not Found\n";
constexpr std::string_view kWrongMethod = "Method Not Allowed\n";
constexpr std::string_view kBadParameter = "invalid parameter\n";
constexpr std::string_view kCrashDisabled = "crash disabled (start the pool with --allow-crash)\n";

// Decimal, no sign, no spaces, at most `cap`.
bool parse_number(std::string_view text, uint64_t cap, uint64_t& out) {
  if (text.empty() || text.size() > 12) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > cap) return false;
  out = n;
  return true;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Plan bad_parameter(std::string_view route) {
  Plan p;
  p.route = route;
  p.status = 400;
  p.body.bytes = kBadParameter;
  return p;
}

Plan ok(std::string_view route) {
  Plan p;
  p.route = route;
  p.body.bytes = kOk;
  return p;
}

// /load?cpu_ms=&io_ms=&bytes=&status= — unknown keys are ignored, bad values are a 400.
Plan load(std::string_view query) {
  Plan p = ok(kRouteLoad);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = pair.substr(0, eq), value = pair.substr(eq + 1);
    uint64_t n = 0;
    if (key == "cpu_ms" || key == "io_ms") {
      if (!parse_number(value, kMaxMillis, n)) return bad_parameter(kRouteLoad);
      (key == "cpu_ms" ? p.cpu_us : p.io_us) = n * 1000;
    } else if (key == "bytes") {
      if (!parse_number(value, kMaxBytes, n)) return bad_parameter(kRouteLoad);
      p.body.filler = n;
      if (n == 0) p.body.bytes = {};
    } else if (key == "status") {
      if (!parse_number(value, 599, n) || n < 200) return bad_parameter(kRouteLoad);
      p.status = static_cast<int>(n);
    }
  }
  return p;
}

// Routes with one numeric path parameter: /<name>/<number>.
Plan with_number(std::string_view route, std::string_view param, uint64_t cap, uint64_t& out,
                 bool& valid) {
  valid = parse_number(param, cap, out);
  return valid ? ok(route) : bad_parameter(route);
}

Plan status_route(std::string_view param) {
  uint64_t code = 0;
  if (!parse_number(param, 599, code) || code < 200) return bad_parameter(kRouteStatus);
  Plan p;
  p.route = kRouteStatus;
  p.status = static_cast<int>(code);
  p.body.bytes = code < 300 ? kOk : http::reason_phrase(p.status);
  return p;
}

std::mutex leak_mutex;
std::vector<std::unique_ptr<char[]>>& leaks() {
  static auto* v = new std::vector<std::unique_ptr<char[]>>();  // lives as long as the process
  return *v;
}
uint64_t leak_total = 0;

}  // namespace

SyntheticApp::SyntheticApp(AppOptions options) : options_(options) {
  if (options_.profile) profile_ = std::make_unique<ProfileRoutes>(*options_.profile, options_.seed);
}

SyntheticApp::~SyntheticApp() = default;

std::string_view SyntheticApp::route_of(std::string_view path) const {
  if (!profile_) return route_template(path);
  int at = profile_->match_path(path);
  return at < 0 ? kRouteUnknown : profile_->route_template(at);
}

Plan SyntheticApp::handle_profile(const http::Request& request) const {
  Plan p;
  int at = profile_->match(request.method, request.path);
  if (at == ProfileRoutes::kNoMatch) {
    p.status = 404;
    p.body.bytes = kNotFound;
    return p;
  }
  if (at == ProfileRoutes::kWrongMethod) {
    p.route = route_of(request.path);
    p.status = 405;
    p.body.bytes = kWrongMethod;
    return p;
  }
  RouteDraw d = profile_->draw(at);
  if (d.raise) throw HandlerError("RuntimeError", "the profile route raised");
  p.route = profile_->route_template(at);
  p.cpu_us = d.cpu_us;
  p.io_us = d.io_us;
  p.status = d.status;
  p.body.filler = std::min<uint64_t>(d.bytes, kMaxBytes);
  return p;
}

Plan SyntheticApp::handle(const http::Request& request) const {
  if (profile_) return handle_profile(request);
  std::string_view path = request.path;
  uint64_t n = 0;
  bool valid = false;
  if (path == "/") return ok(kRouteRoot);
  if (path == "/load") return load(request.query);
  if (path == "/error") throw HandlerError("RuntimeError", "the /error route always fails");
  if (path == "/echo") {
    Plan p = ok(kRouteEcho);
    p.content_type = "application/octet-stream";
    p.body.bytes = request.body;
    return p;
  }
  if (path == "/crash") {
    Plan p = ok(kRouteCrash);
    if (options_.allow_crash) p.action = Action::crash;
    else {
      p.status = 403;
      p.body.bytes = kCrashDisabled;
    }
    return p;
  }
  if (starts_with(path, "/sleep/")) {
    Plan p = with_number(kRouteSleep, path.substr(7), kMaxMillis, n, valid);
    p.io_us = n * 1000;
    return p;
  }
  if (starts_with(path, "/cpu/")) {
    Plan p = with_number(kRouteCpu, path.substr(5), kMaxMillis, n, valid);
    p.cpu_us = n * 1000;
    return p;
  }
  if (starts_with(path, "/bytes/")) {
    Plan p = with_number(kRouteBytes, path.substr(7), kMaxBytes, n, valid);
    if (valid) {
      p.body = http::Body{{}, n};
      p.content_type = "application/octet-stream";
    }
    return p;
  }
  if (starts_with(path, "/leak/")) {
    Plan p = with_number(kRouteLeak, path.substr(6), kMaxLeakKb, n, valid);
    p.leak_kb = n;
    return p;
  }
  if (starts_with(path, "/status/")) return status_route(path.substr(8));
  Plan p;
  p.status = 404;
  p.body.bytes = kNotFound;
  return p;
}

std::string_view route_template(std::string_view path) {
  if (path == "/") return kRouteRoot;
  if (path == "/load") return kRouteLoad;
  if (path == "/error") return kRouteError;
  if (path == "/echo") return kRouteEcho;
  if (path == "/crash") return kRouteCrash;
  if (starts_with(path, "/sleep/")) return kRouteSleep;
  if (starts_with(path, "/cpu/")) return kRouteCpu;
  if (starts_with(path, "/bytes/")) return kRouteBytes;
  if (starts_with(path, "/leak/")) return kRouteLeak;
  if (starts_with(path, "/status/")) return kRouteStatus;
  return kRouteUnknown;
}

std::string_view method_label(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                                "OPTIONS", "PATCH",   "TRACE", "CONNECT"};
  if (method.empty()) return "UNKNOWN";
  for (std::string_view m : kKnown)
    if (m == method) return m;
  return "OTHER";
}

void spin_cpu(uint32_t ms) { spin_cpu_us(uint64_t{ms} * 1000); }

void spin_cpu_us(uint64_t us) {
  if (us == 0) return;
  uint64_t end = monotonic_ns() + us * 1000;
  volatile uint64_t sink = 0;
  while (monotonic_ns() < end)
    for (int i = 0; i < 1000; ++i) sink = sink + static_cast<uint64_t>(i);
}

void leak_memory(uint64_t kb) {
  if (kb == 0) return;
  size_t bytes = static_cast<size_t>(kb) * 1024;
  std::unique_ptr<char[]> block(new char[bytes]);
  std::memset(block.get(), 0xA5, bytes);  // touch every page: RSS, not just address space
  std::lock_guard<std::mutex> lock(leak_mutex);
  leaks().push_back(std::move(block));
  leak_total += bytes;
}

uint64_t leaked_bytes() {
  std::lock_guard<std::mutex> lock(leak_mutex);
  return leak_total;
}

void crash() {
  // The worker's own SIGABRT handler would record a clean "abort"; a crash must look like
  // one to the master, so the default action comes back first.
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigaction(SIGABRT, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGABRT);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  std::abort();
}

}  // namespace wpm::app
