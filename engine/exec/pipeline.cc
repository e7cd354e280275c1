#include "engine/exec/pipeline.h"

#include <algorithm>

#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::exec {

using StepResult = Executor::StepResult;

namespace {

/// "5 s" or "200 ms".
std::string DurationText(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return fmt::format("{} s", d.count() / 1000);
  return fmt::format("{} ms", d.count());
}

}  // namespace

// ------------------------------------------------------------ query state

void RunningQuery::State::Stop() {
  {
    std::lock_guard lock(mu);
    if (!stopping.load()) {
      stop_deadline_ns =
          (Clock::now() + cancel_flush_timeout).time_since_epoch().count();
      stopping = true;
    }
  }
  WakeAll();
}

void RunningQuery::State::Cancel() {
  Stop();
  cancelled = true;
  if (output) output->Close();
  if (exchange) exchange->Close();
  WakeAll();
}

void RunningQuery::State::Fail(const absl::Status& status, bool from_sink) {
  {
    std::lock_guard lock(mu);
    if (error.ok()) {
      error = status;
      error_from_sink = from_sink;
    }
  }
  Stop();
}

void RunningQuery::State::AddUndelivered(int64_t rows, const std::string& to,
                                         const std::string& why) {
  // Called with mu held.
  undelivered += rows;
  if (undelivered_to.empty()) {
    undelivered_to = to;
    undelivered_why = why;
  }
}

void RunningQuery::State::TaskEnded() {
  std::lock_guard lock(mu);
  if (--live_tasks > 0) return;
  if (undelivered > 0) {
    undelivered_note = fmt::format(
        "{} {} not delivered to {}{}", undelivered,
        undelivered == 1 ? "row was" : "rows were", undelivered_to,
        undelivered_why.empty() ? "" : " (" + undelivered_why + ")");
    if (error.ok()) {
      error = absl::UnavailableError(undelivered_note);
    } else if (!error_from_sink) {
      // The failure came from the input or an operator; say what it cost.
      error = absl::Status(
          error.code(), std::string(error.message()) + "; " + undelivered_note);
    }
  }
  if (output) output->Close();  // Next reports the end after the rows
  ended_cv.notify_all();
}

// ------------------------------------------------------- output operators

namespace {

using State = RunningQuery::State;

class ClientOutputOperator : public Operator {
 public:
  explicit ClientOutputOperator(State* state) : state_(state) {}
  absl::Status AddInput(types::Batch batch) override {
    if (batch.has_selection()) batch = batch.Compact();
    if (batch.num_rows() == 0) return absl::OkStatus();
    int64_t rows = static_cast<int64_t>(batch.num_rows());
    if (state_->output->Push(std::move(batch)))
      state_->client_rows_queued += rows;
    return absl::OkStatus();
  }
  bool Done() const override { return state_->cancelled.load(); }

 private:
  State* state_;  // owned by the task's shared reference
};

class ExchangeOutputOperator : public Operator {
 public:
  explicit ExchangeOutputOperator(State* state) : state_(state) {}
  absl::Status AddInput(types::Batch batch) override {
    for (int c : state_->exchange->Push(std::move(batch))) {
      state_->executor->Wake(*state_->consumer_tasks[static_cast<size_t>(c)]);
    }
    return absl::OkStatus();
  }
  bool Done() const override { return state_->cancelled.load(); }

 private:
  State* state_;
};

class SinkOutputOperator : public Operator {
 public:
  SinkOutputOperator(State* state, PipelineTask* task)
      : state_(state), task_(task) {}
  absl::Status AddInput(types::Batch batch) override {
    if (batch.num_selected() == 0) return absl::OkStatus();
    absl::Status written = task_->sink->Write(batch);
    if (!written.ok()) {
      task_->sink_failed = true;
      return written;
    }
    task_->sink_rows_written += static_cast<int64_t>(batch.num_selected());
    return absl::OkStatus();
  }
  bool Done() const override { return state_->cancelled.load(); }

 private:
  State* state_;
  PipelineTask* task_;  // owns this operator
};

}  // namespace

