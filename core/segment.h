// The shared-memory metrics segment: a memfd (mode 0600, never on a file system path) created
// by the master and inherited by workers, who attach by fd number.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/result.h"
#include "core/shm_layout.h"

namespace wpm {

class Segment {
 public:
  // Creates an anonymous segment with `capacity` worker slots, all free.
  static Result<Segment> create(uint32_t capacity);
  // Maps an inherited segment fd; refuses a mismatched magic or layout hash.
  static Result<Segment> attach(int fd);

  Segment(Segment&& other) noexcept;
  Segment& operator=(Segment&& other) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment();

  int fd() const { return fd_; }
  uint32_t capacity() const { return header().capacity; }
  SegmentHeader& header() const { return *static_cast<SegmentHeader*>(base_); }
  MasterCells& master() const { return header().master; }
  // Counts folded in from recycled slots (worker_id "__retired__").
  WorkerSlot& archive() const { return slots_()[0]; }
  WorkerSlot& slot(uint32_t i) const { return slots_()[i + 1]; }

  static size_t bytes_for(uint32_t capacity);

 private:
  Segment(int fd, void* base, size_t size) : fd_(fd), base_(base), size_(size) {}
  WorkerSlot* slots_() const {
    return reinterpret_cast<WorkerSlot*>(static_cast<char*>(base_) + sizeof(SegmentHeader));
  }
  void release();

  int fd_ = -1;
  void* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wpm
