#pragma once

// Inside a running query (query.h is the public face): the state its tasks
// share, the task that runs one pipeline, and the operators that end a
// chain in the query's output. Internal to engine/exec.
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
//   - a hash exchange: the mark travels through every consumer queue behind
//     the task's batches; each consumer drains its sink when it takes the
//     mark and acknowledges it; the mark is delivered once every consumer
//     has acknowledged it (HashExchange::PushMark/Ack/Acked).
// At the end of its input (the source finished, Cancel, a failure) a task
// takes a last mark, delivers what it read (final flush, or waits for the
// acknowledgements) and commits what was delivered. Checkpoint barriers
// will replace marks: the same path through the exchange, with state.

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
#include "engine/exec/bounded_queue.h"
#include "engine/exec/exchange.h"
#include "engine/exec/executor.h"
#include "engine/exec/operator.h"
#include "engine/exec/query.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
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

  /// Read no more input: Stop (Cancel) or a failure. Rows already read go
  /// on to the output until stop_deadline.
  std::atomic<bool> stopping{false};
  /// The output's reader is gone (the RunningQuery is being destroyed):
  /// queues are closed and nobody waits for the client.
  std::atomic<bool> cancelled{false};
  /// steady_clock nanoseconds; set before `stopping`.
  std::atomic<int64_t> stop_deadline_ns{0};

  std::atomic<int64_t> rows_read{0};
  std::unique_ptr<BoundedQueue<types::Batch>> output;  // client outputs
  std::atomic<int64_t> client_rows_queued{0};
  std::atomic<int64_t> client_rows_taken{0};
  std::unique_ptr<HashExchange> exchange;  // keyed changelog sinks
  std::atomic<int> consumers_left{0};

  // Raw task pointers; valid while the RunningQuery lives (it holds the
  // tasks and outlives their last step).
  std::vector<Executor::Task*> source_tasks;
  std::vector<Executor::Task*> consumer_tasks;
  std::vector<PipelineTask*> sink_tasks;  // the tasks that own a Sink

  mutable std::mutex mu;
  std::condition_variable ended_cv;
  // Guarded by mu:
  int live_tasks = 0;
  absl::Status error;  // the first failure
  bool error_from_sink = false;
  int64_t ended_delivered = 0;   // rows delivered by sinks that ended
  int64_t undelivered = 0;       // rows that ended undelivered
  std::string undelivered_note;  // "N rows were not delivered to ..."
  std::string undelivered_to;    // the first sink that gave up
  std::string undelivered_why;   // why it gave up

  Clock::time_point stop_deadline() const {
    return Clock::time_point(Clock::duration(stop_deadline_ns.load()));
  }
  void WakeAll() {
    for (Executor::Task* t : source_tasks) executor->Wake(*t);
    for (Executor::Task* t : consumer_tasks) executor->Wake(*t);
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
  /// Called once by each task as the last thing of its last step.
  void TaskEnded();
};

enum class OutputTo { kClient, kExchange, kSink };

/// One task: a source split or an exchange consumer as input, an operator
/// chain (head first, ending in an output operator) and, for sink outputs,
/// the task's Sink. Each Step does one batch's worth of work, or one slice
/// of waiting for deliveries.
class PipelineTask : public Executor::Task {
 public:
  using State = RunningQuery::State;
  using StepResult = Executor::StepResult;

  PipelineTask(std::shared_ptr<State> state, OutputTo output)
      : state_(std::move(state)), output_(output) {}

  // Set up by Start before the task is submitted.
  std::unique_ptr<Source> source;
  std::shared_ptr<const types::Schema> source_schema;
  int consumer = -1;  // >= 0: reads exchange queue `consumer`, no source
  int producer = -1;  // >= 0: the task's index among the exchange producers
  std::unique_ptr<Sink> sink;
  std::vector<std::unique_ptr<Operator>> ops;
  /// Submitted when this task ends (the next VALUES task: constant rows
  /// come out in the plan's order); `chained` tasks wait for that.
  std::shared_ptr<PipelineTask> then;
  bool chained = false;

  /// Rows handed to the task's sink, and whether its Write failed (set by
  /// its SinkOutputOperator).
  int64_t sink_rows_written = 0;
  bool sink_failed = false;

  // The task's sink deliveries, refreshed every step; read by stats() from
  // other threads.
  std::atomic<int64_t> sink_delivered{0};
  std::atomic<int64_t> sink_pending{0};
  std::string sink_problem;  // guarded by state->mu
  bool sink_ended = false;   // guarded by state->mu: counted in ended_*

  StepResult Step() override;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase {
    kRunning,     // reading input
    kDraining,    // reading nothing until the sink delivered what it has
    kFlushing,    // no more input: the final flush
    kCommitting,  // no more input: waiting until the marks are delivered
    kEnded,
  };
  /// A source position, and what says that the rows before it are
  /// delivered: the client queue's pushed() count or the exchange mark.
  struct Mark {
    SourcePosition position;
    uint64_t ticket = 0;
  };

  Operator* head() { return ops.front().get(); }
  bool DownstreamHasRoom();
  bool PastStopDeadline() const {
    return state_->stopping.load() && Clock::now() >= state_->stop_deadline();
  }

  StepResult StepRunning();
  StepResult StepSource();
  StepResult StepConsumer();
  StepResult StepDraining();
  StepResult StepFlushing();
  StepResult StepCommitting();

  /// No more input. `final_mark`: the rows read so far went through the
  /// chain whole, so the source's position may be committed once they are
  /// delivered.
  StepResult EndInput(bool final_mark);
  /// Takes a mark when the commit interval has passed (source tasks whose
  /// source keeps positions).
  void MaybeMark();
  bool Delivered(const Mark& mark) const;
  /// Commits the latest delivered mark and forgets it and those before.
  void CommitDelivered();
  /// The sink has delivered everything written so far.
  void OnSinkDelivered();
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
  std::optional<int64_t> watermark_;

  // Marks (source tasks whose source keeps positions).
  bool tracks_positions_ = false;
  bool tracking_checked_ = false;
  Clock::time_point next_mark_;
  std::optional<SourcePosition> last_marked_;
  std::deque<Mark> marks_;                        // client and exchange outputs
  uint64_t mark_seq_ = 0;                         // exchange marks sent
  std::optional<SourcePosition> drain_position_;  // own sink: to commit
  std::vector<HashExchange::Mark> unacked_;       // consumer: to acknowledge

  // Sinks.
  int64_t flushed_rows_ = 0;  // sink_rows_written at the last good Flush
  int64_t dropped_rows_ = 0;  // rows a consumer gave up before writing
  bool gave_up_ = false;      // the stop or flush deadline passed
  std::string problem_seen_;
  Clock::time_point flush_deadline_;
  std::chrono::milliseconds flush_timeout_{0};
};

/// The end of a chain that feeds the client: compacted batches into the
/// client queue, without waiting (the task checked the credit first).
std::unique_ptr<Operator> MakeClientOutput(RunningQuery::State* state);
/// The end of a chain that feeds the hash exchange: splits by key and
/// wakes the consumers that received rows.
std::unique_ptr<Operator> MakeExchangeOutput(RunningQuery::State* state);
/// The end of a chain that writes to `task`'s own sink.
std::unique_ptr<Operator> MakeSinkOutput(RunningQuery::State* state,
                                         PipelineTask* task);

}  // namespace weir::exec
