#pragma once

// Exchanges: how rows and control events move between the tasks of two
// stages. An exchange has one *channel* per (producer task, consumer task);
// a channel is a FIFO of events with its own credit:
//
//   batch       rows (the part of a producer's batch whose keys the
//               consumer owns)
//   watermark   the producer's output watermark moved (watermark.h)
//   idle/active the producer became idle / active again (watermark.h)
//   barrier     checkpoint barrier n (barrier.h)
//   mark        delivery mark m (at-least-once commits; pipeline.h)
//   end         the producer sends nothing more (finished, or stopped)
//
// Events of one producer reach each consumer in the order it sent them:
// a consumer that takes a control event has taken every batch the producer
// sent before it, and it knows which producer each event came from (the
// channel). Batches are routed by key: the key columns of each row are
// hashed (key_hash.h) to a key group, and the key group to the consumer
// that owns it, so all rows of one key go to one consumer, in order per
// producer. Control events go to every consumer of the producer.
//
// Credit. A channel holds at most `channel_batches` batches before its
// producer must wait: a producer reads more input only while every one of
// its channels has room (HasRoom), then pushes without waiting, so a
// channel exceeds its credit by at most one batch and no worker thread
// ever blocks on an exchange. Control events take no credit (they are
// small, and a producer sends a bounded number of them per batch of
// input). A consumer that takes a batch from a full channel wakes the
// producer.
//
// Delivery marks (the at-least-once precursor of barriers, kept until
// checkpoints replace them): a producer sends mark m behind its rows; each
// consumer, once the rows it took before m are delivered downstream,
// acknowledges it (Ack); the producer learns from Acked when every
// consumer has.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/types/batch.h"

namespace weir::exec {

/// What a channel carries.
enum class EventKind : uint8_t {
  kBatch,
  kWatermark,
  kIdle,
  kActive,
  kBarrier,
  kMark,
  kEnd,
};

/// One item of a channel.
struct Event {
  EventKind kind = EventKind::kBatch;
  /// kBatch: the rows (may carry a selection).
  types::Batch batch;
  /// kWatermark: micros; kBarrier: the checkpoint id; kMark: the mark;
  /// kEnd: 1 when the producer's input finished (it sent kEndOfTime
  /// before), 0 when it was stopped.
  int64_t value = 0;
};

/// One producer's FIFO to one consumer. Thread-safe: the producer pushes
/// and the consumer pops from their own tasks; Close from anywhere.
class Channel {
 public:
  explicit Channel(size_t credit) : credit_(credit == 0 ? 1 : credit) {}

  /// Fewer batches queued than the credit (or closed: a producer must not
  /// wait for a consumer that is gone).
  bool HasRoom() const {
    std::lock_guard lock(mu_);
    return closed_ || batches_ < credit_;
  }
  /// Appends without waiting, even beyond the credit. False when closed
  /// (the event is dropped).
  bool Push(Event event);

  enum class PopResult { kEvent, kEmpty, kClosed };
  /// Takes the first event without waiting. `freed` (optional): a batch
  /// was taken from a channel at or over its credit, so its producer may
  /// be waiting for this room.
  PopResult Pop(Event* out, bool* freed = nullptr);

  /// Drops what is queued from now on and refuses pushes; Pop drains what
  /// is left, then reports kClosed.
  void Close();

  /// Events and batches queued now (tests, diagnostics).
  size_t size() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  size_t batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  size_t credit() const { return credit_; }
  /// The most batches it ever held at once (tests: the credit bound).
  size_t max_batches() const {
    std::lock_guard lock(mu_);
    return max_batches_;
  }

 private:
  const size_t credit_;
  mutable std::mutex mu_;
  std::deque<Event> events_;
  size_t batches_ = 0;
  size_t max_batches_ = 0;
  bool closed_ = false;
};

/// The channels between `producers` tasks of one stage and `consumers`
/// tasks of the next, routing rows by key. Thread-safe as Channel is; each
/// producer index is used by one task, each consumer index by one task.
class Exchange {
 public:
  /// `key_columns` index the columns of the batches pushed (empty: every
  /// row goes to the owner of the one key group of the empty key);
  /// `max_parallelism` key groups are shared by the consumers
  /// (consumers <= max_parallelism).
  Exchange(std::vector<int> key_columns, int producers, int consumers,
           size_t channel_batches, int max_parallelism);

