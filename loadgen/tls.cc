// TlsContext, TlsConn and the socket BIO under them. The BIO is wpm's own: OpenSSL's socket
// BIO writes with write(2), which raises SIGPIPE on a connection the server closed; the load
// generator never changes process-wide signal dispositions, so it sends with MSG_NOSIGNAL.
#include "loadgen/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>

namespace wpm::loadgen {
namespace {

int fd_of(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }

int bio_write(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::send(fd_of(bio), data, static_cast<size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && would_block(errno)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

int bio_read(BIO* bio, char* buf, int size) {
  BIO_clear_retry_flags(bio);
  ssize_t n = ::recv(fd_of(bio), buf, static_cast<size_t>(size), 0);
  if (n < 0 && would_block(errno)) BIO_set_retry_read(bio);
  return static_cast<int>(n);  // 0: end of stream
}

long bio_ctrl(BIO* bio, int cmd, long, void* ptr) {  // NOLINT(google-runtime-int): OpenSSL's type
  switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;  // nothing is buffered here
    case BIO_C_GET_FD:
      if (ptr != nullptr) *static_cast<int*>(ptr) = fd_of(bio);
      return fd_of(bio);
    default: return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int bio_destroy(BIO*) { return 1; }  // the descriptor belongs to the connection (UniqueFd)

BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "wpm socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    BIO_meth_set_destroy(m, bio_destroy);
    return m;
  }();
  return method;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// The slot's cache keeps the newest ticket (TLS 1.3 servers send them after the handshake,
// one or more; TLS 1.2 at its end). Returning 1 keeps the reference OpenSSL handed over.
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* cache = static_cast<TlsSessionCache*>(SSL_get_app_data(ssl));
  if (cache == nullptr) return 0;
  if (cache->session != nullptr) SSL_SESSION_free(cache->session);
  cache->session = session;
  return 1;
}

std::string last_error_text() {
  unsigned long code = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason != nullptr ? reason : "unknown error";
}

Status verify_with(SSL_CTX* ctx, const TlsOptions& o) {
  if (!o.verify) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return {};
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int loaded = o.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx)
                                 : SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string what = o.ca_file.empty() ? "the system CA store" : "'" + o.ca_file + "'";
    return Error{"cannot load " + what + " as PEM certificates: " + last_error_text(), kExitUsage};
  }
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  int named = is_ip_literal(o.host) ? X509_VERIFY_PARAM_set1_ip_asc(param, o.host.c_str())
                                    : X509_VERIFY_PARAM_set1_host(param, o.host.c_str(), o.host.size());
  if (named != 1) return Error{"cannot verify certificates for host '" + o.host + "'", kExitUsage};
  return {};
}

}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::create(const TlsOptions& options) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Error{"loadgen: cannot create a TLS context: " + last_error_text()};
  std::unique_ptr<TlsContext> out(new TlsContext(ctx, options));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A request is written in pieces when the socket is full; the retry may come from anywhere.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // A server closing without close_notify ends a close-delimited body as plain TCP EOF does.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  static const unsigned char kAlpn[] = "\x08http/1.1";
  SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn - 1);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, on_new_session);
  if (Status s = verify_with(ctx, options); !s) return s.error();
  return out;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

Status check_ca_file(const std::string& path) {
  Result<std::unique_ptr<TlsContext>> ctx = TlsContext::create(TlsOptions{"localhost", true, path});
  if (!ctx) return ctx.error();
  return {};
}

TlsSessionCache::~TlsSessionCache() {
  if (session != nullptr) SSL_SESSION_free(session);
}

bool TlsConn::begin(const TlsContext& ctx, int fd, TlsSessionCache* cache) {
  reset(End::abort);
  ssl_ = SSL_new(ctx.get());
  BIO* bio = ssl_ != nullptr ? BIO_new(socket_method()) : nullptr;
  if (bio == nullptr) {
    reset(End::abort);
    ERR_clear_error();
    return false;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set_bio(ssl_, bio, bio);
  const std::string& host = ctx.options().host;
  if (!is_ip_literal(host)) SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI names only (RFC 6066)
  SSL_set_app_data(ssl_, cache);
  if (cache != nullptr && cache->session != nullptr) SSL_set_session(ssl_, cache->session);
  SSL_set_connect_state(ssl_);
  last_error_ = 0;
  return true;
}

TlsConn::Step TlsConn::handshake() {
  ERR_clear_error();  // SSL_get_error reads the thread's queue: it must hold this call's only
  int r = SSL_connect(ssl_);
  if (r == 1) return Step::done;
  int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Step::again;
  last_error_ = ERR_peek_last_error();
  ERR_clear_error();
  return Step::failed;
}

std::string TlsConn::failure() const {
  long verify = SSL_get_verify_result(ssl_);  // NOLINT(google-runtime-int)
  if (verify != X509_V_OK) return std::string("TLS verify failed: ") + X509_verify_cert_error_string(verify);
  const char* reason = last_error_ != 0 ? ERR_reason_error_string(last_error_) : nullptr;
  return std::string("TLS handshake failed: ") + (reason != nullptr ? reason : "the server closed the connection");
}

bool TlsConn::resumed() const { return SSL_session_reused(ssl_) == 1; }
bool TlsConn::wants_read() const { return SSL_want_read(ssl_) != 0; }
bool TlsConn::has_buffered() const { return SSL_pending(ssl_) > 0; }
std::string TlsConn::protocol() const { return SSL_get_version(ssl_); }
std::string TlsConn::cipher() const { return SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_)); }

// recv()/send() semantics for an SSL_read/SSL_write that returned no bytes.
ssize_t TlsConn::io_failed(int ret, bool reading) {
  int saved = errno;
  int e = SSL_get_error(ssl_, ret);
  switch (e) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN:  // close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
      if (reading) return 0;
      errno = EPIPE;
      return -1;
    case SSL_ERROR_SYSCALL:
      ERR_clear_error();
      if (saved == 0 && reading) return 0;
      errno = saved != 0 ? saved : EPIPE;
      return -1;
    default:
      ERR_clear_error();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsConn::write(const char* data, size_t size) {
  ERR_clear_error();
  errno = 0;
  size_t done = 0;
  int r = SSL_write_ex(ssl_, data, size, &done);
  return r == 1 ? static_cast<ssize_t>(done) : io_failed(r, false);
}

ssize_t TlsConn::read(char* buf, size_t size) {
  ERR_clear_error();
  errno = 0;
  size_t done = 0;
  int r = SSL_read_ex(ssl_, buf, size, &done);
  return r == 1 ? static_cast<ssize_t>(done) : io_failed(r, true);
}

void TlsConn::reset(End how) {
  if (ssl_ == nullptr) return;
  if (how == End::notify) {
    SSL_shutdown(ssl_);  // one non-blocking attempt; the socket closes right after
    ERR_clear_error();
  }
  if (how != End::abort) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);  // frees the BIO too, never the descriptor
  ssl_ = nullptr;
}

}  // namespace wpm::loadgen
