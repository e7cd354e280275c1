#pragma once

// The runtime's clock for what depends on elapsed time rather than on
// event time: when a source partition counts as idle
// (`watermark.idle-timeout`), and later checkpoint intervals. Queries take
// it from QueryOptions::clock, so a test drives it by hand (ManualClock)
// instead of sleeping, as RocksDB tests inject their clock.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace weir::exec {

/// A monotonic clock. Implementations are thread-safe: every task of a
/// query reads it from its own worker.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

/// std::chrono::steady_clock.
const Clock& SystemClock();

/// A clock that moves only when told to (tests). Starts at an arbitrary
/// fixed point. Thread-safe.
class ManualClock : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::nanoseconds(nanos_.load()));
  }
  void Advance(std::chrono::nanoseconds d) { nanos_ += d.count(); }

 private:
  // Far from zero, so "now - timeout" never underflows.
  std::atomic<int64_t> nanos_{int64_t{1} << 50};
};

/// Time that passes only while running: a task's view of a clock that
/// stops while the task may not read its source (downstream has no room),
/// so backpressure never makes a partition look idle (a partition that
/// was not read has not been silent). Not thread-safe: one task owns it.
class PausableClock {
 public:
  explicit PausableClock(const Clock* clock) : clock_(clock) {}

  /// Running time: the clock's time minus every pause so far.
  Clock::TimePoint Now() const {
    Clock::TimePoint now = clock_->Now();
    if (paused_) now = paused_at_;
    return now - paused_total_;
  }
  void Pause() {
    if (paused_) return;
    paused_ = true;
    paused_at_ = clock_->Now();
  }
  void Resume() {
    if (!paused_) return;
    paused_ = false;
    paused_total_ += clock_->Now() - paused_at_;
  }
  bool paused() const { return paused_; }

 private:
  const Clock* clock_;
  bool paused_ = false;
  Clock::TimePoint paused_at_{};
  Clock::TimePoint::duration paused_total_{0};
};

}  // namespace weir::exec
