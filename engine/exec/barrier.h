#pragma once

// Checkpoint barriers and their alignment. A checkpoint is started by
// giving every source task a barrier id (RunningQuery::InjectBarrier); each
// source task puts the barrier into its stream of rows, in order, and it
// travels through every channel behind the rows before it. A task with
// several input channels *aligns* the barrier: once barrier n arrived on a
// channel, that channel is blocked (its later rows wait in it) until n has
// arrived on every channel still open; then the task has seen exactly the
// rows before n of every producer, hands n to its operators
// (Operator::OnBarrier), which pass it on, and unblocks the channels. That
// is the consistent cut a checkpoint snapshots; taking the snapshot at the
// barrier is the next step (issue 10): today barriers are carried and
// aligned, and operators only pass them on.

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/base/check.h"

namespace weir::exec {

/// A checkpoint's id: increasing from 1 per query, never reused.
enum class CheckpointId : uint64_t {};

inline uint64_t ToInt(CheckpointId id) { return static_cast<uint64_t>(id); }

/// The alignment bookkeeping of one task's input channels (0 .. n-1). Not
/// thread-safe: one task owns it.
class BarrierAligner {
 public:
  explicit BarrierAligner(int channels = 0)
      : channels_(static_cast<size_t>(channels)) {}

  /// Adds a channel; returns its index.
  int AddChannel() {
    channels_.emplace_back();
    return static_cast<int>(channels_.size()) - 1;
  }
  int channels() const { return static_cast<int>(channels_.size()); }

  /// Barrier `id` arrived on `channel`, which is blocked from now on.
  /// Returns the id when this completes the alignment (every open channel
  /// has delivered it): the channels are unblocked and the caller hands
  /// the barrier on. Barriers arrive on each channel in increasing order,
  /// and a channel that delivered the pending barrier delivers nothing
  /// more until it is aligned (it is blocked); a violation is a bug.
  std::optional<CheckpointId> OnBarrier(int channel, CheckpointId id) {
    Channel& c = channels_[static_cast<size_t>(channel)];
    WEIR_CHECK(!c.ended && !c.blocked);
    WEIR_CHECK(ToInt(id) > last_aligned_);
    if (pending_) {
      WEIR_CHECK_MSG(*pending_ == id, "barriers of one checkpoint overlap");
    }
    pending_ = id;
    c.blocked = true;
    return MaybeAligned();
  }

  /// `channel` ended (its producer will send nothing more): it no longer
  /// takes part, which may complete a pending alignment (returned as for
  /// OnBarrier).
  std::optional<CheckpointId> OnEnded(int channel) {
    Channel& c = channels_[static_cast<size_t>(channel)];
    c.ended = true;
    c.blocked = false;
    if (!pending_) return std::nullopt;
    return MaybeAligned();
  }

  /// Whether `channel` delivered the pending barrier and waits for the
  /// others (its events must not be taken).
  bool blocked(int channel) const {
    return channels_[static_cast<size_t>(channel)].blocked;
  }
  /// The barrier being aligned, if any.
  std::optional<CheckpointId> pending() const { return pending_; }
  /// The last barrier aligned (0: none).
  uint64_t last_aligned() const { return last_aligned_; }

 private:
  struct Channel {
    bool blocked = false;
    bool ended = false;
  };

  std::optional<CheckpointId> MaybeAligned() {
    for (const Channel& c : channels_) {
      if (!c.ended && !c.blocked) return std::nullopt;
    }
    CheckpointId id = *pending_;
    pending_.reset();
    last_aligned_ = ToInt(id);
    for (Channel& c : channels_) c.blocked = false;
    return id;
  }

  std::vector<Channel> channels_;
  std::optional<CheckpointId> pending_;
  uint64_t last_aligned_ = 0;
};

}  // namespace weir::exec
