#include "supervisor/metrics_server.h"

#include "core/exposition.h"

namespace wpm::supervisor {
namespace {

Reply text_reply(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply route(const MetricsHandlers& handlers, const RequestHead& request) {
  bool metrics = request.path == "/metrics";
  if (!metrics && request.path != "/healthz") return text_reply(404, "not found\n");
  if (request.method != "GET" && request.method != "HEAD") {
    Reply r = text_reply(405, "method not allowed\n");
    r.extra_headers = "Allow: GET, HEAD\r\n";
    return r;
  }
  if (metrics) {
    Reply r = text_reply(200, handlers.metrics());
    r.content_type = kTextContentType;
    return r;
  }
  bool ok = handlers.healthy();
  return text_reply(ok ? 200 : 503, ok ? "ok\n" : "unhealthy\n");
}

}  // namespace

struct MetricsServer::Impl {
  MetricsHandlers handlers;
  std::unique_ptr<HttpEndpoint> endpoint;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() { stop(); }
const HostPort& MetricsServer::address() const { return impl_->endpoint->address(); }
size_t MetricsServer::max_connections() const { return impl_->endpoint->max_connections(); }

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const HostPort& where,
                                                             MetricsHandlers handlers,
                                                             const EndpointLimits& limits) {
  auto impl = std::make_unique<Impl>();
  impl->handlers = std::move(handlers);
  const MetricsHandlers* routes = &impl->handlers;  // lives as long as the endpoint
  Result<std::unique_ptr<HttpEndpoint>> endpoint = HttpEndpoint::start(
      where, [routes](const RequestHead& r) { return route(*routes, r); }, limits);
  if (!endpoint) return endpoint.error();
  impl->endpoint = std::move(*endpoint);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

void MetricsServer::stop() {
  if (impl_ && impl_->endpoint) impl_->endpoint->stop();
}

}  // namespace wpm::supervisor
