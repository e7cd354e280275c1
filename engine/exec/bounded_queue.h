#pragma once

// A bounded multi-producer queue for credit-style backpressure: producers
// on the worker pool never block on it. A producer checks HasRoom() before
// it reads more input and then pushes whatever that input became, so the
// queue may exceed its capacity by at most one push per producer; memory
// stays bounded without a worker ever waiting for space.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace weir::exec {

/// Thread-safe. Close() ends it: pushes are dropped from then on, pops
/// drain what is left and then report the end.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity) {}

  /// True while the queue holds fewer items than its capacity (the credit
  /// a producer needs before it reads more input), or once it is closed
  /// (a producer must not wait for a consumer that is gone).
  bool HasRoom() const {
    std::lock_guard lock(mu_);
    return closed_ || items_.size() < capacity_;
  }

  /// Appends without waiting, even beyond the capacity. False when the
  /// queue was closed (the item is dropped: the consumer is gone).
  bool Push(T item) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      items_.push_back(std::move(item));
      ++pushed_;
    }
    not_empty_.notify_one();
    return true;
  }

  enum class PopResult { kItem, kTimeout, kClosed };

  /// Waits up to `timeout` for an item (for client threads; workers use
  /// TryPop). `was_full` (optional) tells whether the queue was at or
  /// above capacity before the pop, i.e. whether producers may be waiting
  /// for this credit.
  PopResult Pop(T* out, std::chrono::milliseconds timeout,
                bool* was_full = nullptr) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout,
                             [&] { return closed_ || !items_.empty(); })) {
      return PopResult::kTimeout;
    }
    if (items_.empty()) return PopResult::kClosed;
    if (was_full) *was_full = items_.size() >= capacity_;
    *out = std::move(items_.front());
    items_.pop_front();
    ++popped_;
    return PopResult::kItem;
  }

  /// Never waits: kTimeout when empty now.
  PopResult TryPop(T* out, bool* was_full = nullptr) {
    return Pop(out, std::chrono::milliseconds(0), was_full);
  }

  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  /// Items pushed (accepted) and popped since the queue was made. Items
  /// leave in push order, so once popped() reaches a value pushed() had,
  /// every item pushed before that moment has been taken.
  uint64_t pushed() const {
    std::lock_guard lock(mu_);
    return pushed_;
  }
  uint64_t popped() const {
    std::lock_guard lock(mu_);
    return popped_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  uint64_t pushed_ = 0;
  uint64_t popped_ = 0;
};

}  // namespace weir::exec
