#include "supervisor/metrics_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "core/exposition.h"
#include "core/log.h"
#include "supervisor/listen_socket.h"

namespace wpm::supervisor {
namespace {

constexpr size_t kServerThreads = 2;  // scrapes are rare; the machine is small

// Unlike httplib's default (SO_REUSEPORT, which lets a second process silently share the
// port), plain SO_REUSEADDR so a taken port is an error; close-on-exec so workers never
// inherit the endpoint's sockets.
void socket_options(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  fcntl(sock, F_SETFD, FD_CLOEXEC);
}

// httplib does not report why bind failed: bind the same address ourselves to name the errno.
Error bind_error(const HostPort& where) {
  Result<ListenSocket> probe = open_listen_socket(where, 1, false);
  if (!probe) return probe.error();
  return Error{"cannot bind " + where.str() + " for the metrics endpoint"};
}

}  // namespace

struct MetricsServer::Impl {
  httplib::Server server;
  HostPort address;
  MetricsHandlers handlers;
  std::thread thread;
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() { stop(); }
const HostPort& MetricsServer::address() const { return impl_->address; }

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const HostPort& where,
                                                             MetricsHandlers handlers) {
  auto impl = std::make_unique<Impl>();
  impl->handlers = std::move(handlers);
  impl->address = where;
  httplib::Server& server = impl->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server.set_socket_options(socket_options);
  Impl* self = impl.get();
  server.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(self->handlers.metrics(), std::string(kTextContentType).c_str());
  });
  server.Get("/healthz", [self](const httplib::Request&, httplib::Response& res) {
    bool ok = self->handlers.healthy();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "unhealthy\n", "text/plain; charset=utf-8");
  });
  if (where.port == 0) {
    int port = server.bind_to_any_port(where.host);
    if (port <= 0) return bind_error(where);
    impl->address.port = static_cast<uint16_t>(port);
  } else if (!server.bind_to_port(where.host, where.port)) {
    return bind_error(where);
  }
  impl->thread = std::thread([self] {
    if (!self->server.listen_after_bind())
      log_error("metrics endpoint at ", self->address.str(), " stopped serving");
  });
  // stop() is a no-op until the accept loop runs, so wait for it (bounded) before returning.
  for (int i = 0; i < 5000 && !server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

void MetricsServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace wpm::supervisor
