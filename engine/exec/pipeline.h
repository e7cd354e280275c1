#pragma once

// Inside a running query (query.h is the public face): the state its tasks
// share, the task that runs one stage's chain of operators, and the
// operators that end a chain in the query's output. Internal to
// engine/exec.
//
// A task reads one input at a time per step: a batch from its source
// split (source tasks), or the next event of one of its input channels
// (tasks behind exchanges: batches, watermarks, idleness, barriers,
// delivery marks, ends; exchange.h). It combines watermarks over its
// source's partitions or its channels (watermark.h), aligns barriers
// (barrier.h), and feeds its chain (operator.h), whose last operator hands
// rows and events to the task's output: the client queue, its own sink, or
// an exchange to the next stage.
//
// Delivery and commits (at-least-once). A source that keeps positions
// outside Weir (Kafka with group-offsets) must never be committed past a
// row that has not been delivered. Its task therefore takes a *mark* about
// once per commit interval -- the source's position after the rows it has
// pushed downstream -- and commits a mark's position only once every row
// before it is delivered:
//   - client output: once the client has taken every batch queued before
//     the mark (BoundedQueue::pushed/popped);
//   - the task's own sink: the task stops reading and waits until the sink
//     has delivered everything written (a drain, a few ms), then commits;
//   - an exchange: the mark travels through every channel of the task
//     behind its batches; a consumer that takes it delivers what it took
//     before it the same way (its own sink drains, the client takes, or it
//     sends a mark of its own on to the next stage and waits for that) and
//     then acknowledges it; the mark is delivered once every consumer has
//     acknowledged it (Exchange::Broadcast/Ack/Acked).
// At the end of its input (the source finished, Cancel, a failure) a task
// takes a last mark, delivers what it read (final flush, or waits for the
// acknowledgements) and commits what was delivered.
//
// Checkpoints (checkpoint.h) replace marks in a query that takes them: a
// barrier that has passed a task's chain makes the task snapshot its
// stores, note its source position, have its own sink deliver what it
// took before the barrier (a drain, as for a mark) and then acknowledge
// the checkpoint; a source with group-offsets commits a checkpoint's
// positions once the checkpoint is complete, and no marks are taken.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/exec/barrier.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/bounded_queue.h"
#include "engine/exec/checkpoint.h"
#include "engine/exec/clock.h"
#include "engine/exec/event_time.h"
#include "engine/exec/exchange.h"
#include "engine/exec/executor.h"
#include "engine/exec/operator.h"
#include "engine/exec/query.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/exec/watermark.h"
#include "engine/types/batch.h"

namespace weir::exec {

class PipelineTask;

/// What the query's tasks share. Owned jointly by the RunningQuery and its
/// tasks, so a task that outlives the query object inside the executor
/// (between its last step and the executor dropping it) touches nothing
/// freed.
struct RunningQuery::State {
  using Clock = std::chrono::steady_clock;

  Executor* executor = nullptr;
  size_t batch_rows = 1024;
  std::chrono::milliseconds final_flush_timeout{30000};
  std::chrono::milliseconds cancel_flush_timeout{5000};
  std::chrono::milliseconds commit_interval{1000};
  /// The query's state directory (null: none), kept open until the
  /// coordinator below is gone.
  std::shared_ptr<QueryStateDir> state_dir;
  /// The coordinator of checkpoints; null when the query takes none.
  std::unique_ptr<Checkpointer> checkpointer;
  /// Idleness of source partitions (0: never idle), on `clock`.
  std::chrono::milliseconds idle_timeout{0};
  const exec::Clock* clock = nullptr;

  /// Read no more input: Stop (Cancel) or a failure. Rows already read go
  /// on to the output until stop_deadline.
  std::atomic<bool> stopping{false};
  /// The output's reader is gone (the RunningQuery is being destroyed):
  /// queues are closed and nobody waits for the client.
  std::atomic<bool> cancelled{false};
  /// steady_clock nanoseconds; set before `stopping`.
  std::atomic<int64_t> stop_deadline_ns{0};

  std::atomic<int64_t> rows_read{0};
  /// Rows the window operators and windowed aggregates dropped as late.
  std::atomic<int64_t> late_rows{0};
  std::unique_ptr<BoundedQueue<types::Batch>> output;  // client outputs
  std::atomic<int64_t> client_rows_queued{0};
  std::atomic<int64_t> client_rows_taken{0};

  /// An exchange and the tasks on its two sides.
  struct Link {
    std::unique_ptr<Exchange> exchange;
    std::vector<Executor::Task*> producers;
    std::vector<Executor::Task*> consumers;
  };
  std::vector<Link> exchanges;

