#include "core/segment.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <new>

namespace wpm {

size_t Segment::bytes_for(uint32_t capacity) {
  return sizeof(SegmentHeader) + sizeof(WorkerSlot) * (static_cast<size_t>(capacity) + 1);
}

Result<Segment> Segment::create(uint32_t capacity) {
  // No MFD_CLOEXEC: workers inherit the fd across exec. memfds are created 0600-equivalent
  // (owner only); fchmod makes the intent explicit.
  int fd = memfd_create("wpm-metrics", 0);
  if (fd < 0) return errno_error("memfd_create(wpm-metrics)");
  size_t size = bytes_for(capacity);
  if (fchmod(fd, 0600) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
    Error e = errno_error("sizing metrics segment to " + std::to_string(size) + " bytes");
    close(fd);
    return e;
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) {
    Error e = errno_error("mmap metrics segment");
    close(fd);
    return e;
  }
  // ftruncate zero-fills: every atomic starts at 0 (free slots, empty label sets).
  auto* header = new (base) SegmentHeader{};
  header->magic = kSegmentMagic;
  header->layout_hash = layout_hash();
  header->capacity = capacity;
  header->slot_size = sizeof(WorkerSlot);
  return Segment(fd, base, size);
}

Result<Segment> Segment::attach(int fd) {
  struct stat st{};
  if (fstat(fd, &st) != 0) return errno_error("fstat metrics segment fd " + std::to_string(fd));
  if (static_cast<size_t>(st.st_size) < sizeof(SegmentHeader))
    return Error{"metrics segment fd " + std::to_string(fd) + " is too small"};
  size_t size = static_cast<size_t>(st.st_size);
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return errno_error("mmap metrics segment fd " + std::to_string(fd));
  const auto* header = static_cast<const SegmentHeader*>(base);
  if (header->magic != kSegmentMagic || header->layout_hash != layout_hash() ||
      header->slot_size != sizeof(WorkerSlot) || bytes_for(header->capacity) > size) {
    munmap(base, size);
    return Error{"metrics segment layout mismatch (built from a different wpm version?)"};
  }
  return Segment(fd, base, size);
}

Segment::Segment(Segment&& other) noexcept
    : fd_(other.fd_), base_(other.base_), size_(other.size_) {
  other.fd_ = -1;
  other.base_ = nullptr;
}

Segment& Segment::operator=(Segment&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    base_ = other.base_;
    size_ = other.size_;
    other.fd_ = -1;
    other.base_ = nullptr;
  }
  return *this;
}

Segment::~Segment() { release(); }

void Segment::release() {
  if (base_ != nullptr) munmap(base_, size_);
  if (fd_ >= 0) close(fd_);
  base_ = nullptr;
  fd_ = -1;
}

}  // namespace wpm
