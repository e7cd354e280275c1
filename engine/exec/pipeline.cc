#include "engine/exec/pipeline.h"

#include <algorithm>

#include "engine/base/failpoint.h"
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
  for (Link& link : exchanges) link.exchange->Close();
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

/// The last operator of a chain: tells its task what leaves it.
class OutputOperator : public Operator {
 public:
  OutputOperator(State* state, PipelineTask* task)
      : state_(state), task_(task) {}
  absl::Status OnWatermark(int64_t micros) override {
    task_->OnOutputWatermark(micros);
    return absl::OkStatus();
  }
  absl::Status OnBarrier(CheckpointId id) override {
    return task_->OnOutputBarrier(id);
  }
  absl::Status Finish() override { return absl::OkStatus(); }
  bool Done() const override { return state_->cancelled.load(); }

 protected:
  State* state_;        // owned by the task's shared reference
  PipelineTask* task_;  // owns this operator
};

class ClientOutputOperator : public OutputOperator {
 public:
  using OutputOperator::OutputOperator;
  absl::Status AddInput(types::Batch batch) override {
    if (batch.has_selection()) batch = batch.Compact();
    if (batch.num_rows() == 0) return absl::OkStatus();
    int64_t rows = static_cast<int64_t>(batch.num_rows());
    if (state_->output->Push(std::move(batch)))
      state_->client_rows_queued += rows;
    return absl::OkStatus();
  }
};

class ExchangeOutputOperator : public OutputOperator {
 public:
  ExchangeOutputOperator(State* state, PipelineTask* task)
      : OutputOperator(state, task),
        link_(&state->exchanges[static_cast<size_t>(task->out_exchange)]) {}
  absl::Status AddInput(types::Batch batch) override {
    for (int c : link_->exchange->Push(task_->producer, std::move(batch)))
      state_->executor->Wake(*link_->consumers[static_cast<size_t>(c)]);
    return absl::OkStatus();
  }
  absl::Status OnWatermark(int64_t micros) override {
    task_->OnOutputWatermark(micros);
    Broadcast(EventKind::kWatermark, micros);
    return absl::OkStatus();
  }
  absl::Status OnBarrier(CheckpointId id) override {
    WEIR_RETURN_IF_ERROR(task_->OnOutputBarrier(id));
    Broadcast(EventKind::kBarrier, static_cast<int64_t>(ToInt(id)));
    return absl::OkStatus();
  }

 private:
  void Broadcast(EventKind kind, int64_t value) {
    link_->exchange->Broadcast(task_->producer, kind, value);
    state_->Wake(link_->consumers);
  }
  State::Link* link_;
};

class SinkOutputOperator : public OutputOperator {
 public:
  using OutputOperator::OutputOperator;
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
};

}  // namespace

std::unique_ptr<Operator> MakeClientOutput(RunningQuery::State* state,
                                           PipelineTask* task) {
  return std::make_unique<ClientOutputOperator>(state, task);
}
std::unique_ptr<Operator> MakeExchangeOutput(RunningQuery::State* state,
                                             PipelineTask* task) {
  return std::make_unique<ExchangeOutputOperator>(state, task);
}
std::unique_ptr<Operator> MakeSinkOutput(RunningQuery::State* state,
                                         PipelineTask* task) {
  return std::make_unique<SinkOutputOperator>(state, task);
}

// ------------------------------------------------------------------ task

void PipelineTask::OnOutputWatermark(int64_t micros) {
  if (micros != kEndOfTime) out_watermark = micros;
}

