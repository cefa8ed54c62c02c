#include "tests/unit/loadgen/tls_server.h"

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace wpm::loadgen::testing {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tls test server: %s\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

void add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) die("certificate extension");
  X509_EXTENSION_free(ext);
}

// A self-signed certificate valid for an hour, as `openssl req -x509` would make it.
X509* self_signed(EVP_PKEY* key, const std::string& san) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::rand()) + 1);  // NOLINT
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wpm test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  add_ext(cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert, NID_subject_key_identifier, "hash");
  add_ext(cert, NID_subject_alt_name, san);
  if (X509_sign(cert, key, EVP_sha256()) == 0) die("sign");
  return cert;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

TlsServer::TlsServer(const std::string& san) {
  // OpenSSL's socket BIO writes with write(2): a client that closes right after its handshake
  // (the probe) would kill the test binary with SIGPIPE while the server sends its tickets.
  std::signal(SIGPIPE, SIG_IGN);
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) die("key");
  X509* cert = self_signed(key, san);
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr || SSL_CTX_use_certificate(ctx_, cert) != 1 || SSL_CTX_use_PrivateKey(ctx_, key) != 1)
    die("context");
  char dir[] = "/tmp/wpm-tls-test-XXXXXX";
  if (mkdtemp(dir) == nullptr) die("mkdtemp");
  dir_ = dir;
  cert_file_ = dir_ + "/cert.pem";
  FILE* f = std::fopen(cert_file_.c_str(), "w");
  if (f == nullptr || PEM_write_X509(f, cert) != 1) die("write certificate");
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);

  listen_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listen_.get(), 512) != 0 ||
      getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    die("listen");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TlsServer::~TlsServer() {
  stop_.store(true);
  ::shutdown(listen_.get(), SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);  // wakes blocked reads
    threads.swap(threads_);
  }
  for (std::thread& t : threads) t.join();
  SSL_CTX_free(ctx_);
  std::remove(cert_file_.c_str());
  ::rmdir(dir_.c_str());
}

TlsServerCounts TlsServer::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

void TlsServer::accept_loop() {
  while (!stop_.load()) {
    int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // shut down (stop), or a transient error
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.connections;
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void TlsServer::serve(int fd) {
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd);
  bool shook = SSL_accept(ssl) == 1;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shook) {
      ++counts_.handshakes;
      if (SSL_session_reused(ssl) == 1) ++counts_.resumed;
    } else {
      ++counts_.failed_handshakes;
    }
  }
  if (shook && serve_requests(ssl)) SSL_shutdown(ssl);
  SSL_free(ssl);
  ERR_clear_error();
  {
    std::lock_guard<std::mutex> lock(mu_);
    fds_.erase(std::find(fds_.begin(), fds_.end(), fd));
  }
  ::close(fd);
}

// Answers requests until the client closes or asks to; true when the server ends it.
bool TlsServer::serve_requests(SSL* ssl) {
  std::string buf;
  char chunk[16 * 1024];
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      int n = SSL_read(ssl, chunk, sizeof chunk);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
    }
    std::string head = lower(std::string_view(buf).substr(0, head_end));
    size_t body = 0;
    if (size_t at = head.find("\r\ncontent-length:"); at != std::string::npos)
      body = std::strtoul(head.c_str() + at + 17, nullptr, 10);
    bool close = head.find("\r\nconnection: close") != std::string::npos;
    while (buf.size() < head_end + 4 + body) {
      int n = SSL_read(ssl, chunk, sizeof chunk);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
    }
    buf.erase(0, head_end + 4 + body);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_.requests;
      counts_.body_bytes += body;
    }
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
    response += close ? "Connection: close\r\n\r\nok" : "\r\nok";
    if (SSL_write(ssl, response.data(), static_cast<int>(response.size())) <= 0) return false;
    if (close) return true;
  }
}

}  // namespace wpm::loadgen::testing
