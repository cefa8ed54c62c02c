#include "supervisor/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <vector>

namespace wpm::supervisor {
namespace {

int connect_v4(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

TEST(ListenSocket, PortZeroReportsTheRealPort) {
  Result<ListenSocket> s = open_listen_socket({"127.0.0.1", 0}, 16, false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->address.host, "127.0.0.1");
  EXPECT_NE(s->address.port, 0);
  int client = connect_v4(s->address.port);
  EXPECT_GE(client, 0);
  close(client);
}

TEST(ListenSocket, InheritableOnlyWhenAsked) {
  Result<ListenSocket> inherited = open_listen_socket({"127.0.0.1", 0}, 16, true);
  Result<ListenSocket> private_fd = open_listen_socket({"127.0.0.1", 0}, 16, false);
  ASSERT_TRUE(inherited.ok() && private_fd.ok());
  EXPECT_EQ(fcntl(inherited->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_NE(fcntl(private_fd->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(ListenSocket, PortInUseNamesAddressAndErrno) {
  Result<ListenSocket> first = open_listen_socket({"127.0.0.1", 0}, 16, false);
  ASSERT_TRUE(first.ok());
  HostPort taken{"127.0.0.1", first->address.port};
  Result<ListenSocket> second = open_listen_socket(taken, 16, false);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "cannot bind " + taken.str() + ": Address already in use");
}

TEST(ListenSocket, Ipv6Loopback) {
  Result<ListenSocket> s = open_listen_socket({"::1", 0}, 16, false);
  if (!s.ok() && s.error().message.find("Cannot assign") != std::string::npos)
    GTEST_SKIP() << "no IPv6 loopback here: " << s.error().message;
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->address.host, "::1");
  EXPECT_NE(s->address.port, 0);
  EXPECT_EQ(s->address.str(), "[::1]:" + std::to_string(s->address.port));
}

TEST(ListenSocket, UnresolvableHostIsAnError) {
  Result<ListenSocket> s = open_listen_socket({"no-such-host.invalid", 0}, 16, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot bind no-such-host.invalid:0"), std::string::npos);
}

TEST(ListenSocket, AcceptQueueLengthCountsWaitingConnections) {
  Result<ListenSocket> s = open_listen_socket({"127.0.0.1", 0}, 16, false);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(accept_queue_length(s->fd.get()), 0);
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(connect_v4(s->address.port));
  // The handshake completes in the kernel before connect() returns: all three are queued.
  EXPECT_EQ(accept_queue_length(s->fd.get()), 3);
  int accepted = accept(s->fd.get(), nullptr, nullptr);
  EXPECT_EQ(accept_queue_length(s->fd.get()), 2);
  close(accepted);
  for (int c : clients) close(c);
  EXPECT_EQ(accept_queue_length(-1), -1);
}

}  // namespace
}  // namespace wpm::supervisor
