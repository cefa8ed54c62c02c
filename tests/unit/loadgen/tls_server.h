// A real HTTPS/1.1 test server on 127.0.0.1:0: OpenSSL with a fresh self-signed certificate
// (EC P-256, made in the process), one thread per connection, keep-alive unless the request
// says `Connection: close`. Every request gets `200 ok`. It counts what it saw, so tests can
// compare the client's numbers with the server's exactly.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/unique_fd.h"

struct ssl_ctx_st;
struct ssl_st;

namespace wpm::loadgen::testing {

struct TlsServerCounts {
  uint64_t connections = 0;  // accepted
  uint64_t handshakes = 0;   // completed
  uint64_t resumed = 0;      // ⊂ handshakes
  uint64_t failed_handshakes = 0;
  uint64_t requests = 0;     // complete requests read (and answered)
  uint64_t body_bytes = 0;   // request bodies (Content-Length)
};

class TlsServer {
 public:
  // `san`: the certificate's subjectAltName, in openssl's config syntax.
  explicit TlsServer(const std::string& san = "IP:127.0.0.1,DNS:localhost");
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  uint16_t port() const { return port_; }
  const std::string& cert_file() const { return cert_file_; }  // the certificate, PEM (0600)
  TlsServerCounts counts() const;

 private:
  void accept_loop();
  void serve(int fd);
  bool serve_requests(ssl_st* ssl);

  ssl_ctx_st* ctx_ = nullptr;
  UniqueFd listen_;
  uint16_t port_ = 0;
  std::string dir_, cert_file_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;  // guards counts_, fds_, threads_
  TlsServerCounts counts_;
  std::vector<int> fds_;  // open connections, shut down at stop to end their threads
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace wpm::loadgen::testing
