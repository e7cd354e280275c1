#pragma once

// Window assignment: the TUMBLE, HOP and CUMULATE table functions as a
// stateless operator.
//
// Each of these windows depends only on a row's event time, so a row's
// windows are known when it arrives: the window operator emits one row per
// (row, window), the input's columns followed by window_start and
// window_end, and a windowed aggregate is the keyed aggregate
// (aggregate.h) with window_start and window_end among its group keys.
// The operator runs in the source tasks, before the aggregate's exchange.
// (SESSION windows merge as rows arrive and need state: a separate
// operator, not this one.)
//
// The windows of a row at event time ts, with offset o:
//   TUMBLE(size)          [s, s + size), s = floor((ts - o) / size) * size + o
//   HOP(slide, size)      every [s, s + size) with s a multiple of slide
//                         (+ o) and s <= ts < s + size: size / slide windows
//   CUMULATE(step, max)   [s, s + k * step) for the k in 1 .. max / step with
//                         ts < s + k * step, s = floor((ts - o) / max) * max +
//                         o
// emitted in ascending window_end order. TUMBLE moves the input's columns
// over as they are (one window per row: only two columns are added and the
// selection narrowed); HOP and CUMULATE copy each row once per window and
// keep to the output budget, the rest owed to ContinueOutput.
//
// Rows the operator drops (and counts in the query's late-row counter):
//   - a NULL event time: the row is in no window;
//   - under a windowed aggregate whose time column has a watermark: a row
//     whose every window is closed, i.e. window_end + allowed lateness <= the
//     watermark the task has seen (its windows' state may already be gone).
//     A row with only some windows closed (HOP, CUMULATE) keeps the others.
// The aggregate behind the exchange sees a watermark no later than the one
// this operator saw when it passed a row on (the exchange carries events in
// order and a task takes the minimum over its channels), so it never
// receives a (row, window) that is closed for it.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "engine/exec/late_rows.h"
#include "engine/exec/operator.h"
#include "engine/sql/logical_plan.h"

namespace weir::exec {

/// A window [start, end) in micros.
struct WindowBounds {
  int64_t start = 0;
  int64_t end = 0;
  friend bool operator==(const WindowBounds&, const WindowBounds&) = default;
};

/// Appends the windows of event time `ts` under `node` (TUMBLE, HOP or
/// CUMULATE), ascending by end. False (nothing appended) when a bound would
/// not fit in 64 bits.
bool AssignWindows(const sql::WindowNode& node, int64_t ts,
                   std::vector<WindowBounds>* out);

/// OK when the window node can run as the stateless window operator
/// (TUMBLE, HOP, CUMULATE); Unimplemented for SESSION.
absl::Status CheckWindowAssignable(const sql::WindowNode& node);

/// Whether the window under the windowed aggregate `agg` (through filters
/// and projections) has a watermark on its time column, so its windows
/// close as the watermark passes them.
bool WindowTimeHasWatermark(const sql::AggregateNode& agg);

/// The allowed lateness of each window node that feeds a windowed
/// aggregate over a time column with a watermark (through filters and
/// projections only): the window operator drops rows late for it. Window
/// nodes not in the map drop only rows with a NULL time.
std::map<const sql::PlanNode*, int64_t> WindowLateness(
    const sql::PlanPtr& root);

/// The window operator of `node`. `lateness`: drop late rows as the file
/// comment says; `late` counts the rows dropped and, for a stream with
/// `'late-rows' = 'dlq'`, writes the late ones (not those with a NULL
/// time) to its sink, each input batch's with one Write.
std::unique_ptr<Operator> MakeWindowOperator(const sql::WindowNode& node,
                                             std::optional<int64_t> lateness,
                                             LateRowOutput late);

/// `watermark` - `lateness`, saturating: kNoWatermark and kEndOfTime stay.
int64_t ShiftWatermark(int64_t watermark, int64_t lateness);

}  // namespace weir::exec