absl::Status PipelineTask::OnOutputBarrier(CheckpointId id) {
  barrier_passed = ToInt(id);
  Checkpointer* checkpointer = state_->checkpointer.get();
  if (checkpointer == nullptr) return absl::OkStatus();
  // Every row before the barrier has gone through the chain: the stores
  // hold exactly their effect.
  CheckpointAck ack;
  ack.id = id;
  while (!barrier_watermarks_.empty() &&
         barrier_watermarks_.front().first <= ToInt(id)) {
    if (barrier_watermarks_.front().first == ToInt(id))
      ack.watermark = barrier_watermarks_.front().second;
    barrier_watermarks_.pop_front();
  }
  for (storage::StateStore* store : stores) {
    absl::StatusOr<storage::SnapshotStats> snap =
        store->Checkpoint(storage::CheckpointId{ToInt(id)});
    if (!snap.ok()) {
      return absl::Status(
          snap.status().code(),
          fmt::format("checkpoint {} failed: {}", ToInt(id),
                      std::string(snap.status().message())));
    }
    ack.bytes += snap->new_bytes;
  }
  if (absl::Status st = FailpointStatus(kFailpointAfterStateWrite); !st.ok()) {
    return absl::Status(st.code(),
                        fmt::format("checkpoint {} failed: {}", ToInt(id),
                                    std::string(st.message())));
  }
  if (reads_source()) {
    ack.position = source->checkpoint_position();
    if (ack.position)
      checkpoint_positions_.emplace_back(ToInt(id), *ack.position);
  }
  if (output_ == OutputTo::kSink) {
    // Acknowledged once the sink has prepared the rows before the barrier
    // (delivered them, or for a transactional sink set them aside for the
    // checkpoint's commit).
    drain_acks_.push_back(std::move(ack));
    phase_ = Phase::kDraining;
    return absl::OkStatus();
  }
  checkpointer->Ack(index, id, std::move(ack.position), ack.bytes,
                    ack.watermark);
  return absl::OkStatus();
}

void PipelineTask::CommitCheckpointed() {
  const uint64_t committed = state_->checkpointer->committed();
  std::optional<SourcePosition> latest;
  while (!checkpoint_positions_.empty() &&
         checkpoint_positions_.front().first <= committed) {
    latest = std::move(checkpoint_positions_.front().second);
    checkpoint_positions_.pop_front();
  }
  if (latest) source->Commit(*latest);
}

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

Operator* PipelineTask::entry(int input) {
  auto& prefix = input_ops[static_cast<size_t>(input)];
  return prefix.empty() ? head() : prefix.front().get();
}

bool PipelineTask::DownstreamHasRoom() {
  switch (output_) {
    case OutputTo::kClient:
      return state_->output->HasRoom();
    case OutputTo::kExchange:
      return out().HasRoom(producer);
    case OutputTo::kSink:
      return sink->Ready();
  }
  return true;
}

Operator* PipelineTask::PendingOperator() {
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    if ((*it)->HasPendingOutput()) return it->get();
  }
  return nullptr;
}

StepResult PipelineTask::ContinuePending(Operator* op) {
  if (!DownstreamHasRoom()) {
    if (pclock_) pclock_->Pause();
    return StepResult::kIdle;
  }
  absl::Status st = op->ContinueOutput();
  if (!st.ok()) return ChainFailed(st);
  return StepResult::kProgress;
}

