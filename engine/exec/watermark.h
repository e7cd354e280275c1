#pragma once

// Watermarks: how far event time has got. A watermark t says that no more
// rows with an event time below t are expected; operators that wait for
// time to pass (windows closing, state expiring) act on it.
//
// Where they come from. A stream declared with `WATERMARK FOR col AS expr`
// gets a watermark per source partition (a Kafka partition; a generator
// split counts as one): the largest value of `expr` over the partition's
// rows so far (event_time.h evaluates it on each batch). A source task
// combines its partitions' watermarks; a task fed by exchanges combines
// its input channels'. The combination is the same at every level
// (WatermarkCombiner): the minimum over the inputs that are *active*.
//
// Idleness. A partition that returns no rows for `watermark.idle-timeout`
// (while its task reads; time spent waiting for room downstream does not
// count) becomes idle and stops holding the watermark back; when it
// returns rows it is active again and holds it again, but the combined
// watermark never moves backwards (its rows may then be late). A task all
// of whose inputs are idle is idle itself and says so downstream (an idle
// event on its channels), so idleness travels as a status: a channel is
// idle because its producer is, never because of a timer of its own (a
// slow producer is behind, not idle, and must keep holding). When every
// input is idle the combined watermark moves to the largest of theirs, as
// Flink's StatusWatermarkValve flushes it: nothing holds it back any more.
//
// End of input. A source that finishes (a bounded generator, VALUES) ends
// with the watermark kEndOfTime, so every window can close; a task whose
// inputs all ended says the same. An input that ended no longer takes
// part in the minimum.

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/exec/clock.h"

namespace weir::exec {

/// No watermark yet: nothing is known about event time.
inline constexpr int64_t kNoWatermark = std::numeric_limits<int64_t>::min();
/// The input ended: event time is complete.
inline constexpr int64_t kEndOfTime = std::numeric_limits<int64_t>::max();

/// The watermark as people read it: a TIMESTAMP ("2026-01-01 00:00:04",
/// with milli- or microseconds only when it has them), "" for
/// kNoWatermark, "end of input" for kEndOfTime.
std::string WatermarkText(int64_t micros);

/// The combined watermark of several inputs (the partitions of a source
/// split, the channels of a task), each active, idle or ended, as the file
/// comment says. Not thread-safe: one task owns it.
class WatermarkCombiner {
 public:
  explicit WatermarkCombiner(int inputs = 0)
      : inputs_(static_cast<size_t>(inputs)) {}

  /// Adds an input (active, without a watermark); returns its index.
  int AddInput();
  int inputs() const { return static_cast<int>(inputs_.size()); }

  /// Input `i`'s own watermark is now `micros`; a value below what it had
  /// is ignored (an input's watermark never moves back).
  void Advance(int i, int64_t micros);
  void SetIdle(int i, bool idle) {
    inputs_[static_cast<size_t>(i)].idle = idle;
  }
  /// Input `i` ended: it takes no more part (its last watermark counts
  /// only once every input has ended).
  void SetEnded(int i) { inputs_[static_cast<size_t>(i)].ended = true; }

  int64_t input_watermark(int i) const {
    return inputs_[static_cast<size_t>(i)].watermark;
  }
  bool input_idle(int i) const { return inputs_[static_cast<size_t>(i)].idle; }
  bool input_ended(int i) const {
    return inputs_[static_cast<size_t>(i)].ended;
  }

  /// Recomputes the combination after the changes above. Returns true
  /// when watermark() or idle() changed.
  bool Update();

  /// The combined watermark: the minimum over the active inputs; with none
  /// active, the largest of the idle ones; with every input ended, the
  /// largest of theirs. Never lower than before. kNoWatermark until known.
  int64_t watermark() const { return watermark_; }
  /// No input is active and at least one is idle (not merely ended).
  bool idle() const { return idle_; }

 private:
  struct Input {
    int64_t watermark = kNoWatermark;
    bool idle = false;
    bool ended = false;
  };
  std::vector<Input> inputs_;
  int64_t watermark_ = kNoWatermark;
  bool idle_ = false;
};

/// The watermarks of one source split's partitions, with time-based
/// idleness. `idle_timeout` zero: a partition is never idle. Not
/// thread-safe: one task owns it.
class PartitionWatermarks {
 public:
  using TimePoint = Clock::TimePoint;

  /// `partitions`: the partitions of the split (each holds the watermark
  /// back from `start` on until it is idle).
  PartitionWatermarks(const std::vector<int32_t>& partitions,
                      std::chrono::milliseconds idle_timeout, TimePoint start);

  /// Partition `p` returned rows at `now`; `micros` is the largest value
  /// of the watermark expression over them (kNoWatermark when none had
  /// one). A partition not named at construction is added.
  void OnRows(int32_t p, int64_t micros, TimePoint now);

  /// Re-evaluates idleness at `now` and the combination. Returns true when
  /// watermark() or idle() changed.
  bool Update(TimePoint now);

  int64_t watermark() const { return combiner_.watermark(); }
  bool idle() const { return combiner_.idle(); }

 private:
  int IndexOf(int32_t p, TimePoint now);

  std::chrono::milliseconds idle_timeout_;
  std::vector<int32_t> partitions_;   // index -> partition
  std::vector<TimePoint> last_rows_;  // index -> when it last had rows
  WatermarkCombiner combiner_;
};

}  // namespace weir::exec
