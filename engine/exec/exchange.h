#pragma once

// The hash exchange: moves rows between tasks so that every row goes to
// the task that owns its key. Producers (any number of tasks) hash the key
// columns of each live row, split the batch per consumer and append each
// part to that consumer's bounded input queue; each consumer task polls its
// own queue. All rows of one key therefore reach one consumer, in the order
// each producer pushed them.
//
// Used in front of keyed sinks that write a changelog (every change of a
// key is written by one task, in order) and, later, in front of stateful
// operators (GROUP BY, joins) whose state is partitioned by key.
//
// Besides batches, a producer sends *delivery marks* through it: a mark
// goes into every consumer queue behind the batches the producer pushed
// before it, so a consumer that takes mark m of producer p has taken all of
// p's rows before m. Once the consumer's sink has delivered everything it
// wrote, it acknowledges m (Ack), and once every consumer has, p knows all
// its rows before m are delivered and may commit the source position it
// took with m. This is the at-least-once precursor of checkpoint barriers,
// which will travel the same way (and add alignment and state); watermarks
// join when the stateful operators behind the exchange need them.
//
// Backpressure is credit-style, like BoundedQueue: a producer reads more
// input only while HasRoom() (every consumer queue below capacity), then
// pushes without waiting, so a queue exceeds its capacity by at most one
// batch per producer and no worker thread ever blocks on the exchange.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/exec/bounded_queue.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// A 64-bit hash of the key columns of each live row of `batch`, in
/// selection order (one entry per live row). Hashes the typed values
/// (XXH3 over the physical representation, NULLs as a marker, -0.0 and NaN
/// normalized), so equal keys hash equally in every task and every run.
void HashKeyColumns(const types::Batch& batch,
                    const std::vector<int>& key_columns,
                    std::vector<uint64_t>* hashes);

/// The consumer (of `consumers`) that owns a key hash.
inline int ConsumerOfHash(uint64_t hash, int consumers) {
  return static_cast<int>(hash % static_cast<uint64_t>(consumers));
}

/// Thread-safe: producers call HasRoom/Push/PushMark/ProducerDone/Acked
/// from their tasks, consumer c calls Poll(c)/Ack(c, ...) from its task;
/// Close from anywhere.
class HashExchange {
 public:
  /// `key_columns` index the columns of the batches pushed; `producers`
  /// is how many ProducerDone calls end the stream; `queue_batches` is
  /// each consumer queue's capacity in batches.
  HashExchange(std::vector<int> key_columns, int producers, int consumers,
               size_t queue_batches);

  const std::vector<int>& key_columns() const { return key_columns_; }
  int producers() const { return producers_; }
  int consumers() const { return static_cast<int>(queues_.size()); }

  /// The live rows of `batch` owned by each consumer: (*parts)[c] holds
  /// ascending row indexes. Pure; usable without queues.
  void Partition(const types::Batch& batch,
                 std::vector<types::SelectionVector>* parts) const;

  /// The producer's credit: true when every consumer queue is below its
  /// capacity (or the exchange is closed).
  bool HasRoom() const;

  /// Splits `batch` by key and appends each non-empty part to its
  /// consumer's queue (compacted copies; the last part is the batch itself
  /// with a selection), without waiting. Returns the
  /// consumers that received rows (so the caller can wake them). Rows are
  /// dropped once the exchange is closed.
  std::vector<int> Push(types::Batch batch);

  /// Appends delivery mark `mark` (increasing per producer, from 1) of
  /// `producer` (0 .. producers-1) to every consumer queue, without waiting
  /// and whatever their fill (a mark carries no rows). Dropped once the
  /// exchange is closed (it is then never acknowledged).
  void PushMark(int producer, uint64_t mark);

  /// Consumer `consumer` has delivered every row it took before mark
  /// `mark` of `producer`.
  void Ack(int consumer, int producer, uint64_t mark);

  /// The highest mark of `producer` that every consumer has acknowledged
  /// (0: none).
  uint64_t Acked(int producer) const;

  /// One producer will push no more. After all producers are done and a
  /// consumer's queue is drained, Poll reports kEnd.
  void ProducerDone();

  enum class PollResult { kBatch, kMark, kEmpty, kEnd };
  /// A delivery mark as a consumer takes it.
  struct Mark {
    int producer = -1;
    uint64_t mark = 0;
  };
  /// Takes the next item of consumer `consumer` without waiting: a batch
  /// (kBatch, into `out`) or a delivery mark (kMark, into `mark` when given).
  /// `was_full` (optional): the queue was at capacity before this pop, so
  /// producers may be waiting for the credit.
  PollResult Poll(int consumer, types::Batch* out, Mark* mark = nullptr,
                  bool* was_full = nullptr);

  /// Cancellation: producers see room (they must not wait) and drop their
  /// rows; consumers drain what is queued and then see kEnd.
  void Close();

  /// Items (batches and marks) queued for `consumer` now (tests,
  /// diagnostics).
  size_t queued(int consumer) const {
    return queues_[static_cast<size_t>(consumer)]->size();
  }

 private:
  /// A queue entry: a batch, or a mark (producer >= 0) with no rows.
  struct Item {
    types::Batch batch;
    int producer = -1;
    uint64_t mark = 0;
  };

  std::vector<int> key_columns_;
  int producers_;
  std::atomic<int> producers_left_;
  std::vector<std::unique_ptr<BoundedQueue<Item>>> queues_;
  /// acked_[producer * consumers + consumer]: the last mark of the
  /// producer that the consumer acknowledged.
  std::vector<std::atomic<uint64_t>> acked_;
};

}  // namespace weir::exec