StepResult PipelineTask::StepRunning() {
  if (sink) UpdateSinkDelivery();
  if (!started_) {
    started_ = true;
    for (auto& prefix : input_ops) {
      for (auto& op : prefix) op->set_output_budget(state_->batch_rows);
    }
    for (auto& op : ops) op->set_output_budget(state_->batch_rows);
    if (reads_source()) {
      // With checkpoints the checkpoint is the truth: a source that keeps
      // positions commits completed checkpoints', not marks, and the
      // position of what it delivered when its input ends.
      commits_at_end_ = source->position().has_value();
      tracks_positions_ = !state_->checkpointer && commits_at_end_;
      next_mark_ = Clock::now() + state_->commit_interval;
      if (event_time) {
        pclock_.emplace(state_->clock);
        partitions_.emplace(source->Partitions(),
                            idle_timeout.value_or(state_->idle_timeout),
                            pclock_->Now());
      }
    } else {
      for (int c = 0; c < gate.channels(); ++c) {
        channels_wm_.AddInput();
        aligner_.AddChannel();
      }
    }
    if (restored_watermark_ != kNoWatermark &&
        restored_watermark_ != kEndOfTime) {
      // Resumed: the chain acts on the checkpoint's watermark before any
      // row, and nothing lower is passed on (the sources' partitions start
      // without one; their minimum catches up from below).
      emitted_watermark_ = restored_watermark_;
      if (absl::Status st = head()->OnWatermark(restored_watermark_); !st.ok())
        return ChainFailed(st);
    }
  }
  if (!reads_source()) return StepConsumer();
  if (state_->stopping.load()) return EndInput(/*final_mark=*/true, false);
  // A LIMIT may have cut the last batch: its position is not delivered.
  if (head()->Done()) return EndInput(/*final_mark=*/false, false);
  if (!marks_.empty()) CommitDelivered();
  if (!checkpoint_positions_.empty()) CommitCheckpointed();
  if (Operator* op = PendingOperator()) return ContinuePending(op);
  if (ending_) return ContinueEnding();
  if (absl::Status st = PassRequestedBarriers(); !st.ok())
    return ChainFailed(st);
  // The own sink delivers the rows before a barrier first.
  if (phase_ != Phase::kRunning) return StepResult::kProgress;
  if (!DownstreamHasRoom()) {
    if (pclock_) pclock_->Pause();
    return StepResult::kIdle;
  }
  if (pclock_) pclock_->Resume();
  return StepSource();
}

StepResult PipelineTask::ContinueEnding() {
  // Each event goes in once the chain owes nothing from the one before:
  // a source's end-of-time watermark (a consumer got it from its
  // channels), then Finish, then the end.
  if (PendingOperator() != nullptr) return StepResult::kProgress;
  if (reads_source() && !end_watermark_sent_) {
    end_watermark_sent_ = true;
    absl::Status st = head()->OnWatermark(kEndOfTime);
    if (!st.ok()) return ChainFailed(st);
    if (PendingOperator() != nullptr) return StepResult::kProgress;
  }
  if (!finish_sent_) {
    finish_sent_ = true;
    absl::Status st = head()->Finish();
    if (!st.ok()) return ChainFailed(st);
    if (PendingOperator() != nullptr) return StepResult::kProgress;
  }
  // A source's rows all went through the chain: its position may be
  // committed once they are delivered.
  return EndInput(/*final_mark=*/reads_source(), /*finished=*/true);
}

absl::Status PipelineTask::PassRequestedBarriers() {
  const uint64_t requested = barrier_requested.load();
  while (barriers_passed_in_ < requested && phase_ == Phase::kRunning) {
    ++barriers_passed_in_;
    barrier_watermarks_.emplace_back(barriers_passed_in_, emitted_watermark_);
    WEIR_RETURN_IF_ERROR(head()->OnBarrier(CheckpointId{barriers_passed_in_}));
  }
  return absl::OkStatus();
}

StepResult PipelineTask::StepSource() {
  // The watermark held back while the chain owed the last batch's output
  // (see below) goes first: a chain that owes after every batch (HOP
  // copies each row into several windows) would else hold it until the
  // end of input, and no window would close before.
  if (absl::Status st = EmitSourceWatermark(); !st.ok()) return ChainFailed(st);
  if (PendingOperator() != nullptr) return StepResult::kProgress;
  types::Batch batch(source_schema);
  absl::StatusOr<size_t> n = source->Next(&batch, state_->batch_rows);
  if (!n.ok()) return SourceFailed(n.status());
  PollSourceProgress();
  bool went_active = false;
  if (*n > 0) {
    state_->rows_read += static_cast<int64_t>(*n);
    if (absl::Status st = ObserveEventTime(batch, &went_active); !st.ok())
      return ChainFailed(st);
    // A partition that was idle is back: downstream holds for it again
    // before its rows arrive.
    if (went_active) SetIdle(false);
    if (fill_positions) FillPositions(*n);
    absl::Status st = head()->AddInput(std::move(batch));
    if (!st.ok()) return ChainFailed(st);
  } else if (partitions_) {
    partitions_->Update(pclock_->Now());
  }
  // Nothing new goes into a chain that still owes output (operator.h): the
  // watermark and a mark wait for the next step.
  const bool owing = PendingOperator() != nullptr;
  if (!owing) {
    if (absl::Status st = EmitSourceWatermark(); !st.ok())
      return ChainFailed(st);
  }
  if (source->finished()) {
    ending_ = true;
    return ContinueEnding();
  }
  if (tracks_positions_ && !owing) MaybeMark();
  if (phase_ == Phase::kDraining) return StepResult::kProgress;
  return *n > 0 ? StepResult::kProgress : StepResult::kIdle;
}

