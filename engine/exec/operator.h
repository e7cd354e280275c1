#pragma once

// The operator contract of the runtime. Operators form a chain inside a
// task and push batches downstream: a source feeds the first operator, each
// operator processes its input and emits to the next, the last one hands
// rows to the query's output. A task runs its chain on one worker thread of
// the pool at a time (it may move between workers from step to step, with
// the executor's lock ordering the moves), so an operator instance is never
// called concurrently and needs no locking; operators of different
// tasks share only immutable state (compiled expressions) or state they
// synchronize themselves (a query-wide LIMIT counter).
//
// Events an operator receives, in order:
//   AddInput(batch)*  -- rows; a batch may carry a selection vector
//   OnWatermark(t)    -- event time has reached t on this task's input
//   Finish()          -- no more input (bounded sources, cancellation)
// An operator forwards watermarks and Finish downstream unless it has a
// reason not to. Returning an error stops the task and fails the query with
// that status. Checkpoint barriers join this contract with state.

#include <cstdint>

#include "absl/status/status.h"
#include "engine/types/batch.h"

namespace weir::exec {

class Operator {
 public:
  virtual ~Operator() = default;

  /// Takes ownership of `batch` (it may be narrowed and forwarded as is).
  virtual absl::Status AddInput(types::Batch batch) = 0;
  virtual absl::Status OnWatermark(int64_t micros) {
    return EmitWatermark(micros);
  }
  virtual absl::Status Finish() { return EmitFinish(); }
  /// True once the operator needs no more input (e.g. a LIMIT is reached);
  /// the task then stops reading its source.
  virtual bool Done() const {
    return downstream_ != nullptr && downstream_->Done();
  }

  /// The next operator; not owned (the task owns the chain).
  void set_downstream(Operator* next) { downstream_ = next; }

 protected:
  absl::Status Emit(types::Batch batch) {
    return downstream_ ? downstream_->AddInput(std::move(batch))
                       : absl::OkStatus();
  }
  absl::Status EmitWatermark(int64_t micros) {
    return downstream_ ? downstream_->OnWatermark(micros) : absl::OkStatus();
  }
  absl::Status EmitFinish() {
    return downstream_ ? downstream_->Finish() : absl::OkStatus();
  }

 private:
  Operator* downstream_ = nullptr;
};

}  // namespace weir::exec
