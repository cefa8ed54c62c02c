#include "workers/exchange.h"

#include <new>

namespace wpm {
namespace {

constexpr std::string_view kInternalError = "Internal Server Error\n";

}  // namespace

const app::Plan& Exchange::begin(const http::Request& request) {
  started_ns_ = metrics_->request_started();
  active_ = true;
  request_bytes_ = request.wire_bytes;
  method_ = app::method_label(request.method);
  failed_ = false;
  error_response_ = false;
  std::string_view error_type;
  // The boundary where a handler's exception becomes the worker's error path.
  try {
    plan_ = app_->handle(request);
    return plan_;
  } catch (const app::HandlerError& e) {
    error_type = e.error_type();
  } catch (const std::bad_alloc&) {
    error_type = "MemoryError";
  } catch (...) {
    error_type = "handler_exception";
  }
  failed_ = true;
  plan_ = app::Plan{};
  plan_.route = app_->route_of(request.path);
  plan_.status = 500;
  plan_.body.bytes = kInternalError;
  metrics_->handle_error(app::method_label(request.method), plan_.route, error_type, true);
  return plan_;
}

void Exchange::begin_error(const http::RequestParser& parser) {
  started_ns_ = metrics_->request_started();
  active_ = true;
  request_bytes_ = parser.received();
  method_ = app::method_label(parser.partial_method());
  failed_ = false;
  error_response_ = true;
  const http::ParseError& error = parser.error();
  plan_ = app::Plan{};
  plan_.status = error.status;
  std::string_view target = parser.partial_target();
  plan_.route = target.empty() ? app::kRouteUnknown
                               : app_->route_of(target.substr(0, target.find('?')));
  metrics_->handle_error(app::method_label(parser.partial_method()), plan_.route,
                         error.error_type, false);
  response_.start_error(error.status, error.message);
}

void Exchange::run_cpu_part() const {
  if (plan_.action == app::Action::crash) app::crash();
  app::leak_memory(plan_.leak_kb);
  app::spin_cpu_us(plan_.cpu_us);
}

http::OutgoingResponse& Exchange::respond(const http::Request& request, bool keep_alive) {
  http::ResponseSpec spec;
  spec.status = plan_.status;
  spec.content_type = plan_.content_type;
  spec.body = plan_.body;
  spec.keep_alive = keep_alive && request.keep_alive && !failed_;
  spec.head_only = request.method == "HEAD";
  response_.start(spec);
  return response_;
}

size_t Exchange::next_iov(iovec* out, size_t max) {
  uint64_t remaining = response_.remaining();
  if (remaining <= kCommitWindow) {
    commit();
    return response_.iov(out, max);
  }
  // Everything but the window: no write of these bytes can complete the response.
  return response_.iov(out, max, remaining - kCommitWindow);
}

void Exchange::commit() {
  if (!active_) return;
  active_ = false;
  // The whole response: what the kernel is about to be handed, counted before it is.
  metrics_->request_finished(started_ns_, request_bytes_, response_.total_bytes());
  metrics_->count_route(method_, plan_.route);
}

void Exchange::finish() {
  if (!active_) return;
  // The write stopped before the commit point: the peer saw no complete response.
  active_ = false;
  metrics_->request_finished(started_ns_, request_bytes_, response_.sent_bytes());
  metrics_->count_route(method_, plan_.route);  // every recorded request has its route
}

}  // namespace wpm
