#pragma once

// A blocking, bounded, multi-producer queue: the runtime's backpressure.
// Producers block while it is full, so a slow consumer slows the sources
// instead of growing memory.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace weir::exec {

/// Thread-safe. Close() wakes everyone: pushes fail from then on, pops drain
/// what is left and then report the end.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  /// Blocks while full. False when the queue was closed (the item is
  /// dropped: the consumer is gone).
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  enum class PopResult { kItem, kTimeout, kClosed };

  /// Waits up to `timeout` for an item.
  PopResult Pop(T* out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) {
      return PopResult::kTimeout;
    }
    if (items_.empty()) return PopResult::kClosed;
    *out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return PopResult::kItem;
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace weir::exec
