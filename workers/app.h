// The synthetic app (DESIGN.md §3), sans-IO: handle(request) returns a Plan that says what the
// worker must do — spin the CPU, wait, then respond — and each worker type carries it out its
// own way (a blocking sleep in sync/thread, a yielding timer in eventlet/gevent).
//
// Routes:  /  /load?cpu_ms=&io_ms=&bytes=&status=  /sleep/<ms>  /cpu/<ms>  /bytes/<n>
//          /status/<code>  /error  /echo  /leak/<kb>  /crash
// With a workload profile (--profile) the app serves the profile's routes instead
// (workers/profile_routes.h) and every other path is a 404.
// The endpoint label of a request is always a route template from kRoutes or the profile
// (bounded cardinality), never the raw path.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/profile.h"
#include "workers/http_response.h"
#include "workers/request_parser.h"

namespace wpm::app {

inline constexpr std::string_view kRouteRoot = "/";
inline constexpr std::string_view kRouteLoad = "/load";
inline constexpr std::string_view kRouteSleep = "/sleep/{ms}";
inline constexpr std::string_view kRouteCpu = "/cpu/{ms}";
inline constexpr std::string_view kRouteBytes = "/bytes/{n}";
inline constexpr std::string_view kRouteStatus = "/status/{code}";
inline constexpr std::string_view kRouteError = "/error";
inline constexpr std::string_view kRouteEcho = "/echo";
inline constexpr std::string_view kRouteLeak = "/leak/{kb}";
inline constexpr std::string_view kRouteCrash = "/crash";
inline constexpr std::string_view kRouteUnknown = "__unknown__";  // 404s, unparsed targets

// Caps that keep one request from taking the machine down.
inline constexpr uint64_t kMaxMillis = 600'000;         // /sleep, /cpu, cpu_ms, io_ms
inline constexpr uint64_t kMaxBytes = 64ull << 20;      // /bytes, bytes=
inline constexpr uint64_t kMaxLeakKb = 256ull << 10;    // one /leak request: 256 MiB

struct AppOptions {
  bool allow_crash = false;  // --allow-crash: /crash aborts the worker; otherwise 403
  const Profile* profile = nullptr;  // serve these routes instead of the built-in ones
  uint64_t seed = 0;  // of the profile's draws; distinct per worker
};

class ProfileRoutes;

enum class Action : uint8_t { respond, crash };

struct Plan {
  std::string_view route = kRouteUnknown;  // route template: the endpoint label
  Action action = Action::respond;
  uint64_t cpu_us = 0;   // busy-spin first (blocks whatever runs it, in every model)
  uint64_t io_us = 0;    // then wait; the worker model decides how (block or yield)
  uint64_t leak_kb = 0;  // memory kept for the life of the process (grows RSS)
  int status = 200;
  std::string_view content_type = "text/plain";
  http::Body body;  // static text, filler bytes, or a view of the request body (/echo)
};

// What a handler throws when it fails (/error). error_type() is the error_type label, named
// like the Python exception a Gunicorn app would raise.
class HandlerError : public std::runtime_error {
 public:
  HandlerError(std::string_view error_type, const std::string& what)
      : std::runtime_error(what), error_type_(error_type) {}
  std::string_view error_type() const { return error_type_; }

 private:
  std::string_view error_type_;  // static storage
};

class SyntheticApp {
 public:
  explicit SyntheticApp(AppOptions options = {});
  ~SyntheticApp();
  // Throws HandlerError for /error (and a profile route's raise share); the worker turns
  // that into its error path (500). Never allocates on the success path of the routes (the
  // tiny "/" is benchmarked).
  Plan handle(const http::Request& request) const;
  // The endpoint label of a path (its route template), for requests the app never saw.
  std::string_view route_of(std::string_view path) const;

 private:
  Plan handle_profile(const http::Request& request) const;

  AppOptions options_;
  std::unique_ptr<ProfileRoutes> profile_;
};

// The route template a path would be served by (for labels of requests the app never saw).
std::string_view route_template(std::string_view path);
// The method label: a known method, "OTHER", or "UNKNOWN" when no request line was parsed.
std::string_view method_label(std::string_view method);

// Pieces of plan execution that are the same in every model.
void spin_cpu(uint32_t ms);        // busy loop until ms of wall time have passed
void spin_cpu_us(uint64_t us);     // the same in microseconds
void leak_memory(uint64_t kb);     // thread-safe; touches every page so RSS really grows
uint64_t leaked_bytes();
[[noreturn]] void crash();         // SIGABRT with the default action: the master sees a crash

}  // namespace wpm::app
