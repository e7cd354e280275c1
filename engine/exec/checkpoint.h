#pragma once

// Periodic checkpoints of a persistent query (docs/state-and-recovery.md):
// the Checkpointer is the coordinator. Every `checkpoint.interval` it
// starts checkpoint n by injecting barrier n into the source tasks
// (RunningQuery::InjectBarrier); each task, once barrier n has passed its
// whole chain (aligned over its channels, barrier.h), snapshots its state
// stores (StateStore::Checkpoint), remembers its source position (source
// tasks), has its sink prepare everything written before the barrier
// (Sink::PrepareCheckpoint: delivered, or in an exactly-once sink's open
// transaction), and acknowledges n here. When every task has
// (a task that ended counts when it holds no state and, for a source task,
// its rows all went downstream), the Checkpointer writes the commit record
// (StateBackend::Commit): n is then the query's state, with the source
// positions of its metadata. With exactly-once sinks (SinkCommitter) the
// metadata is first Prepare'd and each sink commits n before the record.
// A checkpoint still running when the next one is due makes that one
// skipped, not queued.
//
// The final checkpoint: when every task ended with its input finished (a
// bounded input read to its end, every row delivered or, for an
// exactly-once sink, in its open transaction), the coordinator writes one
// more commit record, with each source's final position and the stores'
// snapshots the stateful tasks took as they ended (at FinalId()). A
// finished query run again then resumes at the end and writes nothing,
// and an exactly-once sink's last rows are committed.
//
// The source positions live in the commit record's metadata, not in the
// tasks' stores: source tasks usually have no store (their stateful
// operators run behind an exchange), and the record is written atomically
// with the snapshots' list, so the positions and the state always agree.
//
// Thread-safety: tasks call Ack/Ended from worker threads; the
// coordinator's own thread starts checkpoints and writes commit records
// (syncs never run on a worker thread).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/exec/barrier.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/exec/watermark.h"
#include "storage/state_store.h"

namespace weir::exec {

/// A completed checkpoint (SHOW QUERIES).
struct CheckpointInfo {
  uint64_t id = 0;
  /// When its commit record was written.
  std::chrono::system_clock::time_point completed;
  /// From injecting its barriers to its commit record.
  std::chrono::milliseconds duration{0};
  /// Bytes its snapshots added on disk (files the previous ones lacked).
  uint64_t bytes = 0;
};

/// SHOW QUERIES' `checkpoint` column: the last checkpoint completed in this
/// run ("7 at 13:42:07 UTC, 120 ms, 34.0 KiB"), or "" when none has, and
/// "resumed from 4" when the query started from checkpoint 4.
std::string CheckpointText(const std::optional<CheckpointInfo>& last,
                           uint64_t resumed_from);

/// What a query's commit record holds next to its stores' snapshots.
struct CheckpointMetadata {
  /// Identifies the physical plan whose state this is (PlanFingerprint).
  std::string fingerprint;
  /// The physical plan as EXPLAIN shows it, for the message that refuses a
  /// changed plan.
  std::string plan;
  /// Per source task, in plan order: where it had got to (nullopt: its
  /// source keeps no position).
  std::vector<std::optional<SourcePosition>> positions;
  /// Per task, in plan order (State::tasks): the watermark its chain had
  /// acted on when the checkpoint's barrier entered it (kNoWatermark: none).
  /// A resumed task starts from it, so rows late before a crash stay late
  /// after it. Empty: none recorded (the final checkpoint, older records).
  std::vector<int64_t> watermarks;

