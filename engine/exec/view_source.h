#pragma once

// A materialized view read as a changelog: the source of a push query, a
// sink or another view whose FROM is a view (CREATE SINK s FROM v).
//
// On open the source copies the view's rows and subscribes to its changes
// in one step under the view's lock (ViewState::Subscribe), so no change
// is missed or seen twice between the copy and the subscription. It emits
// the copy as +I, then every step the view applies after it, in order, as
// +I / -U / +U / -D keyed by the view's key (the net change of each key
// in a step; view_state.cc StepChanges). Input ends when the view's query
// finished (a bounded input) and its last change was emitted; a view whose
// query runs on never ends.
//
// Backpressure. Each reader has a bounded queue; the view's writer never
// waits for it and never drops silently: a change that does not fit marks
// the queue overflowed (view_state.h), and the reader copies the view
// again and emits the difference between the rows it emitted so far (it
// keeps a copy of them, key -> row) and the new copy: -D for keys gone,
// +I for new keys, -U/+U for changed rows. Downstream converges to the
// view's contents; what it misses are intermediate versions of a row,
// which a changelog consumer keyed by the view's key does not need.
//
// Event time: none. The view source is not an event-time source: it has
// no WATERMARK, so windows over a view are refused as over any stream
// without one.
//
// Checkpoints. A reader cannot resume from a position in the view's
// changes (the view keeps no history), so its checkpoint position is
// empty. When its query keeps state (a state directory: a sink or a view
// reading the view), the reader also keeps the rows it emitted, by key, in
// its split's own state store (Source::wants_store), snapshotted with
// every checkpoint of its query. On resume it copies the view again and
// emits only the difference from the rows its checkpoint holds: -D for a
// key the view deleted meanwhile, -U/+U for a changed row, +I for a new
// key, nothing for an unchanged one. So an aggregate over the view counts
// nothing twice and an upsert sink deletes what the view deleted. Without
// state (a push query) it starts with a full copy as +I. The cost: the
// reader's rows a second time, in its store.
//
// Splits. Split 0 reads the whole view; the others end at once (the view's
// rows are in one shared index, not partitioned by task).

#include <cstddef>
#include <memory>

#include "engine/exec/source.h"
#include "engine/exec/view_state.h"

namespace weir::exec {

/// Default number of changes a reader's queue holds before it overflows.
inline constexpr size_t kViewReaderQueueChanges = 1 << 16;

/// Split `split` of `view` as a changelog source, with a queue of
/// `queue_changes` changes.
std::unique_ptr<Source> OpenViewChangelogSource(
    std::shared_ptr<ViewState> view, int split,
    size_t queue_changes = kViewReaderQueueChanges);

}  // namespace weir::exec
