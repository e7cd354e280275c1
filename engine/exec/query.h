#pragma once

// Running a query: the physical planner (physical_plan.h) cuts the logical
// plan into stages joined by exchanges, and RunningQuery::Start makes the
// stages' tasks and runs them on a shared worker pool (executor.h).
//
// Tasks: every source (each input branch of a UNION ALL) gets one source
// task per split (`parallelism`), and constant rows (a Values node) one
// task, the Values tasks of a plan running one after another in plan order
// (values_source.h); a source task reads one batch per step and pushes it
// through its own copy of the stateless operators above its scan (filter,
// project, the union, a LIMIT shared by all tasks) to its stage's output:
//   - the client queue (push queries, queries over constants), drained by
//     RunningQuery::Next;
//   - a Sink per task (CREATE SINK, INSERT) when the rows are append-only
//     or the target has no key;
//   - an exchange (exchange.h) on the target's key columns into
//     `parallelism` sink tasks when the query writes a changelog into a
//     keyed target, so all changes of one key are written by one task, in
//     order; a sink task reads one channel from every source task.
// Backpressure is credit-style: a task reads only when everything
// downstream can take a batch (client queue, every channel it feeds, the
// sink's Ready()), so a stalled client or sink keeps memory bounded without
// blocking a worker thread.
//
// Event time: sources of streams with `WATERMARK FOR` produce watermarks
// per partition, combined by minimum over partitions and channels with
// idleness (watermark.h); the query's watermark (QueryStats::watermark,
// SHOW QUERIES) is that of its output.
//
// Delivery is at-least-once: a source that keeps positions (Kafka with
// group-offsets) is committed only up to rows that were delivered -- taken
// by the client, or acknowledged by the sinks they went to (through the
// exchange too); see pipeline.h. Stopping (Cancel, a failure, the end of
// bounded sources) stops reading, delivers what was read and commits it.
//
// Checkpoints (QueryOptions::checkpoint_interval; checkpoint.h): a
// persistent query snapshots its state and source positions periodically,
// and with a state_name resumes from its last checkpoint when started
// again with the same plan.
//
// GROUP BY without windows, SELECT DISTINCT, UNION (distinct) over streams
// and the changelog normalize of Kafka upsert tables keep state in RocksDB
// (aggregate.h, changelog_normalize.h); windows, joins and top-N are
// refused with Unimplemented until they are built; a UNION over constants
// removes duplicates in memory (distinct.h).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/barrier.h"
#include "engine/exec/checkpoint.h"
#include "engine/exec/clock.h"
#include "engine/exec/executor.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/operator.h"
#include "engine/exec/physical_plan.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/exec/view_state.h"
#include "engine/exec/watermark.h"
#include "engine/sql/logical_plan.h"
#include "engine/types/batch.h"

