#include "raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>

namespace wpm::supervisor::test {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

RawConn::RawConn(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
    fd_ = std::move(fd);
}

bool RawConn::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool RawConn::fill(Clock::time_point deadline) {
  if (eof_) return false;
  pollfd p{fd_.get(), POLLIN, 0};
  int r = ::poll(&p, 1, ms_until(deadline));
  if (r <= 0) return false;
  char buf[64 * 1024];
  ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buffered_.append(buf, static_cast<size_t>(n));
  return true;
}

std::optional<HttpReply> RawConn::read_reply(std::chrono::milliseconds limit, bool head) {
  auto deadline = Clock::now() + limit;
  size_t end;
  while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(deadline)) return std::nullopt;
  if (buffered_.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  HttpReply reply;
  reply.status = std::atoi(buffered_.c_str() + 9);
  reply.headers = buffered_.substr(0, end);
  std::string length = header_value(reply.headers, "content-length");
  size_t body = head || length.empty() ? 0 : std::stoul(length);
  while (buffered_.size() < end + 4 + body)
    if (!fill(deadline)) return std::nullopt;
  reply.body = buffered_.substr(end + 4, body);
  buffered_.erase(0, end + 4 + body);
  return reply;
}

std::optional<HttpReply> RawConn::exchange(std::string_view bytes) {
  if (!send(bytes)) return std::nullopt;
  return read_reply();
}

std::optional<HttpReply> RawConn::request(const std::string& method, const std::string& path,
                                          const std::string& extra_headers) {
  if (!send(method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n"))
    return std::nullopt;
  return read_reply(std::chrono::seconds(5), method == "HEAD");
}

bool RawConn::readable_within(std::chrono::milliseconds limit) {
  if (!buffered_.empty()) return true;
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
}

bool RawConn::closed_within(std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!eof_)
    if (!fill(deadline) && !eof_) return false;
  return true;
}

std::string RawConn::read_until_close(std::chrono::milliseconds limit) {
  closed_within(limit);
  return std::exchange(buffered_, std::string());
}

std::string header_value(const std::string& headers, const std::string& name) {
  size_t pos = 0;
  while ((pos = headers.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (headers.size() - pos > name.size() &&
        ::strncasecmp(headers.c_str() + pos, name.c_str(), name.size()) == 0 &&
        headers[pos + name.size()] == ':') {
      size_t start = headers.find_first_not_of(' ', pos + name.size() + 1);
      size_t stop = headers.find("\r\n", start);
      return headers.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
    }
  }
  return "";
}

}  // namespace wpm::supervisor::test