  std::string Encode() const;
  /// DataLoss naming `what` for bytes Encode did not write.
  static absl::StatusOr<CheckpointMetadata> Decode(std::string_view bytes,
                                                   std::string_view what);
};

/// A stable fingerprint (hex) of a physical plan's text.
std::string PlanFingerprint(std::string_view plan_text);

/// The failpoints of a checkpoint (engine/base/failpoint.h), in order.
inline constexpr char kFailpointAfterStateWrite[] =
    "checkpoint.after_state_write";
inline constexpr char kFailpointBeforeCommitRecord[] =
    "checkpoint.before_commit_record";
/// After the metadata is Prepare'd, before any sink commits (exactly-once
/// sinks only).
inline constexpr char kFailpointBeforeSinkCommit[] =
    "checkpoint.before_sink_commit";
/// Between the sinks' commits (CommitCheckpoint) and the commit record.
inline constexpr char kFailpointDuringSinkCommit[] =
    "checkpoint.during_sink_commit";
inline constexpr char kFailpointAfterCommitRecord[] =
    "checkpoint.after_commit_record";

class Checkpointer {
 public:
  struct TaskInfo {
    /// The task owns state stores: it must acknowledge every checkpoint
    /// (one that ends first makes the checkpoints still open fail).
    bool has_stores = false;
    /// Its index among the source tasks, or -1.
    int source = -1;
  };
  struct Options {
    storage::StateBackend* backend = nullptr;  // not owned
    std::chrono::milliseconds interval{5000};
    std::vector<TaskInfo> tasks;
    int num_sources = 0;
    /// Fingerprint and plan of every record written (positions are added).
    CheckpointMetadata metadata;
    /// The id of the last completed checkpoint found at start (0: none);
    /// new ids continue after it.
    uint64_t resumed_from = 0;
    /// The sinks that commit per checkpoint (exactly-once): each commits
    /// checkpoint n after every task acknowledged it and before its commit
    /// record, which Prepare'd metadata precedes (docs/state-and-recovery.md).
    std::vector<std::shared_ptr<SinkCommitter>> committers;
    /// Injects barrier `id` into every source task.
    std::function<void(CheckpointId)> inject;
    /// A checkpoint completed: source tasks may commit its positions.
    std::function<void()> on_commit;
    /// A checkpoint could not be written: fails the query.
    std::function<void(const absl::Status&)> fail;
    /// Called once, when the coordinator is done with the query: every
    /// task ended and the final checkpoint was written (or was not due),
    /// or Stop. The query counts as running until then.
    std::function<void()> on_done;
  };

  explicit Checkpointer(Options options);
  /// Stops (see Stop).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /// Starts the coordinator thread; the first checkpoint is due one
  /// interval from now.
  void Start();
  /// Stops and joins the coordinator thread: no checkpoint starts or
  /// completes after this returns. Idempotent.
  void Stop();

  /// Task `task` took checkpoint `id`: its stores' snapshots hold `bytes`
  /// new bytes, (source tasks) `position` is where its source was, and
  /// `watermark` the watermark its chain had acted on at the barrier.
  void Ack(int task, CheckpointId id, std::optional<SourcePosition> position,
           uint64_t bytes, int64_t watermark);
  /// The id of the final checkpoint, at which a stateful task whose input
  /// finished snapshots its stores as it ends. Once asked for, no periodic
  /// checkpoint starts any more (one already started may still complete).
  uint64_t FinalId();

  /// How a task ended.
  struct TaskEnd {
    /// Source tasks: the source's position when every row it read went
    /// downstream, or nullopt when some did not (a failure, rows not
    /// delivered).
    std::optional<SourcePosition> final_position;
    /// Its input was read to the end and all its output left it (delivered,
    /// or in its sink's open transaction); a task with stores snapshotted
    /// them at FinalId(), adding `bytes`.
    bool finished = false;
    uint64_t bytes = 0;
  };
  /// Task `task` ended.
  void Ended(int task, TaskEnd end);

  /// The last completed checkpoint's id (0: none yet).
  uint64_t committed() const { return committed_.load(); }
  /// The last checkpoint completed in this run.
  std::optional<CheckpointInfo> last() const;
  /// Checkpoints skipped because the one before was still running.
  uint64_t skipped() const;

 private:
  struct Pending {
    uint64_t id = 0;
    std::chrono::steady_clock::time_point started;
    std::vector<bool> acked;
    std::vector<std::optional<SourcePosition>> positions;
    std::vector<int64_t> watermarks;  // per task
    uint64_t bytes = 0;
  };

  void Run();
  /// With mu_ held: whether the pending checkpoint has every task's part
  /// (marks it ready) or can never have it (drops it).
  void Evaluate();
  /// Writes the commit record of `p` (coordinator thread, without mu_).
  void Complete(Pending p);
  /// With mu_ held, once every task ended: the final checkpoint, when
  /// every task finished.
  std::optional<Pending> FinalLocked();
  /// Calls on_done the first time.
  void Done();

  Options options_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  bool stop_ = false;
  bool ready_ = false;
  uint64_t last_started_ = 0;
  uint64_t skipped_ = 0;
  std::optional<Pending> pending_;
  uint64_t dropped_ = 0;  // a checkpoint Evaluate dropped, for Run to tell

  std::vector<bool> ended_;
  size_t ended_count_ = 0;
  std::vector<std::optional<SourcePosition>> final_positions_;  // per task
  std::vector<bool> finished_;  // per task: TaskEnd::finished
  uint64_t final_bytes_ = 0;
  uint64_t final_id_ = 0;  // FinalId(), 0 until asked for
  bool final_handled_ = false;
  std::atomic<bool> done_called_{false};
  std::optional<CheckpointInfo> last_;
  std::atomic<uint64_t> committed_{0};
};

}  // namespace weir::exec