void PipelineTask::FillPositions(size_t rows) {
  source->RowPartitions(&runs_);
  source->RowOffsets(&offsets_);
  row_positions.assign(rows, RowPosition{});
  size_t r = 0;
  for (const PartitionRows& run : runs_) {
    for (uint32_t i = 0; i < run.rows && r < rows; ++i)
      row_positions[r++].partition = run.partition;
  }
  for (size_t i = 0; i < rows && i < offsets_.size(); ++i)
    row_positions[i].offset = offsets_[i];
}

absl::Status PipelineTask::ObserveEventTime(const types::Batch& batch,
                                            bool* went_active) {
  if (!partitions_) return absl::OkStatus();
  const Clock::time_point now = pclock_->Now();
  source->RowPartitions(&runs_);
  WEIR_RETURN_IF_ERROR(event_time->Observe(
      batch, runs_,
      [&](int32_t p, int64_t micros) { partitions_->OnRows(p, micros, now); }));
  partitions_->Update(now);
  *went_active = idle_sent_ && !partitions_->idle();
  return absl::OkStatus();
}

absl::Status PipelineTask::EmitSourceWatermark() {
  if (!partitions_) return absl::OkStatus();
  const int64_t wm = partitions_->watermark();
  if (wm > emitted_watermark_) {
    emitted_watermark_ = wm;
    WEIR_RETURN_IF_ERROR(head()->OnWatermark(wm));
  }
  SetIdle(partitions_->idle());
  return absl::OkStatus();
}

void PipelineTask::SetIdle(bool idle) {
  if (idle == idle_sent_) return;
  idle_sent_ = idle;
  out_idle = idle;
  if (output_ == OutputTo::kExchange) {
    out().Broadcast(producer, idle ? EventKind::kIdle : EventKind::kActive, 0);
    state_->Wake(
        state_->exchanges[static_cast<size_t>(out_exchange)].consumers);
  }
}

void PipelineTask::MaybeMark() {
  const Clock::time_point now = Clock::now();
  if (now < next_mark_ || head()->Done()) return;
  next_mark_ = now + state_->commit_interval;
  std::optional<SourcePosition> position = source->position();
  if (!position || position == last_marked_) return;  // nothing new read
  last_marked_ = position;
  if (output_ == OutputTo::kSink) {
    drain_position_ = std::move(position);
    phase_ = Phase::kDraining;
    return;
  }
  Mark mark;
  mark.position = std::move(position);
  mark.ticket = SendMark();
  marks_.push_back(std::move(mark));
}

uint64_t PipelineTask::SendMark() {
  if (output_ == OutputTo::kClient) return state_->output->pushed();
  out().Broadcast(producer, EventKind::kMark,
                  static_cast<int64_t>(++mark_seq_));
  state_->Wake(state_->exchanges[static_cast<size_t>(out_exchange)].consumers);
  return mark_seq_;
}

bool PipelineTask::Delivered(const Mark& mark) const {
  if (output_ == OutputTo::kClient)
    return state_->output->popped() >= mark.ticket;
  return state_->exchanges[static_cast<size_t>(out_exchange)].exchange->Acked(
             producer) >= mark.ticket;
}