std::unique_ptr<Operator> MakeClientOutput(RunningQuery::State* state) {
  return std::make_unique<ClientOutputOperator>(state);
}
std::unique_ptr<Operator> MakeExchangeOutput(RunningQuery::State* state) {
  return std::make_unique<ExchangeOutputOperator>(state);
}
std::unique_ptr<Operator> MakeSinkOutput(RunningQuery::State* state,
                                         PipelineTask* task) {
  return std::make_unique<SinkOutputOperator>(state, task);
}

// ------------------------------------------------------------------ task

StepResult PipelineTask::Step() {
  switch (phase_) {
    case Phase::kRunning:
      return StepRunning();
    case Phase::kDraining:
      return StepDraining();
    case Phase::kFlushing:
      return StepFlushing();
    case Phase::kCommitting:
      return StepCommitting();
    case Phase::kEnded:
      break;
  }
  return StepResult::kDone;
}

bool PipelineTask::DownstreamHasRoom() {
  switch (output_) {
    case OutputTo::kClient:
      return state_->output->HasRoom();
    case OutputTo::kExchange:
      return state_->exchange->HasRoom();
    case OutputTo::kSink:
      return sink->Ready();
  }
  return true;
}

StepResult PipelineTask::StepRunning() {
  if (sink) UpdateSinkDelivery();
  if (consumer >= 0) return StepConsumer();
  if (!tracking_checked_) {
    tracking_checked_ = true;
    tracks_positions_ = source->position().has_value();
    next_mark_ = Clock::now() + state_->commit_interval;
  }
  if (state_->stopping.load()) return EndInput(/*final_mark=*/true);
  // A LIMIT may have cut the last batch: its position is not delivered.
  if (head()->Done()) return EndInput(/*final_mark=*/false);
  if (!marks_.empty()) CommitDelivered();
  if (!DownstreamHasRoom()) return StepResult::kIdle;
  return StepSource();
}

StepResult PipelineTask::StepSource() {
  types::Batch batch(source_schema);
  absl::StatusOr<size_t> n = source->Next(&batch, state_->batch_rows);
  if (!n.ok()) return SourceFailed(n.status());
  if (*n > 0) {
    state_->rows_read += static_cast<int64_t>(*n);
    absl::Status st = head()->AddInput(std::move(batch));
    if (!st.ok()) return ChainFailed(st);
  }
  std::optional<int64_t> wm = source->watermark();
  if (wm && (!watermark_ || *wm > *watermark_)) {
    watermark_ = wm;
    absl::Status st = head()->OnWatermark(*wm);
    if (!st.ok()) return ChainFailed(st);
  }
  if (source->finished()) {
    absl::Status st = head()->Finish();
    if (!st.ok()) return ChainFailed(st);
    return EndInput(/*final_mark=*/true);
  }
  if (tracks_positions_) MaybeMark();
  if (phase_ == Phase::kDraining) return StepResult::kProgress;
  return *n > 0 ? StepResult::kProgress : StepResult::kIdle;
}

void PipelineTask::MaybeMark() {
  const Clock::time_point now = Clock::now();
  if (now < next_mark_ || head()->Done()) return;
  next_mark_ = now + state_->commit_interval;
  std::optional<SourcePosition> position = source->position();
  if (!position || position == last_marked_) return;  // nothing new read
  last_marked_ = position;
  switch (output_) {
    case OutputTo::kSink:
      drain_position_ = std::move(position);
      phase_ = Phase::kDraining;
      break;
    case OutputTo::kClient:
      marks_.push_back(Mark{std::move(*position), state_->output->pushed()});
      break;
    case OutputTo::kExchange:
      state_->exchange->PushMark(producer, ++mark_seq_);
      for (Executor::Task* t : state_->consumer_tasks)
        state_->executor->Wake(*t);
      marks_.push_back(Mark{std::move(*position), mark_seq_});
      break;
  }
}

bool PipelineTask::Delivered(const Mark& mark) const {
  if (output_ == OutputTo::kClient)
    return state_->output->popped() >= mark.ticket;
  return state_->exchange->Acked(producer) >= mark.ticket;
}

void PipelineTask::CommitDelivered() {
  std::optional<SourcePosition> latest;
  while (!marks_.empty() && Delivered(marks_.front())) {
    latest = std::move(marks_.front().position);
    marks_.pop_front();
  }
  if (latest) source->Commit(*latest);
}

