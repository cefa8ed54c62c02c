// A minimal HTTP/1.1 server on 127.0.0.1:0 for client tests: answers each connection with the
// next canned response (the last one repeats) and records every request it received.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wpm::test {

struct CannedResponse {
  int status = 200;
  std::string extra_headers;  // "Retry-After: 1\r\n"
  std::string body;
};

struct ReceivedRequest {
  std::string head;  // request line and headers
  std::string body;
};

class CannedServer {
 public:
  explicit CannedServer(std::vector<CannedResponse> responses);
  ~CannedServer();
  CannedServer(const CannedServer&) = delete;
  CannedServer& operator=(const CannedServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedRequest> requests();

 private:
  void serve();
  void answer(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<CannedResponse> responses_;
  std::mutex mu_;
  std::vector<ReceivedRequest> received_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace wpm::test