  const std::vector<int>& key_columns() const { return key_columns_; }
  int producers() const { return producers_; }
  int consumers() const { return consumers_; }
  int max_parallelism() const { return max_parallelism_; }

  /// The live rows of `batch` owned by each consumer: (*parts)[c] holds
  /// ascending row indexes. Pure.
  void Partition(const types::Batch& batch,
                 std::vector<types::SelectionVector>* parts) const;

  /// The credit of `producer`: every one of its channels has room.
  bool HasRoom(int producer) const;

  /// Splits `batch` by key and appends each non-empty part to the channel
  /// of `producer` to its consumer (compacted copies; the last part is the
  /// batch itself with a selection), without waiting. Returns the
  /// consumers that received rows.
  std::vector<int> Push(int producer, types::Batch batch);

  /// Appends a control event (not kBatch) of `producer` to each of its
  /// channels, whatever their fill.
  void Broadcast(int producer, EventKind kind, int64_t value);

  Channel& channel(int producer, int consumer) {
    return *channels_[Index(producer, consumer)];
  }

  /// Consumer `consumer` has delivered every row it took before mark
  /// `mark` of `producer`.
  void Ack(int consumer, int producer, uint64_t mark);
  /// The highest mark of `producer` every consumer has acknowledged (0:
  /// none).
  uint64_t Acked(int producer) const;

  /// A consumer task ended; once all have, no acknowledgement is still to
  /// come.
  void ConsumerEnded() { consumers_left_.fetch_sub(1); }
  bool consumers_ended() const { return consumers_left_.load() <= 0; }

  /// Cancellation: every channel is closed (producers see room and their
  /// events are dropped; consumers drain what is queued, then see it
  /// closed).
  void Close();

 private:
  size_t Index(int producer, int consumer) const {
    return static_cast<size_t>(producer) * static_cast<size_t>(consumers_) +
           static_cast<size_t>(consumer);
  }

  std::vector<int> key_columns_;
  int producers_;
  int consumers_;
  int max_parallelism_;
  /// channels_[producer * consumers + consumer]
  std::vector<std::unique_ptr<Channel>> channels_;
  /// acked_[producer * consumers + consumer]: the last mark of the
  /// producer the consumer acknowledged.
  std::vector<std::atomic<uint64_t>> acked_;
  std::atomic<int> consumers_left_;
};

/// A consumer task's view of its input channels: every channel of every
/// exchange it reads (its inputs, in order), polled in turn so no producer
/// starves another. Channels blocked by barrier alignment are skipped. Not
/// thread-safe: one task owns it.
class InputGate {
 public:
  /// Adds the channels of `exchange` to consumer `consumer` as input
  /// number inputs(); returns it.
  int AddInput(Exchange* exchange, int consumer);
  int inputs() const { return static_cast<int>(inputs_.size()); }
  int channels() const { return static_cast<int>(channels_.size()); }

  /// Where a channel leads from.
  struct Origin {
    int input = 0;
    int producer = 0;
  };
  const Origin& origin(int channel) const {
    return channels_[static_cast<size_t>(channel)].origin;
  }
  Exchange& exchange_of(int channel) const {
    return *inputs_[static_cast<size_t>(origin(channel).input)].exchange;
  }
  int consumer_of(int channel) const {
    return inputs_[static_cast<size_t>(origin(channel).input)].consumer;
  }

  /// Takes the next event of the next channel that has one and is neither
  /// blocked nor ended, starting after the channel polled last. A closed
  /// channel (cancellation) yields a kEnd event with value 0. False when
  /// no channel has anything now. `freed`: as Channel::Pop.
  bool Poll(int* channel, Event* out, bool* freed);

  /// Skip (or again take) `channel`'s events.
  void SetBlocked(int channel, bool blocked) {
    channels_[static_cast<size_t>(channel)].blocked = blocked;
  }
  /// `channel` delivered its end; it is not polled again.
  void SetEnded(int channel);
  bool all_ended() const { return open_ == 0; }

  /// Drops everything queued in the channels not ended yet, blocked or
  /// not (the task gives up its input); returns the live rows dropped.
  int64_t DropQueued();

 private:
  struct Input {
    Exchange* exchange = nullptr;
    int consumer = 0;
  };
  struct ChannelState {
    Channel* channel = nullptr;
    Origin origin;
    bool blocked = false;
    bool ended = false;
  };
  std::vector<Input> inputs_;
  std::vector<ChannelState> channels_;
  size_t next_ = 0;
  int open_ = 0;
};

}  // namespace weir::exec