  // Raw task pointers; valid while the RunningQuery lives (it holds the
  // tasks and outlives their last step).
  std::vector<Executor::Task*> tasks;             // every task
  std::vector<PipelineTask*> source_tasks;        // they take barriers
  std::vector<Executor::Task*> client_producers;  // woken by the client
  std::vector<PipelineTask*> sink_tasks;          // the tasks that own a Sink
  /// The tasks whose output leaves the query (client or sinks): their
  /// watermark is the query's.
  std::vector<PipelineTask*> final_tasks;

  mutable std::mutex mu;
  std::condition_variable ended_cv;
  // Guarded by mu:
  int live_tasks = 0;
  absl::Status error;  // the first failure
  bool error_from_sink = false;
  int64_t ended_delivered = 0;             // rows delivered by sinks that ended
  int64_t undelivered = 0;                 // rows that ended undelivered
  std::string undelivered_note;            // "N rows were not delivered to ..."
  std::string undelivered_to;              // the first sink that gave up
  std::string undelivered_why;             // why it gave up
  int64_t shown_watermark = kNoWatermark;  // what stats() said last

  Clock::time_point stop_deadline() const {
    return Clock::time_point(Clock::duration(stop_deadline_ns.load()));
  }
  void WakeAll() {
    for (Executor::Task* t : tasks) executor->Wake(*t);
  }
  void Wake(const std::vector<Executor::Task*>& tasks_to_wake) {
    for (Executor::Task* t : tasks_to_wake) executor->Wake(*t);
  }
  /// Stop reading; deliver what was read within cancel_flush_timeout.
  void Stop();
  /// Stop, and close the queues: the client is gone.
  void Cancel();
  /// Records the first failure (`from_sink`: the sink's own write or
  /// delivery error) and stops the query.
  void Fail(const absl::Status& status, bool from_sink);
  /// A sink task ended with `rows` undelivered, writing to `to` (`why`).
  void AddUndelivered(int64_t rows, const std::string& to,
                      const std::string& why);
  /// Called once by each task as the last thing of its last step, and once
  /// by the checkpoint coordinator when it is done (Checkpointer on_done).
  void TaskEnded();
};

enum class OutputTo { kClient, kExchange, kSink };

/// One task: a source split or the channels of its input exchanges, an
/// operator chain (ending in an output operator) and, for sink outputs,
/// the task's Sink. Each Step does one batch's worth of work (plus the
/// control events around it), or one slice of waiting for deliveries.
class PipelineTask : public Executor::Task {
 public:
  using State = RunningQuery::State;
  using StepResult = Executor::StepResult;

  PipelineTask(std::shared_ptr<State> state, OutputTo output)
      : state_(std::move(state)), output_(output) {}

  // Set up by Start before the task is submitted.
  std::unique_ptr<Source> source;  // source tasks
  std::shared_ptr<const types::Schema> source_schema;
  std::optional<EventTimeExpr> event_time;  // the stream's WATERMARK FOR
  /// Source tasks of a stream with 'late-rows' = 'dlq': the source
  /// position of each row of the batch being fed to the chain, filled
  /// before each batch (late_rows.h).
  bool fill_positions = false;
  RowPositions row_positions;
  /// The source's own WITH watermark.idle-timeout, over the query's
  /// (State::idle_timeout) for its partitions.
  std::optional<std::chrono::milliseconds> idle_timeout;
  InputGate gate;                           // tasks behind exchanges
  /// Per gate input: its exchange (index into State::exchanges) and the
  /// operators of that input only (may be empty).
  std::vector<int> input_exchanges;
  std::vector<std::vector<std::unique_ptr<Operator>>> input_ops;
  /// The chain shared by every input; the last is the output operator.
  std::vector<std::unique_ptr<Operator>> ops;
  int out_exchange = -1;  // OutputTo::kExchange: index into exchanges
  int producer = -1;      // ... and the task's producer index there
  std::unique_ptr<Sink> sink;
  /// Submitted when this task ends (the next VALUES task: constant rows
  /// come out in the plan's order); `chained` tasks wait for that.
  std::shared_ptr<PipelineTask> then;
  bool chained = false;
  /// Checkpoints: the task's index (State::tasks) and source index
  /// (State::source_tasks, -1: none), and the state stores of its
  /// operators (owned by them), snapshotted at each barrier.
  int index = -1;
  int source_index = -1;
  std::vector<storage::StateStore*> stores;

  /// Rows handed to the task's sink, and whether its Write failed (set by
  /// its SinkOutputOperator).
  int64_t sink_rows_written = 0;
  bool sink_failed = false;

  // The task's sink deliveries, refreshed every step; read by stats() from
  // other threads.
  std::atomic<int64_t> sink_delivered{0};
  std::atomic<int64_t> sink_pending{0};
  std::string sink_problem;  // guarded by state->mu
  /// The source's Progress() after its last Next (empty: none), for SHOW
  /// QUERIES.
  std::string source_progress;  // guarded by state->mu
  bool sink_ended = false;   // guarded by state->mu: counted in ended_*

