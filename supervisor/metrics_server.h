// The master's HTTP endpoint: GET/HEAD /metrics (Prometheus text) and /healthz, served by an
// HttpEndpoint (one epoll thread) that keeps answering whatever else is connected.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/options.h"
#include "core/result.h"
#include "supervisor/http_endpoint.h"

namespace wpm::supervisor {

struct MetricsHandlers {
  std::function<std::string()> metrics;  // the exposition body; called on the server thread
  std::function<bool()> healthy;         // /healthz: 200 when true, 503 otherwise
};

class MetricsServer {
 public:
  // Binds `where` (port 0 → a free port) and starts serving on a background thread. Bind
  // errors read "cannot bind HOST:PORT: <strerror>".
  static Result<std::unique_ptr<MetricsServer>> start(const HostPort& where,
                                                      MetricsHandlers handlers,
                                                      const EndpointLimits& limits = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  const HostPort& address() const;  // the real port
  size_t max_connections() const;   // the connection cap in force
  // Stops accepting, closes every connection and joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wpm::supervisor
