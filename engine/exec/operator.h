#pragma once

// The operator contract of the runtime: read this header and you can write
// an operator.
//
// Where operators live. A query runs as tasks (pipeline.h); each task owns
// a chain of operators and pushes work through it: the task takes one unit
// of input per step -- a batch from its source split, or one event from an
// input channel (exchange.h) -- and hands it to the first operator, which
// processes it and emits to the next, and so on down to the task's output
// (the client queue, a sink, or an exchange to the next stage). A task runs
// on one worker thread at a time (it may move between workers from step to
// step, with the executor's lock ordering the moves), so an operator
// instance is never called concurrently and needs no locking. Operators of
// different tasks share only immutable state (compiled expressions) or
// state they synchronize themselves (a query-wide LIMIT counter). Keyed
// state is partitioned: a stateful operator receives the rows of the key
// groups its task owns (key_hash.h), and nothing else.
//
// Events, in the order an operator receives them:
//
//   AddInput(batch)   rows. The batch may carry a selection vector (only
//                     the selected rows are live) and a change kind per row
//                     (+I, -D, -U, +U): stateful operators must treat
//                     deletes and update-befores as retractions. The
//                     operator owns the batch and may narrow it and forward
//                     it as is.
//   OnWatermark(t)    event time reached t on this task's input: no row
//                     with an event time below t should follow (rows that
//                     do are late). t only grows; kEndOfTime (watermark.h)
//                     means the input ended and every window may close.
//                     The task calls it after the rows it covers and after
//                     combining all its inputs (min over partitions and
//                     channels, idleness), so an operator sees one
//                     watermark stream whatever the task reads.
//   OnBarrier(id)     checkpoint barrier `id`: every row before it has been
//                     given, none after it (the task aligned its channels,
//                     barrier.h). A stateful operator will snapshot its
//                     state here (issue 10); today it passes it on.
//   Finish()          the input ended naturally (bounded sources). Emit
//                     what is owed (after OnWatermark(kEndOfTime), which
//                     comes first) and pass it on. Not called when the
//                     query is stopped (Cancel, a failure): then the task
//                     just stops feeding the chain.
//
// The default handlers forward each event to the next operator
// (EmitWatermark, EmitBarrier, EmitFinish); an operator overrides those it
// acts on and must forward the event itself when done with it, after any
// rows the event caused: a window operator closing windows at OnWatermark
// emits their rows, then the watermark. Events keep their order: an
// operator never emits a row that an earlier event covered after that
// event (a row emitted after a watermark must not be behind it unless it
// is a late row the operator chose to pass on).
//
// The output budget. Credit bounds what each channel holds (exchange.h):
// the task checks that downstream has room for one batch before every
// step, and a step must not emit much more than one batch. So in one call
// (any event above, or ContinueOutput) an operator emits at most
// output_budget() rows. An operator that owes more -- many windows closing
// on one watermark, the retraction of a large group, the rows of a big
// join match -- emits up to the budget, keeps the rest, and reports
// HasPendingOutput() until it has emitted all of it. While any operator of
// the chain has pending output, the task gives the chain no new event; in
// each later step, once downstream has room, it calls ContinueOutput() on
// the last (most downstream) operator with pending output, which emits up
// to the budget again. The event that caused the output (the watermark)
// is forwarded by the operator after the last of it, from its last
// ContinueOutput. The same holds for everything else the task sends into
// the chain: a barrier, a delivery mark, the end-of-time watermark and
// Finish each wait until the chain owes nothing, so they never overtake
// rows still owed. Stateless operators (filter, project) emit at most what
// they received and never need this; a batch the task reads holds at most
// the budget. (tests/unit/runtime_test.cc steps a task with a test
// operator that owes many rows at once.)
//
// Errors. Returning an error from any handler stops the task and fails the
// query with that status (say which row and value, as expressions do). A
// user's mistake or bad data is a Status, never a WEIR_CHECK.
//
// Done(). True once the operator needs no more input (a LIMIT is reached);
// the task then stops reading. By default an operator is done when the
// next one is.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "engine/exec/barrier.h"
#include "engine/types/batch.h"

namespace weir::exec {

class Operator {
 public:
  virtual ~Operator() = default;

  /// Rows; takes ownership of `batch`.
  virtual absl::Status AddInput(types::Batch batch) = 0;
  /// Event time reached `micros` (or kEndOfTime).
  virtual absl::Status OnWatermark(int64_t micros) {
    return EmitWatermark(micros);
  }
  /// Checkpoint barrier `id`, aligned over the task's inputs.
  virtual absl::Status OnBarrier(CheckpointId id) { return EmitBarrier(id); }
  /// The input ended naturally.
  virtual absl::Status Finish() { return EmitFinish(); }

  /// Rows (or a forwarded event) still owed by an earlier call that hit
  /// the output budget.
  virtual bool HasPendingOutput() const { return false; }
  /// Emits up to output_budget() more of what is owed (and the events
  /// that follow it, once it is all out).
  virtual absl::Status ContinueOutput() { return absl::OkStatus(); }

  /// True once the operator needs no more input.
  virtual bool Done() const {
    return downstream_ != nullptr && downstream_->Done();
  }

  /// The next operator; not owned (the task owns the chain).
  void set_downstream(Operator* next) { downstream_ = next; }
  /// Rows one call may emit; set by the task before the first event.
  void set_output_budget(size_t rows) { output_budget_ = rows == 0 ? 1 : rows; }
  size_t output_budget() const { return output_budget_; }

 protected:
  absl::Status Emit(types::Batch batch) {
    return downstream_ ? downstream_->AddInput(std::move(batch))
                       : absl::OkStatus();
  }
  absl::Status EmitWatermark(int64_t micros) {
    return downstream_ ? downstream_->OnWatermark(micros) : absl::OkStatus();
  }
  absl::Status EmitBarrier(CheckpointId id) {
    return downstream_ ? downstream_->OnBarrier(id) : absl::OkStatus();
  }
  absl::Status EmitFinish() {
    return downstream_ ? downstream_->Finish() : absl::OkStatus();
  }

 private:
  Operator* downstream_ = nullptr;
  size_t output_budget_ = 1024;
};

}  // namespace weir::exec