StepResult PipelineTask::StepConsumer() {
  if (state_->cancelled.load() || PastStopDeadline()) {
    gave_up_ = true;
    DropQueued();
    return EndInput(/*final_mark=*/false);
  }
  if (!sink->Ready()) return StepResult::kIdle;
  types::Batch batch;
  HashExchange::Mark mark;
  bool was_full = false;
  switch (state_->exchange->Poll(consumer, &batch, &mark, &was_full)) {
    case HashExchange::PollResult::kBatch: {
      // Producers waiting for credit may go on.
      if (was_full) {
        for (Executor::Task* t : state_->source_tasks)
          state_->executor->Wake(*t);
      }
      absl::Status st = head()->AddInput(std::move(batch));
      if (!st.ok()) return ChainFailed(st);
      return StepResult::kProgress;
    }
    case HashExchange::PollResult::kMark:
      // Acknowledged once the sink has delivered what it took before it.
      unacked_.push_back(mark);
      phase_ = Phase::kDraining;
      return StepResult::kProgress;
    case HashExchange::PollResult::kEmpty:
      return StepResult::kIdle;
    case HashExchange::PollResult::kEnd:
      break;
  }
  absl::Status st = head()->Finish();
  if (!st.ok()) return ChainFailed(st);
  return EndInput(/*final_mark=*/false);
}

StepResult PipelineTask::StepDraining() {
  UpdateSinkDelivery();
  if (consumer < 0 && state_->stopping.load()) {
    // Nothing was read since the mark: the final flush covers it.
    phase_ = Phase::kRunning;
    return EndInput(/*final_mark=*/true);
  }
  if (consumer >= 0 && (state_->cancelled.load() || PastStopDeadline())) {
    phase_ = Phase::kRunning;
    return StepConsumer();
  }
  absl::Status st = sink->Flush(kFlushSlice);
  if (st.ok()) {
    OnSinkDelivered();
    phase_ = Phase::kRunning;
    return StepResult::kProgress;
  }
  if (absl::IsDeadlineExceeded(st)) return StepResult::kIdle;
  return SinkFailed(st);
}

void PipelineTask::OnSinkDelivered() {
  flushed_rows_ = sink_rows_written;
  if (drain_position_) {
    source->Commit(*drain_position_);
    drain_position_.reset();
  }
  for (const HashExchange::Mark& m : unacked_) {
    state_->exchange->Ack(consumer, m.producer, m.mark);
    state_->executor->Wake(
        *state_->source_tasks[static_cast<size_t>(m.producer)]);
  }
  unacked_.clear();
  UpdateSinkDelivery();
}

StepResult PipelineTask::EndInput(bool final_mark) {
  std::optional<SourcePosition> last;
  if (tracks_positions_ && final_mark && !head()->Done()) {
    last = source->position();
    if (last == last_marked_ && !drain_position_) last.reset();
  }
  switch (output_) {
    case OutputTo::kExchange:
      if (last) {
        state_->exchange->PushMark(producer, ++mark_seq_);
        marks_.push_back(Mark{std::move(*last), mark_seq_});
      }
      state_->exchange->ProducerDone();
      for (Executor::Task* t : state_->consumer_tasks)
        state_->executor->Wake(*t);
      phase_ = Phase::kCommitting;
      return StepCommitting();
    case OutputTo::kClient:
      if (last)
        marks_.push_back(Mark{std::move(*last), state_->output->pushed()});
      phase_ = Phase::kCommitting;
      return StepCommitting();
    case OutputTo::kSink:
      break;
  }
  if (last) drain_position_ = std::move(last);
  phase_ = Phase::kFlushing;
  if (state_->stopping.load()) {
    flush_deadline_ = state_->stop_deadline();
    flush_timeout_ = state_->cancel_flush_timeout;
  } else {
    flush_deadline_ = Clock::now() + state_->final_flush_timeout;
    flush_timeout_ = state_->final_flush_timeout;
  }
  return StepFlushing();
}

