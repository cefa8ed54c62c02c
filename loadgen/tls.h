// HTTPS for `--target https://…`: one OpenSSL client context per run (shared by the threads:
// SSL_CTX is thread-safe once configured), one TlsConn per connection, one cached session per
// connection slot (so `Connection: close` runs resume sessions instead of full handshakes), and
// a probe handshake before the run, so an untrusted certificate is one clear error at start
// rather than a run of connect errors. OpenSSL types stay out of this header.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"

struct ssl_st;
struct ssl_ctx_st;
struct ssl_session_st;

namespace wpm::loadgen {

struct TlsOptions {
  std::string host;     // SNI (names only) and the name or IP the certificate must match
  bool verify = true;   // false: accept any certificate (curl -k)
  std::string ca_file;  // PEM certificates to trust; empty = the system CA store
};

class TlsContext {
 public:
  // Usage error (exit 2) when ca_file cannot be read as PEM certificates.
  static Result<std::unique_ptr<TlsContext>> create(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* get() const { return ctx_; }
  const TlsOptions& options() const { return options_; }

 private:
  TlsContext(ssl_ctx_st* ctx, TlsOptions options) : ctx_(ctx), options_(std::move(options)) {}
  ssl_ctx_st* ctx_;
  TlsOptions options_;
};

// The last session ticket the server gave one connection slot; offered by the slot's next
// handshake. One per slot, not per thread: a ticket offered by two connections at once was
// refused now and then (about 5 % of resumptions with two connections per thread), one per
// slot always resumes. Owned by one client thread, so no lock.
struct TlsSessionCache {
  ssl_session_st* session = nullptr;
  TlsSessionCache() = default;
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;
};

// One connection's TLS. read() and write() behave as recv() and send() do on a non-blocking
// socket, so the caller's loop is the same for http and https: > 0 bytes, 0 at the peer's
// end of stream (read), -1 with errno EAGAIN (OpenSSL wants the socket again, either way:
// the epoll registration is edge-triggered for both), ECONNRESET/EPIPE, or EPROTO (a TLS error).
class TlsConn {
 public:
  enum class Step { done, again, failed };
  TlsConn() = default;
  // How a connection ends. OpenSSL forgets the session of a connection freed without a
  // shutdown (as after an error), so a clean end must say so or close mode could not resume.
  enum class End { abort, clean, notify };  // notify: clean, and send close_notify first
  ~TlsConn() { reset(End::abort); }
  TlsConn(const TlsConn&) = delete;
  TlsConn& operator=(const TlsConn&) = delete;

  bool active() const { return ssl_ != nullptr; }
  // A client session over the connected socket `fd` (not owned), offering cache's session.
  bool begin(const TlsContext& ctx, int fd, TlsSessionCache* cache);
  Step handshake();
  std::string failure() const;  // after Step::failed: "TLS verify failed: <reason>" or why not
  bool wants_read() const;      // after Step::again: waiting for readable (else writable)
  bool resumed() const;         // the handshake resumed the offered session
  std::string protocol() const;  // after the handshake, e.g. "TLSv1.3"
  std::string cipher() const;
  ssize_t write(const char* data, size_t size);
  ssize_t read(char* buf, size_t size);
  bool has_buffered() const;  // decrypted bytes not yet read
  // Frees the TLS state (close_notify is best effort: one non-blocking attempt).
  void reset(End how);

 private:
  ssize_t io_failed(int ret, bool reading);
  ssl_st* ssl_ = nullptr;
  unsigned long last_error_ = 0;  // NOLINT(google-runtime-int): OpenSSL's error code type
};

// A usage error (exit 2) when `path` holds no PEM certificate OpenSSL can load.
Status check_ca_file(const std::string& path);

// What a probe handshake negotiated.
struct TlsProbe {
  bool connected = false;  // false: the TCP connect failed (the run counts such errors itself)
  std::string protocol, cipher;  // e.g. "TLSv1.3", "TLS_AES_256_GCM_SHA384"
};

// One blocking handshake (within timeout_s) with the target. A certificate that fails
// verification or any other handshake failure is an error (exit 1) that says why and what to
// do; a TCP connect that fails is not (TlsProbe::connected == false).
Result<TlsProbe> probe_tls(const TlsContext& ctx, const sockaddr_storage& address, socklen_t length,
                           double timeout_s);

}  // namespace wpm::loadgen