  // Event time at the task's output, for SHOW QUERIES (final tasks): the
  // last watermark it emitted (never kEndOfTime), whether it is idle, and
  // whether it ended. Read from other threads.
  std::atomic<int64_t> out_watermark{kNoWatermark};
  std::atomic<bool> out_idle{false};
  std::atomic<bool> ended{false};
  /// Checkpoint barriers: the highest id asked for (source tasks, set by
  /// InjectBarrier) and the highest that passed the task's output.
  std::atomic<uint64_t> barrier_requested{0};
  std::atomic<uint64_t> barrier_passed{0};

  /// Called by the output operator: a watermark or barrier left the task.
  void OnOutputWatermark(int64_t micros);
  /// With checkpoints: takes the task's part of checkpoint `id` (the
  /// failure of a snapshot fails the query).
  absl::Status OnOutputBarrier(CheckpointId id);

  StepResult Step() override;

  /// Source tasks of a resumed query, before the task runs: barriers up
  /// to `id` belong to the run that took checkpoint `id`; the first one to
  /// pass is id + 1. (Passed again, they would snapshot the stores under
  /// the ids of completed checkpoints, replacing the snapshot the last
  /// commit record names with state that is ahead of its positions.)
  void SkipBarriersThrough(uint64_t id) { barriers_passed_in_ = id; }
  /// A resumed task: the watermark its chain had acted on at the
  /// checkpoint it resumes from (CheckpointMetadata::watermarks). The chain
  /// gets it before any row, and the task never passes on a lower one, so
  /// rows late before the crash stay late after it.
  void RestoreWatermark(int64_t micros) { restored_watermark_ = micros; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase {
    kRunning,     // reading input
    kDraining,    // reading nothing until the sink delivered what it has
    kFlushing,    // no more input: the final flush
    kCommitting,  // no more input: waiting until the marks are delivered
    kEnded,
  };
  /// A mark taken at the source or received from upstream, and what says
  /// that the rows before it are delivered: the client queue's pushed()
  /// count or the task's own exchange mark.
  struct Mark {
    std::optional<SourcePosition> position;  // to commit (source tasks)
    int channel = -1;                        // >= 0: to acknowledge there
    uint64_t upstream = 0;                   // ... this mark
    uint64_t ticket = 0;
  };

  Operator* head() { return ops.front().get(); }
  Operator* entry(int input);
  bool reads_source() const { return source != nullptr; }
  bool DownstreamHasRoom();
  bool PastStopDeadline() const {
    return state_->stopping.load() && Clock::now() >= state_->stop_deadline();
  }
  Exchange& out() { return *state_->exchanges[out_exchange].exchange; }

  StepResult StepRunning();
  StepResult StepSource();
  /// Asks the source for its Progress() and publishes a change of it.
  void PollSourceProgress();
  StepResult StepConsumer();
  StepResult StepDraining();
  StepResult StepFlushing();
  StepResult StepCommitting();

  /// The most downstream operator with pending output, or nullptr.
  Operator* PendingOperator();
  /// Emits more of an operator's pending output when downstream has room.
  StepResult ContinuePending(Operator* op);

  /// Source tasks: hands barriers asked for since the last step to the
  /// chain, in order.
  absl::Status PassRequestedBarriers();
  /// Source tasks: the partitions' watermark and idleness after a read.
  absl::Status ObserveEventTime(const types::Batch& batch, bool* went_active);
  /// Fills row_positions for the `rows` rows the source just returned.
  void FillPositions(size_t rows);
  absl::Status EmitSourceWatermark();
  /// Sends the task's idleness downstream when it changed.
  void SetIdle(bool idle);

  /// Consumer tasks: one event from channel `channel`.
  absl::Status OnEvent(int channel, Event event, bool* took_batch,
                       bool* ended_input);
  /// The channels' combined watermark after a change.
  absl::Status OnInputWatermark();
  absl::Status OnAligned(std::optional<CheckpointId> aligned);
  /// A delivery mark `mark` from `channel`.
  void OnUpstreamMark(int channel, uint64_t mark);
  void AckUpstream(int channel, uint64_t mark);

  /// The input ended naturally (ending_): once the chain owes no output,
  /// hands it Finish and, once that output is out too, ends the input.
  StepResult ContinueEnding();
  /// No more input. `final_mark`: the rows read so far went through the
  /// chain whole, so the source's position may be committed once they are
  /// delivered. `finished`: the input ended by itself (not a stop).
  StepResult EndInput(bool final_mark, bool finished);
  /// Takes a mark when the commit interval has passed (source tasks whose
  /// source keeps positions).
  void MaybeMark();
  /// Sends a mark of this task's own behind its output; returns its
  /// ticket.
  uint64_t SendMark();
  bool Delivered(const Mark& mark) const;
  /// Commits the latest delivered position, acknowledges delivered
  /// upstream marks, and forgets them.
  void CommitDelivered();
  /// The sink has delivered everything written so far.
  void OnSinkDelivered();
  /// Source tasks: commits the positions of completed checkpoints to the
  /// source (Kafka group-offsets).
  void CommitCheckpointed();
  /// Refreshes sink_delivered/pending/problem from the sink.
  void UpdateSinkDelivery();
  /// Drops what is still queued for this consumer, counting its rows.
  void DropQueued();

  StepResult SourceFailed(const absl::Status& status);
  StepResult ChainFailed(const absl::Status& status);
  StepResult SinkFailed(const absl::Status& status);
  /// Releases what the task owns and tells the query; nothing of the query
  /// is touched after that.
  StepResult End();

  static constexpr std::chrono::milliseconds kFlushSlice{5};

  std::shared_ptr<State> state_;
  OutputTo output_;
  Phase phase_ = Phase::kRunning;
  bool started_ = false;
  // The input ended naturally: the end-of-time watermark went in, and the
  // chain may still owe output (operator.h) before Finish and the end.
  bool ending_ = false;
  bool end_watermark_sent_ = false;
  bool finish_sent_ = false;

  // Event time.
  std::optional<PausableClock> pclock_;            // source tasks
  std::optional<PartitionWatermarks> partitions_;  // source tasks
  std::vector<PartitionRows> runs_;                // scratch
  std::vector<int64_t> offsets_;                   // scratch
  WatermarkCombiner channels_wm_;                  // consumer tasks
  BarrierAligner aligner_;                         // consumer tasks
  int64_t emitted_watermark_ = kNoWatermark;
  int64_t restored_watermark_ = kNoWatermark;  // RestoreWatermark
  /// The watermark the chain had when each barrier still in it entered.
  std::deque<std::pair<uint64_t, int64_t>> barrier_watermarks_;
  bool idle_sent_ = false;
  uint64_t barriers_passed_in_ = 0;  // source tasks: last barrier emitted
  bool inputs_finished_ = true;      // every ended channel ended naturally

  // Marks.
  bool tracks_positions_ = false;  // takes marks
  bool commits_at_end_ = false;    // commits what it delivered at the end
  Clock::time_point next_mark_;
  std::optional<SourcePosition> last_marked_;
  std::deque<Mark> marks_;                        // client and exchange outputs
  uint64_t mark_seq_ = 0;                         // exchange marks sent
  std::optional<SourcePosition> drain_position_;  // own sink: to commit
  std::vector<std::pair<int, uint64_t>> unacked_;  // own sink: to acknowledge

  // Checkpoints.
  struct CheckpointAck {
    CheckpointId id;
    std::optional<SourcePosition> position;
    uint64_t bytes = 0;
    int64_t watermark = kNoWatermark;
  };
  /// Own sink: acknowledged once it delivered what it took before them.
  std::vector<CheckpointAck> drain_acks_;
  /// Source tasks: each checkpoint's position, until it completes.
  std::deque<std::pair<uint64_t, SourcePosition>> checkpoint_positions_;
  /// Source tasks: the position after every row read, once they all went
  /// downstream (EndInput with a final mark); reported when the task ends.
  std::optional<SourcePosition> final_position_;
  /// EndInput was told the input finished (read to its end, not stopped).
  bool input_finished_ = false;

  // Sinks.
  int64_t flushed_rows_ = 0;  // sink_rows_written at the last good Flush
  int64_t dropped_rows_ = 0;  // rows a consumer gave up before writing
  bool gave_up_ = false;      // the stop or flush deadline passed
  bool sink_broken_ = false;  // the sink failed: what it held is lost
  std::string progress_seen_;  // the last source_progress set
  std::string problem_seen_;
  Clock::time_point flush_deadline_;
  std::chrono::milliseconds flush_timeout_{0};
};

/// The end of a chain that feeds the client: compacted batches into the
/// client queue, without waiting (the task checked the credit first).
std::unique_ptr<Operator> MakeClientOutput(RunningQuery::State* state,
                                           PipelineTask* task);
/// The end of a chain that feeds exchange `exchange` as producer
/// `producer`: splits by key and wakes the consumers that received rows;
/// watermarks and barriers go to every consumer.
std::unique_ptr<Operator> MakeExchangeOutput(RunningQuery::State* state,
                                             PipelineTask* task);
/// The end of a chain that writes to `task`'s own sink.
std::unique_ptr<Operator> MakeSinkOutput(RunningQuery::State* state,
                                         PipelineTask* task);

}  // namespace weir::exec