StepResult PipelineTask::StepFlushing() {
  UpdateSinkDelivery();
  // A stop that comes while the final flush of a finished query runs
  // shortens it.
  if (state_->stopping.load() && state_->stop_deadline() < flush_deadline_) {
    flush_deadline_ = state_->stop_deadline();
    flush_timeout_ = state_->cancel_flush_timeout;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      flush_deadline_ - Clock::now());
  absl::Status st =
      sink->Flush(std::clamp(left, std::chrono::milliseconds(0), kFlushSlice));
  if (st.ok()) {
    OnSinkDelivered();
    return End();
  }
  if (!absl::IsDeadlineExceeded(st)) return SinkFailed(st);
  if (Clock::now() < flush_deadline_) return StepResult::kIdle;
  // Gave up: End counts what is still pending as not delivered.
  gave_up_ = true;
  UpdateSinkDelivery();
  return End();
}

StepResult PipelineTask::StepCommitting() {
  CommitDelivered();
  if (marks_.empty()) return End();
  bool hopeless = state_->cancelled.load();
  if (output_ == OutputTo::kExchange && state_->consumers_left.load() == 0) {
    // Every consumer has ended: no acknowledgement is still to come.
    CommitDelivered();
    hopeless = true;
  }
  return hopeless ? End() : StepResult::kIdle;
}

void PipelineTask::UpdateSinkDelivery() {
  std::string problem;
  if (std::optional<SinkDelivery> d = sink->Delivery()) {
    sink_delivered = d->delivered;
    sink_pending = d->pending;
    problem = std::move(d->problem);
  } else {
    sink_delivered = flushed_rows_;
    sink_pending = sink_rows_written - flushed_rows_;
  }
  if (problem != problem_seen_) {
    problem_seen_ = problem;
    std::lock_guard lock(state_->mu);
    sink_problem = std::move(problem);
  }
}

void PipelineTask::DropQueued() {
  types::Batch batch;
  while (true) {
    switch (state_->exchange->Poll(consumer, &batch)) {
      case HashExchange::PollResult::kBatch:
        dropped_rows_ += static_cast<int64_t>(batch.num_selected());
        continue;
      case HashExchange::PollResult::kMark:
        continue;
      case HashExchange::PollResult::kEmpty:
      case HashExchange::PollResult::kEnd:
        return;
    }
  }
}

StepResult PipelineTask::SourceFailed(const absl::Status& status) {
  // The rows returned before the failure went through the chain whole;
  // they are delivered and their position committed as at a stop.
  state_->Fail(status, /*from_sink=*/false);
  return EndInput(/*final_mark=*/true);
}

StepResult PipelineTask::ChainFailed(const absl::Status& status) {
  // A sink's Write error comes back through the chain.
  if (sink_failed) return SinkFailed(status);
  // A batch failed part way: rows before it are delivered, its position is
  // not committed.
  state_->Fail(status, /*from_sink=*/false);
  if (consumer >= 0) DropQueued();
  return EndInput(/*final_mark=*/false);
}

StepResult PipelineTask::SinkFailed(const absl::Status& status) {
  // The sink is broken: nothing more goes through it, and what it holds is
  // not delivered.
  state_->Fail(status, /*from_sink=*/true);
  if (consumer >= 0) DropQueued();
  return End();
}

StepResult PipelineTask::End() {
  if (phase_ == Phase::kEnded) return StepResult::kDone;
  phase_ = Phase::kEnded;
  if (sink) {
    std::string to = sink->Describe();
    std::lock_guard lock(state_->mu);
    sink_ended = true;
    state_->ended_delivered += sink_delivered.load();
    const int64_t lost = sink_pending.load() + dropped_rows_;
    if (lost > 0) {
      std::string why = sink_problem;
      if (gave_up_) {
        why +=
            fmt::format("{}gave up waiting after {}", why.empty() ? "" : "; ",
                        DurationText(flush_timeout_.count() > 0
                                         ? flush_timeout_
                                         : state_->cancel_flush_timeout));
      }
      state_->AddUndelivered(lost, to, why);
    }
  }
  ops.clear();
  source.reset();
  sink.reset();
  std::shared_ptr<State> state = std::move(state_);
  if (consumer >= 0) {
    --state->consumers_left;
    for (Executor::Task* t : state->source_tasks) state->executor->Wake(*t);
  }
  if (then) state->executor->Submit(std::move(then));
  state->TaskEnded();
  return StepResult::kDone;
}

}  // namespace weir::exec