void PipelineTask::CommitDelivered() {
  std::optional<SourcePosition> latest;
  while (!marks_.empty() && Delivered(marks_.front())) {
    Mark& mark = marks_.front();
    if (mark.position) latest = std::move(mark.position);
    if (mark.channel >= 0) AckUpstream(mark.channel, mark.upstream);
    marks_.pop_front();
  }
  if (latest) source->Commit(*latest);
}

void PipelineTask::AckUpstream(int channel, uint64_t mark) {
  const InputGate::Origin& origin = gate.origin(channel);
  gate.exchange_of(channel).Ack(gate.consumer_of(channel), origin.producer,
                                mark);
  const int e = input_exchanges[static_cast<size_t>(origin.input)];
  state_->executor->Wake(*state_->exchanges[static_cast<size_t>(e)]
                              .producers[static_cast<size_t>(origin.producer)]);
}

// ------------------------------------------------------ consumer tasks

StepResult PipelineTask::StepConsumer() {
  if (state_->cancelled.load() || PastStopDeadline()) {
    gave_up_ = true;
    DropQueued();
    return EndInput(/*final_mark=*/false, false);
  }
  // A LIMIT behind an exchange (above an upsert table's normalize) was
  // reached: the sources stop reading, as after TERMINATE, and the ends
  // they send drain the stages behind them.
  if (head()->Done() && !state_->stopping.load()) state_->Stop();
  if (!marks_.empty()) CommitDelivered();
  if (Operator* op = PendingOperator()) return ContinuePending(op);
  if (ending_) return ContinueEnding();
  if (!DownstreamHasRoom()) return StepResult::kIdle;
  bool any = false;
  while (true) {
    int channel = -1;
    Event event;
    bool freed = false;
    if (!gate.Poll(&channel, &event, &freed))
      return any ? StepResult::kProgress : StepResult::kIdle;
    any = true;
    if (freed) {
      // The producer waiting for credit may go on.
      const InputGate::Origin& origin = gate.origin(channel);
      const int e = input_exchanges[static_cast<size_t>(origin.input)];
      state_->executor->Wake(
          *state_->exchanges[static_cast<size_t>(e)]
               .producers[static_cast<size_t>(origin.producer)]);
    }
    bool took_batch = false, ended_input = false;
    absl::Status st =
        OnEvent(channel, std::move(event), &took_batch, &ended_input);
    if (!st.ok()) return ChainFailed(st);
    if (ended_input) {
      if (!inputs_finished_ || state_->stopping.load())
        return EndInput(/*final_mark=*/false, /*finished=*/false);
      ending_ = true;
      return ContinueEnding();
    }
    // One batch per step; and a step stops where the chain owes output or
    // the sink must drain first.
    if (took_batch || phase_ != Phase::kRunning || PendingOperator() != nullptr)
      return StepResult::kProgress;
  }
}

