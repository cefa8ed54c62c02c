#include "workers/thread_conns.h"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"

namespace wpm::threaded {
namespace {

// The epoll key of a connection: its slot and the low 32 bits of its generation.
uint64_t key_of(const Conn& c, uint64_t tag) {
  return (generation_of(tag) << 32) | c.index;
}

bool arm(int epoll_fd, int op, const Conn& c, uint64_t tag) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = key_of(c, tag);
  return epoll_ctl(epoll_fd, op, c.fd.get(), &ev) == 0;
}

}  // namespace

ConnTable::ConnTable(uint32_t capacity, int epoll_fd, http::BodyBudget& body_budget)
    : capacity_(capacity),
      epoll_fd_(epoll_fd),
      body_budget_(body_budget),
      chunks_(new std::atomic<Conn*>[(capacity + kChunk - 1) / kChunk]) {
  for (uint32_t i = 0; i < (capacity + kChunk - 1) / kChunk; ++i) chunks_[i].store(nullptr);
}

ConnTable::~ConnTable() {
  for (uint32_t i = 0; i < (capacity_ + kChunk - 1) / kChunk; ++i) delete[] chunks_[i].load();
}

Conn& ConnTable::at(uint32_t index) const {
  return chunks_[index / kChunk].load(std::memory_order_acquire)[index % kChunk];
}

uint32_t ConnTable::allocate_slot() {
  {
    std::lock_guard<std::mutex> lock(free_mutex_);
    if (!free_.empty()) {
      uint32_t index = free_.back();
      free_.pop_back();
      return index;
    }
  }
  // One thread accepts at a time (Listener's mutex), so growing needs no lock of its own.
  uint32_t index = allocated_.load(std::memory_order_relaxed);
  if (index >= capacity_) return UINT32_MAX;
  std::atomic<Conn*>& chunk = chunks_[index / kChunk];
  if (chunk.load(std::memory_order_relaxed) == nullptr) {
    Conn* block = new Conn[kChunk];
    for (uint32_t i = 0; i < kChunk; ++i) {
      block[i].index = index + i;
      block[i].parser.use_budget(&body_budget_);
    }
    chunk.store(block, std::memory_order_release);
  }
  allocated_.store(index + 1, std::memory_order_release);
  return index;
}

bool ConnTable::open(UniqueFd fd, uint64_t now_ns, uint64_t deadline_ns) {
  uint32_t index = allocate_slot();
  if (index == UINT32_MAX) return false;
  Conn& c = at(index);
  c.fd = std::move(fd);
  c.parser.reset();
  c.first_byte_ns = 0;
  c.drained = true;
  c.idle_since_ns.store(now_ns, std::memory_order_relaxed);
  c.deadline_ns.store(deadline_ns, std::memory_order_relaxed);
  c.partial.store(false, std::memory_order_relaxed);
  live_.fetch_add(1, std::memory_order_seq_cst);
  // Idle before it is armed: no event can exist for it yet. (The sweeper may see it idle
  // with a far deadline: harmless.)
  uint64_t tag = make_tag(generation_of(c.tag.load(std::memory_order_relaxed)), ConnState::idle);
  c.tag.store(tag, std::memory_order_release);
  if (arm(epoll_fd_, EPOLL_CTL_ADD, c, tag)) return true;
  log_error("epoll_ctl ADD of connection fd ", c.fd.get(), ": ", std::strerror(errno));
  c.tag.store(make_tag(generation_of(tag), ConnState::busy), std::memory_order_relaxed);
  release(c);
  return false;
}

Conn* ConnTable::claim(uint64_t key) {
  uint32_t index = static_cast<uint32_t>(key);
  if (index >= allocated()) return nullptr;
  Conn& c = at(index);
  uint64_t tag = c.tag.load(std::memory_order_acquire);
  for (;;) {
    if ((generation_of(tag) & 0xffffffffu) != (key >> 32)) return nullptr;  // stale event
    ConnState s = state_of(tag);
    if (s == ConnState::idle) {
      if (c.tag.compare_exchange_weak(tag, make_tag(generation_of(tag), ConnState::busy),
                                      std::memory_order_acq_rel, std::memory_order_acquire))
        return &c;
    } else if (s == ConnState::busy) {
      // Its owner is re-arming it or the sweeper holds it: leave a note, the owner sees it.
      if (c.tag.compare_exchange_weak(tag, make_tag(generation_of(tag), ConnState::busy_event),
                                      std::memory_order_acq_rel, std::memory_order_acquire))
        return nullptr;
    } else {
      return nullptr;
    }
  }
}

bool ConnTable::claim_idle(Conn& c, uint64_t seen_tag) {
  if (state_of(seen_tag) != ConnState::idle) return false;
  return c.tag.compare_exchange_strong(seen_tag, make_tag(generation_of(seen_tag), ConnState::busy),
                                       std::memory_order_acq_rel, std::memory_order_acquire);
}

ParkResult ConnTable::park(Conn& c, uint64_t now_ns, uint64_t deadline_ns, bool partial,
                           bool rearm) {
  c.idle_since_ns.store(now_ns, std::memory_order_relaxed);
  c.deadline_ns.store(deadline_ns, std::memory_order_relaxed);
  c.partial.store(partial, std::memory_order_relaxed);
  uint64_t generation = generation_of(c.tag.load(std::memory_order_relaxed));
  uint64_t busy = make_tag(generation, ConnState::busy);
  if (rearm) {
    c.tag.store(busy, std::memory_order_relaxed);  // an older busy_event: the MOD covers it
    if (!arm(epoll_fd_, EPOLL_CTL_MOD, c, busy)) {
      log_error("epoll_ctl MOD of connection fd ", c.fd.get(), ": ", std::strerror(errno));
      return ParkResult::failed;
    }
  }
  uint64_t expected = busy;
  if (c.tag.compare_exchange_strong(expected, make_tag(generation, ConnState::idle),
                                    std::memory_order_release, std::memory_order_relaxed))
    return ParkResult::parked;
  // busy_event: an edge fired while we held the connection and the handler that got it
  // dropped it, so the bytes are ours to read.
  c.tag.store(busy, std::memory_order_relaxed);
  return ParkResult::event;
}

uint32_t ConnTable::release(Conn& c) {
  c.fd.reset();  // closing removes it from the epoll set too (no dup of it exists)
  c.parser.reset();  // frees a large body's buffer now, not when the slot is reused
  c.first_byte_ns = 0;
  uint64_t generation = generation_of(c.tag.load(std::memory_order_relaxed));
  c.tag.store(make_tag(generation + 1, ConnState::free), std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(free_mutex_);
    free_.push_back(c.index);
  }
  return live_.fetch_sub(1, std::memory_order_seq_cst) - 1;
}

}  // namespace wpm::threaded
