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
// changes (the view keeps no history). Its checkpoint position is empty
// and on resume it reads the view's current contents again as +I: a
// downstream keyed by the view's key (an upsert sink such as MySQL, a view
// over the view that keeps rows by key) converges, since +I of an existing
// key replaces its row; an append-only consumer (Kafka) sees those rows
// again, and an aggregate over the view counts them again. A key the view
// deleted while the reader was down is not deleted downstream (the
// re-read holds only rows that exist).
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