namespace weir::exec {

/// Removes the kept state of the persistent query writing `name` under
/// `state_dir` (QueryOptions::state_name), if there is any: DROP of a sink
/// or stream starts its next query afresh. FailedPrecondition while a
/// query has it open.
absl::Status DropQueryState(const std::filesystem::path& state_dir,
                            const std::string& name);

/// The default of SET 'state.cache-size': 64 MiB.
inline constexpr size_t kDefaultStateCacheBytes = size_t{64} << 20;

struct QueryOptions {
  /// Splits per source and sink tasks behind an exchange; 0 means one per
  /// core.
  int parallelism = 0;
  /// Rows a source reads into one batch at most.
  size_t batch_rows = 1024;
  /// Result batches waiting for the client before the sources pause; also
  /// the credit (in batches) of each exchange channel.
  size_t output_queue_batches = 8;
  /// Key groups behind keyed exchanges (SET 'max-parallelism'); at least
  /// the parallelism.
  int max_parallelism = kDefaultMaxParallelism;
  /// How long a source partition may return nothing before it stops
  /// holding the watermark back (SET 'watermark.idle-timeout'); 0: never.
  std::chrono::milliseconds idle_timeout{5000};
  /// The clock of idleness; not owned, must outlive the query. nullptr:
  /// SystemClock().
  const Clock* clock = nullptr;
  /// The worker pool; not owned, must outlive the query. nullptr: the query
  /// creates and owns a private pool with one thread per core.
  Executor* executor = nullptr;
  /// Opens the writers of sink tasks; required for sink and insert outputs
  /// (InvalidArgument otherwise), unused for client outputs.
  SinkProvider sinks;
  /// How long sinks may take to deliver their rows at the end of a bounded
  /// query, and after Cancel().
  std::chrono::milliseconds final_flush_timeout{30000};
  std::chrono::milliseconds cancel_flush_timeout{5000};
  /// How often a source that keeps positions (Kafka group-offsets) has the
  /// position of its delivered rows committed (without checkpoints; with
  /// them, each completed checkpoint's positions are).
  std::chrono::milliseconds commit_interval{1000};
  /// Where a query with stateful operators (GROUP BY) keeps its state: a
  /// new subdirectory of this one (SET 'state.dir'), or, when empty, a
  /// fresh temporary directory; either is removed when the query ends.
  /// With `state_name`, see there.
  std::filesystem::path state_dir;
  /// A persistent query's identity (the name of what it writes): its
  /// state lives in `state_dir`/`state_name` (state_dir empty:
  /// storage::DefaultStateDir()), is kept when the query ends, and a query
  /// started on it resumes from its last completed checkpoint -- its
  /// stores restored, its source splits continuing from their positions --
  /// when its physical plan is the same, and is refused (naming what
  /// changed) when it is not. Empty: nothing is kept.
  std::string state_name;
  /// How often the query takes a checkpoint (SET 'checkpoint.interval';
  /// checkpoint.h); 0: never.
  std::chrono::milliseconds checkpoint_interval{0};
  /// The hot-state cache of all its stateful tasks together (SET
  /// 'state.cache-size'); state beyond it lives in RocksDB.
  size_t state_cache_bytes = kDefaultStateCacheBytes;
  /// For a materialized view's query (rooted at OutputNode(kMaterialize)):
  /// the view's rows, which its view store keeps up to date for pull
  /// queries (view_state.h); required for such a query.
  std::shared_ptr<ViewState> view_state;
};

struct QueryStats {
  /// Rows returned by sources.
  int64_t rows_read = 0;
  /// Output rows delivered: taken by the client (push queries), or
  /// acknowledged by the sinks' systems (a Kafka broker).
  int64_t rows_written = 0;
  /// Output rows handed on and not delivered yet: queued for the client,
  /// or written to a sink and not acknowledged. Once the query has ended:
  /// the rows that were never delivered.
  int64_t rows_pending = 0;
  /// Why rows are not being delivered now, as a sink tells it ("output
  /// broker unreachable: HOST:PORT"); empty while deliveries flow.
  std::string delivery_problem;
  /// The watermark the output has reached (kNoWatermark: none yet, or the
  /// query reads no stream with a watermark); it never moves back.
  int64_t watermark = kNoWatermark;
  /// Rows dropped because every window they belong to had closed (behind
  /// the watermark by more than ALLOWED LATENESS), or because their window
  /// time was NULL (window.h).
  int64_t late_rows = 0;
  /// The last checkpoint completed in this run (nullopt: none yet, or the
  /// query takes none).
  std::optional<CheckpointInfo> last_checkpoint;
  /// The checkpoint the query resumed from when it started (0: none).
  uint64_t resumed_from = 0;
  /// Where its sources' long first phases stand (Source::Progress, e.g. a
  /// mysql-cdc snapshot), joined with "; "; empty when none has any.
  std::string progress;
};

/// A started query. Thread-safe: a client thread calls Next/Cancel while
/// the tasks run on the worker pool; done/status/stats from any thread.
/// Destroying it stops the query as Cancel does, except that rows queued
/// for the client are dropped (the client is gone), and waits until no
/// worker runs any of its tasks (it never joins the pool's threads unless
/// the pool is its own); sinks still get their cancel_flush_timeout.
class RunningQuery {
 public:
  /// Plans `plan` (rooted at an OutputNode) against `catalog` and starts its
  /// tasks. Unimplemented, naming the operator, for plans with stateful
  /// operators; InvalidArgument for a sink or insert output without
  /// `options.sinks`, or a keyed stage with more tasks than
  /// `options.max_parallelism`; FailedPrecondition when the state of
  /// `options.state_name` is of another plan (saying what changed and how
  /// to start afresh); errors from opening sources and sinks and the state
  /// directory as they are.
  static absl::StatusOr<std::unique_ptr<RunningQuery>> Start(
      const sql::PlanPtr& plan, const catalog::Catalog& catalog,
      const SourceProvider& sources, QueryOptions options);
  ~RunningQuery();
  RunningQuery(const RunningQuery&) = delete;
  RunningQuery& operator=(const RunningQuery&) = delete;

  /// Waits up to `timeout` for results (client outputs). Returns a batch of
  /// result rows (without selection), nullopt when nothing arrived in time,
  /// or the query's error. After the end (all sources done, the LIMIT
  /// reached or cancelled) it returns nullopt and finished() is true. For
  /// sink outputs it only waits for the end.
  absl::StatusOr<std::optional<types::Batch>> Next(
      std::chrono::milliseconds timeout);
  /// Next() has reported the end.
  bool finished() const { return finished_; }
  /// Stops reading sources. Rows already read still go to the output:
  /// sinks get up to cancel_flush_timeout to deliver them (rows still
  /// undelivered then end the query with an Unavailable error saying how
  /// many), Next still returns the rows queued for the client, and the
  /// positions of delivered rows are committed. Then the query ends.
  /// Returns at once; see WaitUntilDone.
  void Cancel();
  /// Waits up to `timeout` until done(). Returns done().
  bool WaitUntilDone(std::chrono::milliseconds timeout) const;
  /// Once done: "N rows were not delivered to <sink> (<why>)" when output
  /// rows were never delivered, else "".
  std::string undelivered_note() const;

  /// True once every task has ended: sources finished, the LIMIT reached,
  /// cancelled or failed, and what was read delivered (or given up).
  bool done() const;
  /// The error that failed the query; OK while it runs or after a clean end.
  absl::Status status() const;
  QueryStats stats() const;

  /// The output schema.
  const std::shared_ptr<const types::Schema>& schema() const { return schema_; }
  /// The physical plan, for EXPLAIN (as ExplainPhysical, with the actual
  /// task counts).
  const std::string& physical_plan() const { return physical_; }

  /// Asks every source task to put checkpoint barrier `id` into its rows
  /// at its next step (ids increase by one from 1; a task that missed some
  /// sends each in turn). The barrier travels every channel behind the rows
  /// before it and is aligned by tasks with several channels (barrier.h).
  /// Thread-safe.
  void InjectBarrier(CheckpointId id);
  /// The highest barrier that has reached the output of every task whose
  /// output leaves the query and that has not ended (0: none). Thread-safe.
  uint64_t barrier_passed() const;

  struct State;  // shared with the tasks (query.cc)

 private:
  RunningQuery() = default;

  std::unique_ptr<Executor> owned_executor_;
  std::shared_ptr<State> state_;
  std::vector<std::shared_ptr<Executor::Task>> tasks_;
  std::shared_ptr<const types::Schema> schema_;
  std::string physical_;
  bool finished_ = false;
  uint64_t resumed_from_ = 0;
};

}  // namespace weir::exec
