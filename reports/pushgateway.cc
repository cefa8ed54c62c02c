// The only translation unit of reports/ that includes cpp-httplib (it is heavy to compile).
#include "reports/pushgateway.h"

#include <chrono>
#include <cstdlib>
#include <httplib.h>
#include <memory>
#include <random>
#include <thread>

#include "core/prom_text.h"
#include "core/log.h"
#include "reports/exposition_check.h"
#include "reports/format.h"

namespace wpm {
namespace {

using Mode = PushTarget::Mode;

const char* method_name(Mode m) {
  return m == Mode::replace ? "PUT" : m == Mode::add ? "POST" : "DELETE";
}

struct Credentials {
  std::string user, password;
  bool set() const { return !user.empty() || !password.empty(); }
};

// The environment wins over user:pass@ in the URL: CI secrets live in the environment.
Credentials credentials(const Url& url) {
  const char* user = std::getenv(kPushUserEnv);
  const char* password = std::getenv(kPushPasswordEnv);
  if ((user && *user) || (password && *password)) return {user ? user : "", password ? password : ""};
  return {url.user, url.password};
}

struct Attempt {
  int status = 0;  // 0: no HTTP response (transport error)
  std::string body;
  std::string failure;  // what went wrong, readable
  bool retryable = false;
  double retry_after_s = 0;
};

std::string one_line(std::string s, size_t max) {
  for (char& c : s) if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  if (s.size() > max) s = s.substr(0, max) + "…";
  return s;
}

std::string transport_text(httplib::Error e, const httplib::Client& client) {
  switch (e) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::Read: return "no response (read failed or timed out)";
    case httplib::Error::Write: return "could not send the request";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "TLS: cannot load the CA file";
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    case httplib::Error::SSLServerVerification:
      return std::string("TLS: server certificate verification failed: ") +
             X509_verify_cert_error_string(client.get_openssl_verify_result());
#endif
    default: (void)client; return "HTTP client error " + httplib::to_string(e);
  }
}

bool retryable_transport(httplib::Error e) {
  return e == httplib::Error::Connection || e == httplib::Error::ConnectionTimeout ||
         e == httplib::Error::Read || e == httplib::Error::Write ||
         e == httplib::Error::SSLConnection;
}

std::unique_ptr<httplib::Client> make_client(const Url& url, double timeout_s,
                                             const std::string& ca_file) {
  auto client = std::make_unique<httplib::Client>(url.origin());
  auto t = std::chrono::microseconds(static_cast<int64_t>(timeout_s * 1e6));
  client->set_connection_timeout(t);
  client->set_read_timeout(t);
  client->set_write_timeout(t);
  // httplib writes a request's head and body in two calls. A fresh connection's first segment
  // is ACKed at once today, but with Nagle on the body would wait for a delayed ACK of the head.
  client->set_tcp_nodelay(true);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  client->enable_server_certificate_verification(true);
  if (!ca_file.empty()) client->set_ca_cert_path(ca_file);
#else
  (void)ca_file;
#endif
  return client;
}

Attempt send_once(const PushTarget& t, const Url& url, const std::string& path,
                  std::string_view payload) {
  auto client = make_client(url, t.timeout_s, t.ca_file);
  Credentials cred = credentials(url);
  if (cred.set()) client->set_basic_auth(cred.user, cred.password);
  std::string body(payload);
  httplib::Result res = t.mode == Mode::replace ? client->Put(path, body, kTextContentType.data())
                        : t.mode == Mode::add   ? client->Post(path, body, kTextContentType.data())
                                                : client->Delete(path);
  Attempt a;
  if (!res) {
    a.failure = transport_text(res.error(), *client);
    a.retryable = retryable_transport(res.error());
    return a;
  }
  a.status = res->status;
  a.body = res->body;
  if (a.status == 200 || a.status == 202) return a;
  a.failure = "HTTP " + std::to_string(a.status) + (a.body.empty() ? "" : ": " + one_line(a.body, 1000));
  a.retryable = retryable_status(a.status);
  a.retry_after_s = std::atof(res->get_header_value("Retry-After").c_str());
  return a;
}

double jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, 1)(rng);
}

Error push_error(const PushTarget& t, const std::string& what, int exit_code = kExitPush) {
  return Error{std::string("push: ") + method_name(t.mode) + " " + redact_url(t.url) +
                   " (grouping key " + describe_grouping_key(t.job, t.labels) + "): " + what,
               exit_code};
}

}  // namespace

bool push_supports_https() {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  return true;
#else
  return false;
#endif
}

Status push(const PushTarget& t, std::string_view payload) {
  Result<Url> url = parse_http_url(t.url);
  if (!url.ok()) return url.error();
  if (url->scheme == "https" && !push_supports_https())
    return Error{"push: this wpm was built without TLS support (https)", kExitUsage};
  Result<std::string> group = grouping_path(t.job, t.labels);
  if (!group.ok()) return Error{"push: " + group.error().message, kExitUsage};
  if (t.mode != Mode::del) {
    std::vector<std::string> problems = check_exposition(payload, kPushPayloadRules);
    // Nothing was sent: the input is at fault, not the gateway (exit 2, not 4).
    if (!problems.empty())
      return push_error(t, "refusing to send an invalid payload: " + problems.front() + " (" +
                               std::to_string(problems.size()) + " problem(s))",
                        kExitUsage);
  }
  std::string path = url->path + *group;
  int attempts = 1 + std::max(0, t.retries);
  for (int i = 0;; ++i) {
    Attempt a = send_once(t, *url, path, payload);
    if (a.failure.empty()) {
      log_debug("push: ", method_name(t.mode), " ", redact_url(t.url), path, " -> ", a.status);
      return {};
    }
    std::string tried = " (attempt " + std::to_string(i + 1) + " of " + std::to_string(attempts) + ")";
    if (!a.retryable || i + 1 == attempts) return push_error(t, a.failure + tried);
    double delay = backoff_delay_s(i, t.backoff_base_s, t.backoff_max_s, jitter());
    delay = std::max(delay, std::min(a.retry_after_s, t.backoff_max_s));
    log_warning("push: ", method_name(t.mode), " ", redact_url(t.url), ": ", a.failure, tried,
                "; retrying in ", format_fixed(delay, 2), " s");
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

Result<std::string> http_get_text(const std::string& url_text, double timeout_s,
                                  const std::string& ca_file) {
  Result<Url> url = parse_http_url(url_text);
  if (!url.ok()) return url.error();
  auto client = make_client(*url, timeout_s, ca_file);
  if (!url->user.empty()) client->set_basic_auth(url->user, url->password);
  httplib::Result res = client->Get(url->path.empty() ? "/" : url->path);
  if (!res)
    return Error{"GET " + redact_url(url_text) + ": " + transport_text(res.error(), *client),
                 kExitRuntime};
  if (res->status != 200)
    return Error{"GET " + redact_url(url_text) + ": HTTP " + std::to_string(res->status) + ": " +
                     one_line(res->body, 500),
                 kExitRuntime};
  return std::move(res->body);
}

}  // namespace wpm
