#include "workers/successor.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/log.h"
#include "core/result.h"

namespace wpm {

SuccessorRequest& SuccessorRequest::operator=(SuccessorRequest&& other) noexcept {
  if (this == &other) return *this;
  if (fd_ >= 0) ::close(fd_);
  at_ = std::exchange(other.at_, 0);
  fd_ = std::exchange(other.fd_, -1);
  hot_ = std::exchange(other.hot_, nullptr);
  return *this;
}

SuccessorRequest::~SuccessorRequest() {
  if (fd_ >= 0) ::close(fd_);
}

void SuccessorRequest::request() {
  if (hot_ == nullptr || fd_ < 0) return;
  // The flag first: the master reads it when the eventfd wakes it.
  hot_->successor_wanted.store(kSuccessorWanted, std::memory_order_release);
  uint64_t one = 1;
  ssize_t n;
  do n = ::write(fd_, &one, sizeof one);
  while (n < 0 && errno == EINTR);
  if (n < 0) log_warning("cannot ask the master for a successor: ", errno_error("write").message);
}

}  // namespace wpm
