// The master's HTTP endpoint: GET /metrics (Prometheus text) and GET /healthz. The only
// translation unit that includes cpp-httplib; it runs on its own small thread pool.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/options.h"
#include "core/result.h"

namespace wpm::supervisor {

struct MetricsHandlers {
  std::function<std::string()> metrics;  // the exposition body; called on a server thread
  std::function<bool()> healthy;         // /healthz: 200 when true, 503 otherwise
};

class MetricsServer {
 public:
  // Binds `where` (port 0 → a free port) and starts serving on background threads. Bind
  // errors read "cannot bind HOST:PORT: <strerror>".
  static Result<std::unique_ptr<MetricsServer>> start(const HostPort& where,
                                                      MetricsHandlers handlers);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  const HostPort& address() const;  // the real port
  // Stops accepting, finishes in-flight requests and joins the threads. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wpm::supervisor
