#pragma once

// The view store: the last operator of a materialized view's query. It
// applies the query's changes to the view's rows, keyed by the view's
// unique key (the query's upsert key: GROUP BY keys, window bounds):
//   +I / +U  the row becomes the key's row;
//   -U / -D  the key's row is deleted (an update's +U follows its -U in
//            order, so an update replaces the row; a -U whose +U a filter
//            dropped, e.g. a HAVING no longer met, deletes it). A -U that
//            ends a batch is held from readers until the next batch or
//            event, so a pull query never sees a key missing between an
//            update's -U and +U (view_store.cc);
// both in the task's StateStore (durable: snapshotted with the query's
// other state at every checkpoint, restored when a view with `state.dir`
// resumes) and in the view's shared ViewState, which pull queries read
// (view_state.h says why there are two).
//
// An append-only view without a unique key (a filter or projection of a
// stream) keys its rows by (task, sequence number): every row is kept, in
// arrival order per task, and the view grows with its input.
//
// State key: operator id | key group | the view's encoded key (or task |
// sequence); value: the row, each column encoded with key_codec's
// AppendValue. On open the operator reads its store (restored from the
// last checkpoint, or empty) into the ViewState, so a resumed view answers
// pull queries at once.
//
// The operator passes its input on unchanged: the view's stage ends in a
// sink that discards it (MakeViewSink), so the query's counts of rows
// written are the changes applied.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/operator.h"
#include "engine/exec/sink.h"
#include "engine/exec/view_state.h"

namespace weir::exec {

/// The view store of task `task` over `store`, applying to `view` (whose
/// schema and key columns are the operator's input's). `changelog`: the
/// input retracts rows; with no key columns it is then a global aggregate's
/// one row, kept under the empty key (rather than appended by sequence).
/// Reads the store into `view` first; DataLoss naming the view when a
/// stored row does not decode.
absl::StatusOr<std::unique_ptr<Operator>> MakeViewStoreOperator(
    std::shared_ptr<ViewState> view, AggregateStore store, int task,
    std::string view_name, bool changelog);

/// The sink behind a view store: takes rows and drops them (the view
/// store applied them already).
std::unique_ptr<Sink> MakeViewSink(std::string view_name);

}  // namespace weir::exec
