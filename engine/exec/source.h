#pragma once

// Where a task's rows come from: one split of a source (a set of Kafka
// partitions, a share of a generator's sequence). Implementations live with
// their connectors; the physical planner gets them through a SourceProvider.
//
// Event time. For a stream declared with `WATERMARK FOR`, the runtime
// evaluates the watermark expression on the rows a source returns and keeps
// a watermark per *partition* of the split (watermark.h): a source tells
// which partitions it reads (Partitions) and which partition each row came
// from (RowPartitions). A source with one sequence per split (a generator,
// VALUES) needs neither: its split is one partition. Sources know nothing
// of watermark expressions or idleness.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/late_rows.h"
#include "engine/types/batch.h"

namespace weir::storage {
class StateStore;
}  // namespace weir::storage

namespace weir::exec {

/// Where a source split has got to: for each partition of the split (Kafka
/// partition; a source with one sequence uses 0), the offset of the next
/// record to read (a generator: the number of its next row or event).
/// Made by the source, kept by the runtime: stored in checkpoints, and
/// handed back to the source once the rows before it are delivered.
using SourcePosition = std::map<int32_t, int64_t>;

/// `rows` consecutive rows of a batch that came from `partition`.
struct PartitionRows {
  int32_t partition = 0;
  uint32_t rows = 0;
};

/// One split of a source, read by one task. Not thread-safe.
class Source {
 public:
  virtual ~Source() = default;
  /// Appends up to `max_rows` rows to `out` (a batch of the source's
  /// schema). Returns how many; 0 with finished() true means the end.
  /// Tasks share a fixed pool of worker threads, so Next must not wait for
  /// data: it returns what is at hand now (0 rows when nothing is, e.g. an
  /// idle topic or a paced generator ahead of its schedule), blocking for a
  /// few milliseconds at most. The runtime backs off idle tasks by itself.
  virtual absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) = 0;
  virtual bool finished() const = 0;

  /// Projection pushdown, called at most once, before the first Next: the
  /// query reads only the columns of the source's schema that `read` flags
  /// (one flag per column), so the source may leave the others NULL
  /// instead of decoding them (Kafka's json and debezium-json formats skip
  /// their fields). By default ignored: every column is filled.
  virtual void ReadOnly(const std::vector<bool>& read) { (void)read; }

  /// The partitions this split reads (Kafka partition numbers); each holds
  /// the split's watermark back until it returns rows or goes idle. By
  /// default one, partition 0.
  virtual std::vector<int32_t> Partitions() const { return {0}; }
  /// The partition of each row the last Next returned, as runs in row
  /// order whose counts add up to what it returned. Left empty (the
  /// default), every row is of partition 0.
  virtual void RowPartitions(std::vector<PartitionRows>* runs) const {
    runs->clear();
  }

  /// The source offset (Kafka offset) of each row the last Next returned,
  /// one per row; rows decoded from one record share its offset. Left
  /// empty (the default) when the source has no offsets. Asked only for
  /// streams with `'late-rows' = 'dlq'` (late_rows.h).
  virtual void RowOffsets(std::vector<int64_t>* offsets) const {
    offsets->clear();
  }

  /// A writer of this source's late rows to its dead-letter topic, for a
  /// stream declared with `'late-rows' = 'dlq'`; independent of this split
  /// (it may outlive it) and shared by the query's tasks. The default:
  /// FailedPrecondition, the source keeps no dead letters (the catalog
  /// refuses the option for such connectors first).
  virtual absl::StatusOr<std::shared_ptr<LateRowSink>> OpenLateRowSink() {
    return absl::FailedPreconditionError(
        "this source has no dead-letter topic for late rows");
  }

  /// Where a long first phase of the split stands, as a short text for
  /// SHOW QUERIES ("snapshot 1200 of ~50000 rows, 4100 rows/s"); nullopt
  /// (the default) when there is nothing to tell. Asked by the task that
  /// reads the split, after its Next calls (same thread).
  virtual std::optional<std::string> Progress() const { return std::nullopt; }

  /// Where the split is after every row Next has returned so far, for a
  /// source that keeps positions outside Weir (Kafka with group-offsets
  /// commits them to its consumer group); nullopt for one that does not,
  /// and then the runtime tracks nothing for it. After a Next that failed,
  /// it is still the position after the rows returned before the failure.
  virtual std::optional<SourcePosition> position() const {
    return std::nullopt;
  }

  /// Makes `position` (an earlier position()) the place the next run of
  /// this source starts from. The runtime calls it only once every row
  /// returned before `position` was taken has been delivered (acknowledged
  /// by the sink's broker, or handed to the client of a push query), and
  /// in the order the positions were taken; a source never commits on its
  /// own. Must not block for long (it runs on a worker thread); a failure
  /// to commit is the source's to report (it is not a query error: the next
  /// commit supersedes it).
  virtual void Commit(const SourcePosition& position) { (void)position; }

  /// Where the split is after every row Next has returned so far, for a
  /// checkpoint (docs/state-and-recovery.md): the position a restarted
  /// query hands to StartAt. Unlike position() every source that can
  /// resume has one (Kafka in every startup mode, the generators, VALUES);
  /// nullopt for one that cannot, which a checkpointed query refuses.
  virtual std::optional<SourcePosition> checkpoint_position() const {
    return position();
  }

  /// Whether the split keeps state of its own in checkpoints (the
  /// mysql-cdc source with 'on-binlog-gap' = 'resnapshot' keeps the rows
  /// its changelog holds). When the query has a state directory (it takes
  /// checkpoints, or has stateful operators) the runtime then opens a
  /// store for the split (restored from the checkpoint the query resumes
  /// from, empty otherwise; snapshotted at each barrier together with the
  /// split's checkpoint_position) and hands it over with AttachStore,
  /// before StartAt and the first Next. Without a state directory nothing
  /// is attached. The store's keys should start with a
  /// storage::KeyPrefix(storage::kTaskMetadataOperator, ...).
  virtual bool wants_store() const { return false; }
  virtual void AttachStore(std::shared_ptr<storage::StateStore> store) {
    (void)store;
  }

  /// Makes the split continue from `position` (an earlier
  /// checkpoint_position() of the same split of the same source): called
  /// once, before the first Next, when a query resumes from a checkpoint.
  /// Partitions `position` does not name start as the source's options
  /// say (they returned nothing before the checkpoint). Errors as opening
  /// the source's; Unimplemented for a source that cannot resume.
  virtual absl::Status StartAt(const SourcePosition& position) {
    (void)position;
    return absl::UnimplementedError("this source cannot resume from a checkpoint");
  }
};

/// Creates split `split_index` of `num_splits` of the source `entry` (a
/// stream or table of the catalog), producing rows of `schema`.
using SourceProvider = std::function<absl::StatusOr<std::unique_ptr<Source>>(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split_index, int num_splits)>;

}  // namespace weir::exec