absl::Status PipelineTask::OnEvent(int channel, Event event, bool* took_batch,
                                   bool* ended_input) {
  switch (event.kind) {
    case EventKind::kBatch:
      *took_batch = true;
      return entry(gate.origin(channel).input)
          ->AddInput(std::move(event.batch));
    case EventKind::kWatermark:
      channels_wm_.Advance(channel, event.value);
      return OnInputWatermark();
    case EventKind::kIdle:
    case EventKind::kActive:
      channels_wm_.SetIdle(channel, event.kind == EventKind::kIdle);
      return OnInputWatermark();
    case EventKind::kBarrier: {
      std::optional<CheckpointId> aligned = aligner_.OnBarrier(
          channel, CheckpointId{static_cast<uint64_t>(event.value)});
      gate.SetBlocked(channel, true);
      return OnAligned(aligned);
    }
    case EventKind::kMark:
      OnUpstreamMark(channel, static_cast<uint64_t>(event.value));
      return absl::OkStatus();
    case EventKind::kEnd: {
      gate.SetEnded(channel);
      channels_wm_.SetEnded(channel);
      if (event.value != 1) inputs_finished_ = false;
      WEIR_RETURN_IF_ERROR(OnAligned(aligner_.OnEnded(channel)));
      WEIR_RETURN_IF_ERROR(OnInputWatermark());
      if (!gate.all_ended()) return absl::OkStatus();
      *ended_input = true;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::Status PipelineTask::OnInputWatermark() {
  if (!channels_wm_.Update()) return absl::OkStatus();
  // Back from idle: say so before anything that follows; idle: after the
  // watermark that flushed it.
  if (!channels_wm_.idle()) SetIdle(false);
  const int64_t wm = channels_wm_.watermark();
  if (wm > emitted_watermark_) {
    emitted_watermark_ = wm;
    WEIR_RETURN_IF_ERROR(head()->OnWatermark(wm));
  }
  if (channels_wm_.idle()) SetIdle(true);
  return absl::OkStatus();
}

absl::Status PipelineTask::OnAligned(std::optional<CheckpointId> aligned) {
  if (!aligned) return absl::OkStatus();
  for (int c = 0; c < gate.channels(); ++c) gate.SetBlocked(c, false);
  barrier_watermarks_.emplace_back(ToInt(*aligned), emitted_watermark_);
  return head()->OnBarrier(*aligned);
}

void PipelineTask::OnUpstreamMark(int channel, uint64_t mark) {
  switch (output_) {
    case OutputTo::kSink:
      // Acknowledged once the sink has delivered what it took before it.
      unacked_.emplace_back(channel, mark);
      phase_ = Phase::kDraining;
      return;
    case OutputTo::kClient:
    case OutputTo::kExchange: {
      Mark m;
      m.channel = channel;
      m.upstream = mark;
      m.ticket = SendMark();
      marks_.push_back(std::move(m));
      return;
    }
  }
}

// ------------------------------------------------------------- delivery

StepResult PipelineTask::StepDraining() {
  UpdateSinkDelivery();
  if (reads_source() && state_->stopping.load()) {
    // Nothing was read since the mark: the final flush covers it.
    phase_ = Phase::kRunning;
    return EndInput(/*final_mark=*/true, false);
  }
  if (!reads_source() && (state_->cancelled.load() || PastStopDeadline())) {
    phase_ = Phase::kRunning;
    return StepConsumer();
  }
  // Upstream marks need the rows delivered; a barrier, what the sink's
  // PrepareCheckpoint says (a transactional sink keeps them for the
  // checkpoint's commit).
  const bool marks =
      !unacked_.empty() || drain_position_.has_value() || drain_acks_.empty();
  absl::Status st = marks ? sink->Flush(kFlushSlice) : absl::OkStatus();
  for (size_t i = 0; st.ok() && i < drain_acks_.size(); ++i)
    st = sink->PrepareCheckpoint(ToInt(drain_acks_[i].id), kFlushSlice);
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
  for (const auto& [channel, mark] : unacked_) AckUpstream(channel, mark);
  unacked_.clear();
  for (CheckpointAck& ack : drain_acks_) {
    state_->checkpointer->Ack(index, ack.id, std::move(ack.position),
                              ack.bytes, ack.watermark);
  }
  drain_acks_.clear();
  UpdateSinkDelivery();
}

StepResult PipelineTask::EndInput(bool final_mark, bool finished) {
  input_finished_ = finished;
  if (state_->checkpointer && reads_source() && final_mark &&
      !head()->Done()) {
    final_position_ = source->checkpoint_position();
  }
  std::optional<SourcePosition> last;
  if (commits_at_end_ && final_mark && !head()->Done()) {
    last = source->position();
    if (last == last_marked_ && !drain_position_) last.reset();
  }
  switch (output_) {
    case OutputTo::kExchange:
      if (last) {
        Mark mark;
        mark.position = std::move(last);
        mark.ticket = SendMark();
        marks_.push_back(std::move(mark));
      }
      out().Broadcast(producer, EventKind::kEnd, finished ? 1 : 0);
      state_->Wake(
          state_->exchanges[static_cast<size_t>(out_exchange)].consumers);
      phase_ = Phase::kCommitting;
      return StepCommitting();
    case OutputTo::kClient:
      if (last) {
        Mark mark;
        mark.position = std::move(last);
        mark.ticket = state_->output->pushed();
        marks_.push_back(std::move(mark));
      }
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
  if (output_ == OutputTo::kExchange && out().consumers_ended()) {
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

void PipelineTask::PollSourceProgress() {
  std::string progress = source->Progress().value_or("");
  if (progress == progress_seen_) return;
  progress_seen_ = progress;
  std::lock_guard lock(state_->mu);
  source_progress = std::move(progress);
}

void PipelineTask::DropQueued() { dropped_rows_ += gate.DropQueued(); }

StepResult PipelineTask::SourceFailed(const absl::Status& status) {
  // The rows returned before the failure went through the chain whole;
  // they are delivered and their position committed as at a stop.
  state_->Fail(status, /*from_sink=*/false);
  return EndInput(/*final_mark=*/true, false);
}

StepResult PipelineTask::ChainFailed(const absl::Status& status) {
  // A sink's Write error comes back through the chain.
  if (sink_failed) return SinkFailed(status);
  // A batch failed part way: rows before it are delivered, its position is
  // not committed.
  state_->Fail(status, /*from_sink=*/false);
  if (!reads_source()) DropQueued();
  return EndInput(/*final_mark=*/false, false);
}

StepResult PipelineTask::SinkFailed(const absl::Status& status) {
  // The sink is broken: nothing more goes through it, and what it holds is
  // not delivered.
  state_->Fail(status, /*from_sink=*/true);
  sink_broken_ = true;
  if (!reads_source()) DropQueued();
  return End();
}

StepResult PipelineTask::End() {
  if (phase_ == Phase::kEnded) return StepResult::kDone;
  phase_ = Phase::kEnded;
  bool lost_rows = sink_broken_;
  if (sink) {
    std::string to = sink->Describe();
    std::lock_guard lock(state_->mu);
    sink_ended = true;
    state_->ended_delivered += sink_delivered.load();
    const int64_t lost = sink_pending.load() + dropped_rows_;
    lost_rows |= lost > 0;
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
  if (Checkpointer* checkpointer = state_->checkpointer.get()) {
    // Rows its own sink did not deliver: no checkpoint may count them.
    if (lost_rows) final_position_.reset();
    Checkpointer::TaskEnd end;
    end.final_position = std::move(final_position_);
    end.finished = input_finished_ && !lost_rows;
    if (end.finished && !stores.empty()) {
      // The final checkpoint's snapshot: everything the input held has
      // gone through the chain.
      const uint64_t id = checkpointer->FinalId();
      for (storage::StateStore* store : stores) {
        absl::StatusOr<storage::SnapshotStats> snap =
            store->Checkpoint(storage::CheckpointId{id});
        if (!snap.ok()) {
          state_->Fail(absl::Status(snap.status().code(),
                                    fmt::format("final checkpoint {} failed: {}",
                                                id,
                                                std::string(
                                                    snap.status().message()))),
                       false);
          end.finished = false;
          break;
        }
        end.bytes += snap->new_bytes;
      }
    }
    checkpointer->Ended(index, std::move(end));
  }
  ended = true;
  input_ops.clear();
  ops.clear();
  source.reset();
  sink.reset();
  std::shared_ptr<State> state = std::move(state_);
  for (int e : input_exchanges) {
    State::Link& link = state->exchanges[static_cast<size_t>(e)];
    link.exchange->ConsumerEnded();
    state->Wake(link.producers);
  }
  if (then) state->executor->Submit(std::move(then));
  state->TaskEnded();
  return StepResult::kDone;
}

}  // namespace weir::exec
