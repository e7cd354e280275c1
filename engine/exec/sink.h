#pragma once

// Where a persistent query's rows go: a Kafka topic (CREATE SINK ... WITH
// (connector = 'kafka'), INSERT INTO stream SELECT ...), later MySQL tables.
// Implementations live with their connectors; the physical planner gets
// them through a SinkProvider, one Sink per sink task.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// How far a sink's deliveries have got, in rows (live rows of the batches
/// written).
struct SinkDelivery {
  /// Rows acknowledged by the system written to.
  int64_t delivered = 0;
  /// Rows written (queued for delivery) and not acknowledged yet.
  int64_t pending = 0;
  /// Why rows are not being delivered now, when the sink can tell
  /// ("output broker unreachable: HOST:PORT"); empty otherwise.
  std::string problem;
};

/// The part of a sink that commits once per checkpoint for all its tasks
/// (a Kafka sink's one transactional producer). Called from the
/// checkpoint coordinator's thread, concurrently with the tasks' Sink
/// calls: thread-safe.
class SinkCommitter {
 public:
  virtual ~SinkCommitter() = default;
  /// Every task acknowledged checkpoint `id` (each had its
  /// PrepareCheckpoint(id) succeed): makes what the tasks wrote before
  /// their barriers `id` visible, recording `id` with it. Called once per
  /// checkpoint, ids increasing, before the state's commit record.
  virtual absl::Status CommitCheckpoint(uint64_t id) = 0;
  /// The id of the last checkpoint CommitCheckpoint made visible (0:
  /// none), for recovery: a checkpoint whose state was prepared but whose
  /// commit record is missing is rolled forward when every committer says
  /// it. Called before any task writes.
  virtual absl::StatusOr<uint64_t> LastCommittedCheckpoint() = 0;
  /// Checkpoint `id` is over: its commit record is written, or it will
  /// never complete (a task holding state ended before it; what the tasks
  /// prepared for it then goes with the next commit). Tasks that prepared
  /// it may write on.
  virtual void CheckpointDone(uint64_t id) { (void)id; }
};

/// One task's writer. Called from one worker thread at a time (a task may
/// move between workers, never run on two at once); not thread-safe.
class Sink {
 public:
  virtual ~Sink() = default;

  /// Writes the live rows of `batch` (its selection, when it has one) with
  /// their change kinds. May queue them for delivery; must not block for
  /// long (the task runs on a shared worker thread). Returns a delivery
  /// error of earlier writes as soon as one is known, so the query fails
  /// instead of writing on.
  virtual absl::Status Write(const types::Batch& batch) = 0;

  /// False while the sink holds as many undelivered rows as it may: the
  /// task then reads no more input until it is true again. This is the
  /// backpressure of a slow sink; it keeps memory bounded without blocking
  /// a worker thread.
  virtual bool Ready() { return true; }

  /// Waits up to `timeout` until every row written so far is delivered
  /// (acknowledged by the broker). Returns the first delivery error, or
  /// DeadlineExceeded naming what is still in flight.
  virtual absl::Status Flush(std::chrono::milliseconds timeout) = 0;

  /// At checkpoint barrier `id` (every row before it has been written):
  /// waits up to `timeout` until those rows can be committed with
  /// checkpoint `id`; DeadlineExceeded to be called again. The default
  /// delivers them (Flush: at-least-once). A sink with a committer
  /// (Committer()) may instead set them aside for its CommitCheckpoint(id)
  /// and keep what is written after it out of that commit.
  virtual absl::Status PrepareCheckpoint(uint64_t id,
                                         std::chrono::milliseconds timeout) {
    (void)id;
    return Flush(timeout);
  }

  /// The committer this task's sink shares with the sink's other tasks, or
  /// nullptr (the default: nothing to commit per checkpoint).
  virtual std::shared_ptr<SinkCommitter> Committer() { return nullptr; }

  /// Delivered and pending rows so far, for a sink that learns of each
  /// acknowledgement (a Kafka producer's delivery reports); counts may be
  /// approximate while rows are in flight and exact once none are. nullopt
  /// (the default) for a sink that only knows when a Flush succeeds: the
  /// runtime then counts the rows written before each successful Flush as
  /// delivered.
  virtual std::optional<SinkDelivery> Delivery() { return std::nullopt; }

  /// What the sink writes to, for messages ("topic 'out' at
  /// '127.0.0.1:9092'").
  virtual std::string Describe() const { return "the sink"; }
};

/// Opens the writer of task `task` of `tasks` for the catalog entry
/// `target` (a sink, or the stream an INSERT writes), taking rows of
/// `schema` (the query's output, whose columns match the target's).
using SinkProvider = std::function<absl::StatusOr<std::unique_ptr<Sink>>(
    const catalog::Entry& target, std::shared_ptr<const types::Schema> schema,
    int task, int tasks)>;

}  // namespace weir::exec
